"""Plain data that crosses layer boundaries.

The store converts its rows into these frozen dataclasses so nothing above it ever holds a live
ORM object (a detached row read on the GUI thread would be a hidden database call).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(enum.StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    # The POST may have reached the provider but we never saw the answer: must be reconciled
    # against the provider's records before anything is resent.
    UNKNOWN = "unknown"


FINAL_STATUSES = frozenset(
    {MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED, MessageStatus.RECEIVED}
)


class ConversationStatus(enum.StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class AuthorKind(enum.StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    AUTOMATION = "automation"
    PROVIDER = "provider"  # replies the provider sent on its own (e.g. Twilio's STOP confirmation)
    NOTE = "note"  # private note: never sent


class MessageKind(enum.StrEnum):
    """What an automatic message is, stored when it is written (`messages.kind`): the thread's badges
    read this fact, never the wording of the text, so rewording a reply cannot break a badge."""

    CODE_SENT = "code_sent"  # a verification code texted to the customer (masked)
    CODE_MATCHED = "code_matched"  # the answer to a code that matched: verified
    CODE_WRONG = "code_wrong"  # ... a code that did not match (attempts left)
    CODE_LOCKED = "code_locked"  # ... a wrong code that used the last attempt, or one for a locked code
    CODE_EXPIRED = "code_expired"  # ... a code texted after it expired
    CODE_REUSED = "code_reused"  # ... a code texted again after it verified
    CODE_VOID = "code_void"  # ... a code of a verification that was cancelled


class OptOutSource(enum.StrEnum):
    KEYWORD = "keyword"  # the customer texted STOP/START
    PROVIDER = "provider"  # the provider refused a send with 21610
    AGENT = "agent"  # an agent recorded it by hand


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    name: str
    provider: str
    number: str
    account_sid: str
    base_url: str | None
    # Where the auth token lives: "keyring" or "env:VARNAME". Never the token itself.
    auth_token_ref: str
    provider_handles_opt_out: bool
    help_text: str
    poll_interval_seconds: float = 5.0
    active: bool = True  # False once removed: its conversations stay, nothing is polled or sent


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    phone: str
    display_name: str | None


@dataclass(frozen=True, slots=True)
class OptOutState:
    contact_id: int
    channel_id: int
    opted_out: bool
    changed_at: datetime
    source: OptOutSource
    keyword: str | None
    source_message_id: int | None


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of the conversation list: everything a list row paints, nothing more."""

    id: int
    channel_id: int
    channel_name: str
    contact_id: int
    contact_phone: str
    contact_name: str | None
    status: ConversationStatus
    assignee: str | None
    last_activity_at: datetime
    unread_count: int
    last_message_preview: str
    last_message_direction: Direction | None
    opted_out: bool
    flagged: bool = False
    verified: bool = False
    failed_delivery: bool = False
    snoozed_until: datetime | None = None
    waiting_since: datetime | None = None
    last_message_author_kind: AuthorKind | None = None
    labels: tuple[str, ...] = ()
    # The agent who wrote the preview line when an agent did ("Alice: …", "You: …"), else None.
    last_message_author: str | None = None
    # The agents with a note here mentioning them that they have not seen (as recorded, see
    # inbox.core.mentions): the "Mentions" view.
    mentioned: tuple[str, ...] = ()

    def mentions_unseen_by(self, me: str) -> bool:
        """Whether a note here mentions `me` and `me` has not opened the conversation since."""
        return me in self.mentioned or me.casefold() in self.mentioned

    def preview_for(self, me: str) -> str:
        """The last message on one line, saying who wrote it when the team did: "You: …" for the
        agent reading it, "Alice: …" for another agent, "⚙ …" for an automatic reply; "" when
        there is none. The list row, its accessible text and `inbox conversations` all use it."""
        text = " ".join(self.last_message_preview.split())
        if not text:
            return ""
        if self.last_message_author_kind == AuthorKind.AUTOMATION:
            return "⚙ " + text
        if self.last_message_direction == Direction.OUTBOUND and self.last_message_author:
            who = "You" if self.last_message_author == me else " ".join(self.last_message_author.split())
            return f"{who}: {text}"
        return text


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    channel_id: int
    direction: Direction
    body: str
    status: MessageStatus
    author_kind: AuthorKind
    author: str | None  # agent name or automation rule name
    created_at: datetime
    provider_message_id: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    encoding: str = "GSM-7"
    num_segments: int = 1
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    masked: bool = False  # a verification code: show bullets, never the text
    kind: MessageKind | None = None  # what an automatic message is (set by the engine that wrote it)
    author_label: str | None = None  # an automatic author in words ("Poll “Lunch?”"), set by the service
    retry_of_id: int | None = None  # this message is the Retry of that failed one
    retried: bool = False  # this failed message was retried (its copy names it): no second Retry


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """An MT as the outbox works on it: who it goes to, from which number, and where it stands in
    sending (what an agent's `Message` leaves out: the numbers, attempts, timestamps of the queue)."""

    id: int
    conversation_id: int
    channel_id: int
    to_number: str
    from_number: str
    body: str  # for a masked message the mask: the outbox asks verification for the real text
    author: str | None
    masked: bool
    status: MessageStatus
    attempts: int
    provider_message_id: str | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One message found by a text search, with the contact to show beside it."""

    message_id: int
    conversation_id: int
    contact_name: str | None
    contact_phone: str
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """An MO message as the provider reports it."""

    provider_message_id: str
    from_number: str
    to_number: str
    body: str
    date_sent: datetime
    num_segments: int = 1


@dataclass(frozen=True, slots=True)
class IndiaDlt:
    """The TRAI DLT identity of one MT to an Indian number: the principal entity (PE) ID and
    header (sender) registered for the channel, and the content template the text matches.
    Adapters whose API has fields for it send it (Infobip `regional.indiaDlt`); others ignore it."""

    principal_entity_id: str
    content_template_id: str | None = None
    telemarketer_id: str | None = None
    sender: str | None = None  # the DLT header, sent instead of our number where the API takes one


@dataclass(frozen=True, slots=True)
class OutboundRequest:
    to_number: str
    from_number: str
    body: str
    dlt: IndiaDlt | None = None


@dataclass(frozen=True, slots=True)
class ProviderMessage:
    """An MT message as the provider reports it (send answer, status refresh, reconciliation)."""

    provider_message_id: str
    to_number: str
    from_number: str
    body: str
    status: MessageStatus
    date_created: datetime | None = None
    date_sent: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    num_segments: int | None = None
    # "outbound-api" for what we sent; "outbound-reply" for what the provider answered on its own
    # (Twilio's STOP/START/HELP confirmations), which is never one of our sends.
    direction: str = "outbound-api"


@dataclass(frozen=True, slots=True)
class PollCursor:
    """High-water mark of inbound messages already committed for one channel."""

    newest_date_sent: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict = field(default_factory=dict)
