"""What an automation step sees of an inbound message: the context its handler acts on, and the
chunk state and arrival its screen reads.

These types live apart from the chain (`engine.automation`) and from every step so that the steps
can name them without importing the chain that imports them: the chain module sits above the step
modules, which sit above this one (an import-linter contract in pyproject.toml keeps it so). This
module imports no step.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from inbox.core import rules as core_rules
from inbox.core.models import Channel, MessageKind
from inbox.engine import replies
from inbox.store import conversations
from inbox.store.contests import Contest
from inbox.store.polls import Poll
from inbox.store.rules import StoredRule


@dataclass
class InboundContext:
    """One stored inbound message, inside the ingest transaction; handlers may only write rows."""

    session: Session
    channel: Channel
    contact_id: int
    conversation_id: int
    message_id: int
    contact_phone: str
    body: str
    at: datetime
    queued_ids: list[int] = field(default_factory=list)
    # Messages written for the thread that are not ours to send (the provider's own replies).
    recorded_ids: list[int] = field(default_factory=list)
    # How the conversation stood before this message touched it (None: not known, e.g. in a test).
    before: conversations.Before | None = None

    def reply(self, text: str, author: str, *, kind: MessageKind | None = None) -> int | None:
        """Answer this message as `author` (once, whatever happens; never to an opted-out contact but
        for the opt-out confirmation); returns the outbox row id, None if nothing was queued."""
        new_id = replies.queue(
            self.session,
            self.channel,
            contact_id=self.contact_id,
            conversation_id=self.conversation_id,
            reply_to_id=self.message_id,
            to_number=self.contact_phone,
            text=text,
            author=author,
            kind=kind,
            at=self.at,
        )
        if new_id is not None:
            self.queued_ids.append(new_id)
        return new_id


@dataclass(frozen=True, slots=True)
class Arrival:
    """One stored MO as the screens see it."""

    contact_id: int
    conversation_id: int
    body: str
    at: datetime
    folded: str = ""  # NFKC, upper case: what every keyword comparison starts from

    @classmethod
    def of(cls, contact_id: int, conversation_id: int, body: str, at: datetime) -> Arrival:
        return cls(contact_id, conversation_id, body, at, unicodedata.normalize("NFKC", body).upper())


@dataclass
class ChunkState:
    """What the automation steps would read, fetched once for the chunk (`screening.prefetch`)."""

    channel: Channel
    verification_live: bool = False
    surveying: set[int] = field(default_factory=set)  # contact ids
    # Contacts the engagement step has run for in this chunk: it may have started a survey, so the
    # prefetched `surveying` no longer speaks for them.
    stirred: set[int] = field(default_factory=set)
    asking_csat: set[int] = field(default_factory=set)  # conversation ids
    survey_triggers: set[str] = field(default_factory=set)
    contests: list[Contest] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)
    rules: list[StoredRule] = field(default_factory=list)
    settings: core_rules.RuleSetSettings | None = None
