"""Keyword rules: stored as validated specs, every change a new version, nothing overwritten."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.core import rules as core_rules
from inbox.core.rules import RuleRefused, RuleSetSettings, RuleSpec
from inbox.store.models import ContactRow, MessageRow, utcnow
from inbox.store.rule_tables import KeywordRuleRow, KeywordRuleVersionRow, LookupJobRow, RuleSetSettingsRow
from inbox.store.upsert import insert_ignore


class RuleNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class StoredRule:
    spec: RuleSpec
    version: int
    updated_at: datetime
    updated_by: str


def _spec(row: KeywordRuleRow | KeywordRuleVersionRow) -> RuleSpec:
    return replace(core_rules.from_dict(row.spec), enabled=row.enabled)


def _stored(row: KeywordRuleRow) -> StoredRule:
    return StoredRule(_spec(row), row.version, row.updated_at, row.updated_by)


def _row(session: Session, name: str) -> KeywordRuleRow | None:
    return session.scalar(select(KeywordRuleRow).where(KeywordRuleRow.name == name))


def _save_version(session: Session, row: KeywordRuleRow, by: str, at: datetime) -> None:
    session.add(
        KeywordRuleVersionRow(
            rule_id=row.id, version=row.version, enabled=row.enabled, spec=row.spec, changed_at=at, changed_by=by
        )
    )
    session.flush()


def add(session: Session, spec: RuleSpec, *, by: str = "admin", at: datetime | None = None) -> StoredRule:
    """Store a new rule (version 1). Raises RuleRefused if invalid or the name is taken."""
    core_rules.validate(spec)
    if _row(session, spec.name) is not None:
        raise RuleRefused(f"a rule named {spec.name!r} already exists (use `inbox keywords edit`)")
    now = at or utcnow()
    row = KeywordRuleRow(
        name=spec.name,
        version=1,
        enabled=spec.enabled,
        priority=spec.priority,
        channel_id=spec.channel_id,
        spec=core_rules.to_dict(spec),
        updated_at=now,
        updated_by=by,
    )
    session.add(row)
    session.flush()
    _save_version(session, row, by, now)
    return _stored(row)


def save(session: Session, spec: RuleSpec, *, by: str = "admin", at: datetime | None = None) -> StoredRule:
    """A new version of an existing rule (or version 1 of a new one). Unchanged specs add no version."""
    core_rules.validate(spec)
    row = _row(session, spec.name)
    if row is None:
        return add(session, spec, by=by, at=at)
    data = core_rules.to_dict(spec)
    if data == row.spec and row.enabled == spec.enabled:
        return _stored(row)
    now = at or utcnow()
    row.version += 1
    row.enabled = spec.enabled
    row.priority = spec.priority
    row.channel_id = spec.channel_id
    row.spec = data
    row.updated_at = now
    row.updated_by = by
    session.flush()
    _save_version(session, row, by, now)
    return _stored(row)


def set_enabled(session: Session, name: str, enabled: bool, *, by: str = "admin") -> StoredRule:
    found = get(session, name)
    if found is None:
        raise RuleNotFound(f"no rule named {name!r}")
    return save(session, replace(found.spec, enabled=enabled), by=by)


def get(session: Session, name: str) -> StoredRule | None:
    row = _row(session, name)
    return _stored(row) if row else None


def all_rules(session: Session) -> list[StoredRule]:
    rows = session.scalars(select(KeywordRuleRow).order_by(KeywordRuleRow.priority, KeywordRuleRow.name))
    return [_stored(r) for r in rows]


def enabled_specs(session: Session, channel_id: int | None) -> list[StoredRule]:
    """Enabled rules for a channel (and for all channels), in evaluation order."""
    stmt = select(KeywordRuleRow).where(KeywordRuleRow.enabled.is_(True))
    if channel_id is not None:
        stmt = stmt.where((KeywordRuleRow.channel_id.is_(None)) | (KeywordRuleRow.channel_id == channel_id))
    rows = [_stored(r) for r in session.scalars(stmt)]
    order = {id(s): i for i, s in enumerate(core_rules.ordered(r.spec for r in rows))}
    return sorted(rows, key=lambda r: order[id(r.spec)])


def history(session: Session, name: str) -> list[StoredRule]:
    row = _row(session, name)
    if row is None:
        raise RuleNotFound(f"no rule named {name!r}")
    versions = session.scalars(
        select(KeywordRuleVersionRow)
        .where(KeywordRuleVersionRow.rule_id == row.id)
        .order_by(KeywordRuleVersionRow.version)
    )
    return [StoredRule(_spec(v), v.version, v.changed_at, v.changed_by) for v in versions]


# -- fallback settings -------------------------------------------------------------------------------
def _scope(channel_id: int | None) -> str:
    return "all" if channel_id is None else f"channel:{channel_id}"


def _settings_dto(row: RuleSetSettingsRow) -> RuleSetSettings:
    def hm(value: str) -> time:
        return datetime.strptime(value, "%H:%M").time()

    days = tuple(int(d) for d in row.days.split(",") if d.strip())
    return RuleSetSettings(row.timezone, hm(row.opens), hm(row.closes), days, row.ack_text)


def settings(session: Session, channel_id: int | None) -> RuleSetSettings:
    """The channel's own settings, else the default scope, else built-in defaults (no ack)."""
    for scope in ([_scope(channel_id)] if channel_id is not None else []) + ["all"]:
        row = session.get(RuleSetSettingsRow, scope)
        if row is not None:
            return _settings_dto(row)
    return RuleSetSettings()


def save_settings(session: Session, channel_id: int | None, value: RuleSetSettings) -> None:
    from zoneinfo import ZoneInfo

    ZoneInfo(value.timezone)  # raises for an unknown zone before anything is stored
    scope = _scope(channel_id)
    row = session.get(RuleSetSettingsRow, scope) or RuleSetSettingsRow(scope=scope)
    row.timezone = value.timezone
    row.opens = value.opens.strftime("%H:%M")
    row.closes = value.closes.strftime("%H:%M")
    row.days = ",".join(str(d) for d in value.days)
    row.ack_text = value.ack_text
    row.updated_at = utcnow()
    session.add(row)
    session.flush()


# -- replies already sent, past messages ------------------------------------------------------------
def last_reply_at(session: Session, conversation_id: int, author: str) -> datetime | None:
    """When an automation with this author last answered in the conversation (after-hours ack)."""
    return session.scalar(
        select(MessageRow.created_at)
        .where(MessageRow.conversation_id == conversation_id, MessageRow.author == author)
        .order_by(MessageRow.id.desc())
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class PastInbound:
    message_id: int
    channel_id: int
    conversation_id: int
    contact_id: int
    phone: str
    display_name: str | None
    body: str
    at: datetime


def inbound_since(
    session: Session, since: datetime, channel_id: int | None = None, limit: int = 10_000
) -> list[PastInbound]:
    """Past customer messages, oldest first: the corpus a draft rule set is replayed over."""
    stmt = (
        select(MessageRow, ContactRow.phone, ContactRow.display_name, ContactRow.id)
        .join(ContactRow, ContactRow.phone == MessageRow.from_number)
        .where(MessageRow.direction == "inbound", MessageRow.created_at >= since)
        .order_by(MessageRow.created_at, MessageRow.id)
        .limit(limit)
    )
    if channel_id is not None:
        stmt = stmt.where(MessageRow.channel_id == channel_id)
    return [
        PastInbound(m.id, m.channel_id, m.conversation_id, cid, phone, name, m.body, m.created_at)
        for m, phone, name, cid in session.execute(stmt)
    ]


# -- lookup jobs -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LookupJob:
    id: int
    message_id: int
    conversation_id: int
    channel_id: int
    contact_id: int
    rule_name: str
    spec: RuleSpec
    variables: dict[str, str]


def queue_lookup(
    session: Session,
    *,
    message_id: int,
    conversation_id: int,
    channel_id: int,
    contact_id: int,
    rule: StoredRule,
    variables: dict[str, str],
    at: datetime,
) -> int | None:
    """One job per (MO, rule): a replayed message never calls the backend twice."""
    values = {
        "message_id": message_id,
        "conversation_id": conversation_id,
        "channel_id": channel_id,
        "contact_id": contact_id,
        "rule_name": rule.spec.name,
        "rule_version": rule.version,
        "spec": core_rules.to_dict(rule.spec),
        "variables": variables,
        "status": "pending",
        "attempts": 0,
        "created_at": at,
    }
    return insert_ignore(session, LookupJobRow.__table__, values, ["message_id", "rule_name"])


def claim_lookups(session: Session, now: datetime, limit: int, stale_after: timedelta) -> list[LookupJob]:
    """Mark due jobs running (the caller commits before any HTTP). A job left running by a crashed
    process is taken again after `stale_after`; the reply stays unique per (MO, rule) anyway."""
    stmt = (
        select(LookupJobRow)
        .where(
            (LookupJobRow.status == "pending")
            | ((LookupJobRow.status == "running") & (LookupJobRow.claimed_at < now - stale_after))
        )
        .order_by(LookupJobRow.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    jobs = []
    for row in session.scalars(stmt):
        row.status = "running"
        row.claimed_at = now
        row.attempts += 1
        jobs.append(
            LookupJob(
                row.id,
                row.message_id,
                row.conversation_id,
                row.channel_id,
                row.contact_id,
                row.rule_name,
                core_rules.from_dict(row.spec),
                dict(row.variables),
            )
        )
    session.flush()
    return jobs


def finish_lookup(session: Session, job_id: int, status: str, error: str | None, at: datetime) -> None:
    row = session.get(LookupJobRow, job_id)
    if row is not None:
        row.status = status
        row.error = error[:400] if error else None
        row.finished_at = at


def lookup_statuses(session: Session) -> dict[int, tuple[str, str | None]]:
    """Job status and error by source message id (tests and the CLI)."""
    return {r.message_id: (r.status, r.error) for r in session.scalars(select(LookupJobRow))}
