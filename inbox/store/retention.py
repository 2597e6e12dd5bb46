"""Data retention: purge old message bodies, erase one customer on request, and the settings behind it.

Purging keeps every row (direction, times, status, segments) so metrics stay right; only the text
goes. The purge marker is a watermark setting (`purged_before`): a message older than it whose body
is empty was purged, so no per-row column is needed and the marker costs nothing on a million rows.

Erasing deletes the customer's conversations and messages (and anything hanging off them) and
anonymises the contact's phone number to a random token. One exception, on purpose: a contact who
is currently opted out on any channel keeps the phone number (and nothing else), because the
suppression list is what stops us texting someone who said STOP, and the law requires honouring it.
Opt-out history rows are kept for the same reason; they hold no text and no number.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.orm import Session

from inbox.core.models import Direction, MessageStatus
from inbox.store.models import ContactRow, ConversationRow, MessageRow, OptOutRow, utcnow
from inbox.store.report_tables import SettingRow

RETENTION_DAYS = "retention_days"
PURGED_BEFORE = "purged_before"
ERASED_PREFIX = "erased:"

# An outbound body not yet handed to the provider must not be blanked: it would be sent empty.
_UNSENT = (MessageStatus.QUEUED.value, MessageStatus.SENDING.value, MessageStatus.UNKNOWN.value)


@dataclass(frozen=True, slots=True)
class PurgeResult:
    cutoff: datetime
    messages_purged: int
    previews_cleared: int


@dataclass(frozen=True, slots=True)
class EraseResult:
    contact_id: int
    conversations_deleted: int
    messages_deleted: int
    phone_kept_for_suppression: bool


# -- settings ------------------------------------------------------------------------------------
def setting(session: Session, key: str) -> str | None:
    return session.scalar(select(SettingRow.value).where(SettingRow.key == key))


def set_setting(session: Session, key: str, value: str | None, by: str) -> str | None:
    """Set (or with None, remove) a setting; returns the previous value for the audit trail."""
    row = session.get(SettingRow, key, with_for_update=True)
    previous = row.value if row else None
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(SettingRow(key=key, value=value, updated_at=utcnow(), updated_by=by))
    else:
        row.value, row.updated_at, row.updated_by = value, utcnow(), by
    session.flush()
    return previous


def retention_days(session: Session) -> int | None:
    value = setting(session, RETENTION_DAYS)
    return int(value) if value else None


def purged_before(session: Session) -> datetime | None:
    value = setting(session, PURGED_BEFORE)
    return datetime.fromisoformat(value) if value else None


# -- purge ---------------------------------------------------------------------------------------
def purge_bodies(session: Session, cutoff: datetime, by: str) -> PurgeResult:
    """Blank the text of every message created before `cutoff` (except unsent MTs); keep the rows."""
    purged = session.execute(
        update(MessageRow)
        .where(MessageRow.created_at < cutoff, MessageRow.body != "")
        .where((MessageRow.direction != Direction.OUTBOUND.value) | MessageRow.status.not_in(_UNSENT))
        .values(body="")
        .execution_options(synchronize_session=False)
    ).rowcount
    previews = session.execute(
        update(ConversationRow)
        .where(ConversationRow.last_activity_at < cutoff, ConversationRow.last_message_preview != "")
        .values(last_message_preview="")
        .execution_options(synchronize_session=False)
    ).rowcount
    previous = purged_before(session)
    if previous is None or cutoff > previous:
        set_setting(session, PURGED_BEFORE, cutoff.isoformat(), by)
    return PurgeResult(cutoff, int(purged or 0), int(previews or 0))


def is_purged(body: str, created_at: datetime, watermark: datetime | None) -> bool:
    return watermark is not None and body == "" and created_at < watermark


# -- erase ---------------------------------------------------------------------------------------
def _has_table(session: Session, name: str) -> bool:
    return inspect(session.connection()).has_table(name)


def erase_contact(session: Session, contact_id: int) -> EraseResult:
    """Remove a customer's conversations, messages and identifiers (see the module docstring)."""
    contact = session.get(ContactRow, contact_id, with_for_update=True)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    phone = contact.phone
    conv_ids = list(session.scalars(select(ConversationRow.id).where(ConversationRow.contact_id == contact_id)))
    messages = 0
    if conv_ids:
        # Explicit deletes (not only ON DELETE CASCADE) so the count is right on every backend.
        messages = int(
            session.execute(delete(MessageRow).where(MessageRow.conversation_id.in_(conv_ids))).rowcount or 0
        )
        session.execute(delete(ConversationRow).where(ConversationRow.id.in_(conv_ids)))
    if _has_table(session, "verification_challenges"):
        session.execute(text("DELETE FROM verification_challenges WHERE phone = :p"), {"p": phone})
    if _has_table(session, "list_memberships"):
        session.execute(text("DELETE FROM list_memberships WHERE contact_id = :c"), {"c": contact_id})
    if _has_table(session, "provider_journal"):
        # Raw provider answers already ingested may quote the customer; they are not needed any more.
        # A row not yet ingested stays: it holds other customers' texts, and is ingested within a poll.
        session.execute(text("DELETE FROM provider_journal WHERE done_at IS NOT NULL"))
    suppressed = bool(
        session.scalar(
            select(func.count())
            .select_from(OptOutRow)
            .where(OptOutRow.contact_id == contact_id, OptOutRow.opted_out.is_(True))
        )
    )
    if not suppressed and not phone.startswith(ERASED_PREFIX):
        contact.phone = ERASED_PREFIX + secrets.token_hex(12)
    contact.display_name = None
    contact.notes = ""
    session.flush()
    return EraseResult(contact_id, len(conv_ids), messages, suppressed)
