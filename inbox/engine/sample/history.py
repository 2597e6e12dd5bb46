"""The notation every hand-written sample conversation uses, and the one writer that stores it.

A conversation is a `Script` of `Line`s: who wrote (customer, agent, automation, provider, note),
when (minutes before `now`, or an exact time), the text and how its delivery ended. `write` stores
finished history with past timestamps through the store's own functions (the same denormalised
fields, the same full-text index as real traffic): it happened before the preview or demo started,
so nothing is queued for the outbox and no automation runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from inbox.core import segments
from inbox.core.models import (
    AuthorKind,
    Channel,
    ConversationStatus,
    InboundMessage,
    MessageKind,
    MessageStatus,
    OptOutSource,
)
from inbox.store import audit, contacts, conversations, messages, optouts
from inbox.store.db import Database

ME = "\x00me"  # stands for the `agent` given to write()
FLAG_REASON = "The customer may want to stop messages"


@dataclass(frozen=True)
class Line:
    """One message. `who`: "c" customer, "a" agent, "n" note, "r:<author>" automation,
    "p:<author>" the provider's own reply. `at`: minutes before `now`, or an exact time."""

    at: float | datetime
    who: str
    text: str
    status: str = "delivered"
    error: tuple[int, str] | None = None
    author: str | None = None  # an agent or note author other than the default
    masked: bool = False
    kind: MessageKind | None = None

    def when(self, now: datetime) -> datetime:
        return self.at if isinstance(self.at, datetime) else now - timedelta(minutes=self.at)


@dataclass(frozen=True)
class Script:
    phone: str
    name: str | None
    lines: tuple[Line, ...]
    status: ConversationStatus = ConversationStatus.OPEN
    assignee: str | None = None  # ME: the agent given to write() (so "Mine" is not empty)
    opted_out_keyword: str | None = None  # opted out by the last customer line containing it
    unread: int = 0  # what the agent has not read yet, whatever the lines were
    flagged: bool = False
    verified: bool = False
    snoozed_for_minutes: float | None = None  # snoozed until `now` plus this
    labels: tuple[str, ...] = field(default_factory=tuple)
    resolved: float | datetime | None = None  # when `assignee` resolved it (an audit entry)
    key: str | None = None  # digits naming the conversation in provider ids (default: the phone)


def write(
    db: Database, channel: Channel, scripts: Iterable[Script], *, now: datetime | None = None, agent: str = "demo-agent"
) -> int:
    """Store the scripts as conversations on `channel`; returns how many were new. Idempotent:
    provider ids derive from the phone and the line, so a second run writes nothing."""
    now = now or datetime.now(UTC)
    count = 0
    with db.write() as s:
        for script in scripts:
            if write_script(s, channel, script, now=now, agent=agent) is not None:
                count += 1
    return count


def write_script(s, channel: Channel, script: Script, *, now: datetime, agent: str) -> int | None:
    """One script in the caller's transaction; its conversation id, or None if it was already stored."""
    contact_id = contacts.get_or_create(s, script.phone)
    if script.name:
        contacts.rename(s, contact_id, script.name)
    first_at = script.lines[0].when(now) if script.lines else now
    conv_id = conversations.get_or_create(s, contact_id, channel.id, first_at)
    last_mo_id = None
    for i, line in enumerate(script.lines):
        new_id = write_line(
            s, channel, conv_id, script.phone, line, now=now, agent=agent, ref=i, reply_to=last_mo_id, key=script.key
        )
        if new_id is None:
            return None  # already written
        if line.who == "c":
            last_mo_id = new_id
    if script.opted_out_keyword:
        said = [ln for ln in script.lines if ln.who == "c" and script.opted_out_keyword in ln.text.upper()]
        at = (said[-1] if said else script.lines[0]).when(now)
        optouts.record(
            s,
            contact_id,
            channel.id,
            opted_out=True,
            at=at,
            source=OptOutSource.KEYWORD,
            keyword=script.opted_out_keyword,
            source_message_id=last_mo_id,
        )
    fields: dict[str, object] = {
        "status": script.status.value,
        "assignee": agent if script.assignee == ME else script.assignee,
        "flagged": script.flagged,
        "flag_reason": FLAG_REASON if script.flagged else None,
        "unread_count": script.unread,
    }
    if script.verified:
        fields["verified_at"] = now - timedelta(minutes=5)
    if script.snoozed_for_minutes is not None:
        fields["snoozed_until"] = now + timedelta(minutes=script.snoozed_for_minutes)
    conversations.set_fields(s, conv_id, **fields)
    if script.labels:
        conversations.set_labels(s, conv_id, script.labels)
    if script.resolved is not None:
        at = script.resolved if isinstance(script.resolved, datetime) else now - timedelta(minutes=script.resolved)
        who = fields["assignee"] or agent
        audit.record(s, str(who), "status", f"conversation:{conv_id}", at=at, status=ConversationStatus.RESOLVED.value)
    return conv_id


def write_line(
    s,
    channel: Channel,
    conv_id: int,
    phone: str,
    line: Line,
    *,
    now: datetime,
    agent: str,
    ref: int,
    reply_to: int | None = None,
    key: str | None = None,
) -> int | None:
    """One message in the caller's transaction, with the conversation's fields moved on as real
    traffic moves them; its id, or None for a customer text already stored (same phone and `ref`)."""
    at = line.when(now)
    provider_id = f"SM{key or phone.lstrip('+'):0>15}{ref:017d}"
    if line.who == "c":
        mo = InboundMessage(provider_id, phone, channel.number, line.text, at)
        new_id = messages.insert_inbound(s, channel.id, conv_id, mo, channel.number)
        if new_id is None:
            return None
        if line.masked or line.kind is not None:
            messages.set_fields(s, new_id, masked=line.masked, kind=None if line.kind is None else line.kind.value)
        conversations.touch_inbound(s, conv_id, at, line.text)
        return new_id
    if line.who == "n":
        return messages.add_note(
            s, channel_id=channel.id, conversation_id=conv_id, body=line.text, author=line.author or "Sam", at=at
        )
    automated = line.who[:2] in ("r:", "p:")
    kind = AuthorKind.AUTOMATION if line.who.startswith("r:") else AuthorKind.PROVIDER
    new_id = messages.queue_outbound(
        s,
        channel_id=channel.id,
        conversation_id=conv_id,
        from_number=channel.number,
        to_number=phone,
        body=line.text,
        author_kind=kind if automated else AuthorKind.AGENT,
        author=line.who[2:] if automated else (line.author or agent),
        reply_to_id=reply_to if automated else None,
        masked=line.masked,
        kind=line.kind,
        at=at,
    )
    assert new_id is not None
    status = MessageStatus(line.status)
    values: dict[str, object] = {
        "status": status.value,
        "num_segments": segments.analyze(line.text).segments,
    }
    if status is not MessageStatus.QUEUED:
        values |= {"provider_message_id": provider_id, "sent_at": at}
    if status is MessageStatus.DELIVERED:
        values["delivered_at"] = at + timedelta(seconds=3)
    if line.error:
        values["error_code"], values["error_message"] = line.error
    messages.set_fields(s, new_id, **values)
    if status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
        conversations.set_fields(s, conv_id, failed_delivery=True)
    conversations.touch_outbound(s, conv_id, at, line.text, by_agent=not automated, masked=line.masked)
    return new_id
