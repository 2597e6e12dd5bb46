"""Data governance for admins: the retention period, purging old text, erasing a customer. Audited.

The store does the work (inbox.store.retention, whose docstring explains what is kept and why);
this module decides who may ask and leaves the audit trail.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from inbox.core import phone as phones
from inbox.reports import team
from inbox.store import audit, contacts, retention
from inbox.store.agents import Role, require
from inbox.store.db import Database
from inbox.store.models import utcnow
from inbox.store.retention import EraseResult, PurgeResult

__all__ = ["EraseResult", "PurgeResult", "erase_contact", "purge", "retention_days", "set_retention_days"]


def retention_days(db: Database) -> int | None:
    with db.read() as s:
        return retention.retention_days(s)


def set_retention_days(db: Database, actor: str, days: int | None) -> None:
    """Set (None: keep forever) how many days message text is kept. Admins only; audited."""
    if days is not None and days < 1:
        raise ValueError("the retention period is at least one day")
    who = team.actor(db, actor)
    require(who, Role.ADMIN, "changing the retention period")
    with db.write() as s:
        previous = retention.set_setting(s, retention.RETENTION_DAYS, str(days) if days else None, who.name)
        audit.record(s, who.name, "setting", retention.RETENTION_DAYS, value=days, previous=previous)


def purge(db: Database, actor: str, now: datetime | None = None) -> PurgeResult | None:
    """Blank the text of messages older than the retention period (None when none is set). Audited."""
    who = team.actor(db, actor)
    require(who, Role.ADMIN, "running the retention purge")
    with db.write() as s:
        days = retention.retention_days(s)
        if days is None:
            return None
        result = retention.purge_bodies(s, (now or utcnow()) - timedelta(days=days), who.name)
        audit.record(
            s,
            who.name,
            "retention_purge",
            "messages",
            days=days,
            cutoff=result.cutoff.isoformat(),
            messages=result.messages_purged,
        )
    return result


def erase_contact(db: Database, actor: str, number: str) -> EraseResult:
    """Erase one customer on request (admins only). The audit event names the contact id, not the number."""
    who = team.actor(db, actor)
    require(who, Role.ADMIN, "erasing a customer's data")
    e164 = phones.normalize(number)
    with db.write() as s:
        contact = contacts.by_phone(s, e164)
        if contact is None:
            raise LookupError(f"no contact {phones.mask(e164)}")
        result = retention.erase_contact(s, contact.id)
        audit.record(
            s,
            who.name,
            "contact_erase",
            f"contact:{contact.id}",
            conversations=result.conversations_deleted,
            messages=result.messages_deleted,
            phone_kept_for_suppression=result.phone_kept_for_suppression,
        )
    return result
