"""Subscription lists: who is on NEWS, since when, how they joined and why they left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from inbox.core import rules as core_rules
from inbox.store.models import ContactRow, ConversationRow, OptOutRow, utcnow
from inbox.store.rule_tables import ListMembershipEventRow, ListMembershipRow, SubscriptionListRow

PENDING = "pending"
MEMBER = "member"
LEFT = "left"


class ListExists(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SubscriptionList:
    id: int
    name: str
    description: str
    double_opt_in: bool


@dataclass(frozen=True, slots=True)
class Membership:
    list_name: str
    contact_id: int
    phone: str
    channel_id: int
    state: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class MembershipEvent:
    list_name: str
    channel_id: int
    state: str
    reason: str
    at: datetime
    source_message_id: int | None


def list_key(name: str) -> str:
    """Lists are named like keywords: "news", "News!" and "ＮＥＷＳ" are the same list."""
    return core_rules.normalize_keyword(name)


def _dto(row: SubscriptionListRow) -> SubscriptionList:
    return SubscriptionList(row.id, row.name, row.description, row.double_opt_in)


def create(session: Session, name: str, *, double_opt_in: bool = False, description: str = "") -> SubscriptionList:
    key = list_key(name)
    if not key or len(key) > 60:
        raise ValueError("a list name is 1 to 60 letters or digits")
    if session.scalar(select(SubscriptionListRow.id).where(SubscriptionListRow.name == key)) is not None:
        raise ListExists(f"a list named {key} already exists")
    row = SubscriptionListRow(name=key, double_opt_in=double_opt_in, description=description)
    session.add(row)
    session.flush()
    return _dto(row)


def get(session: Session, name: str) -> SubscriptionList | None:
    row = session.scalar(select(SubscriptionListRow).where(SubscriptionListRow.name == list_key(name)))
    return _dto(row) if row else None


def all_lists(session: Session) -> list[SubscriptionList]:
    return [_dto(r) for r in session.scalars(select(SubscriptionListRow).order_by(SubscriptionListRow.name))]


def state_of(session: Session, list_id: int, contact_id: int, channel_id: int) -> str | None:
    return session.scalar(
        select(ListMembershipRow.state).where(
            ListMembershipRow.list_id == list_id,
            ListMembershipRow.contact_id == contact_id,
            ListMembershipRow.channel_id == channel_id,
        )
    )


def set_state(
    session: Session,
    list_id: int,
    contact_id: int,
    channel_id: int,
    state: str,
    *,
    reason: str,
    at: datetime | None = None,
    source_message_id: int | None = None,
    via_rule: str | None = None,
) -> bool:
    """Record a membership change and its history. Returns whether the state changed."""
    now = at or utcnow()
    row = session.scalar(
        select(ListMembershipRow).where(
            ListMembershipRow.list_id == list_id,
            ListMembershipRow.contact_id == contact_id,
            ListMembershipRow.channel_id == channel_id,
        )
    )
    if row is not None and row.state == state:
        return False
    if row is None:
        if state == LEFT:
            return False  # never was a member: nothing to leave, no history to write
        row = ListMembershipRow(list_id=list_id, contact_id=contact_id, channel_id=channel_id)
        session.add(row)
    row.state = state
    row.changed_at = now
    if via_rule is not None:
        row.via_rule = via_rule
    session.add(
        ListMembershipEventRow(
            list_id=list_id,
            contact_id=contact_id,
            channel_id=channel_id,
            state=state,
            reason=reason,
            at=now,
            source_message_id=source_message_id,
        )
    )
    session.flush()
    return True


def pending(session: Session, contact_id: int, channel_id: int) -> list[tuple[SubscriptionList, str | None]]:
    """Lists waiting for this contact's YES, with the rule that asked."""
    rows = session.execute(
        select(SubscriptionListRow, ListMembershipRow.via_rule)
        .join(ListMembershipRow, ListMembershipRow.list_id == SubscriptionListRow.id)
        .where(
            ListMembershipRow.contact_id == contact_id,
            ListMembershipRow.channel_id == channel_id,
            ListMembershipRow.state == PENDING,
        )
        .order_by(SubscriptionListRow.name)
    )
    return [(_dto(lst), via) for lst, via in rows]


def joined(session: Session, contact_id: int, channel_id: int) -> list[SubscriptionList]:
    """Lists the contact is a member of (or pending on) through this channel."""
    rows = session.scalars(
        select(SubscriptionListRow)
        .join(ListMembershipRow, ListMembershipRow.list_id == SubscriptionListRow.id)
        .where(
            ListMembershipRow.contact_id == contact_id,
            ListMembershipRow.channel_id == channel_id,
            ListMembershipRow.state.in_([MEMBER, PENDING]),
        )
        .order_by(SubscriptionListRow.name)
    )
    return [_dto(r) for r in rows]


def leave_all(
    session: Session,
    contact_id: int,
    channel_id: int,
    *,
    reason: str,
    at: datetime | None = None,
    source_message_id: int | None = None,
) -> list[str]:
    """Opting out of a channel leaves every list joined through it. Returns the names left."""
    left = []
    for lst in joined(session, contact_id, channel_id):
        if set_state(
            session, lst.id, contact_id, channel_id, LEFT, reason=reason, at=at, source_message_id=source_message_id
        ):
            left.append(lst.name)
    return left


def members(session: Session, name: str, *, sendable_only: bool = False) -> list[Membership]:
    """Current members of a list. `sendable_only` drops anyone opted out of the channel or whose
    conversation is flagged for a possible opt-out: a broadcast must never reach them."""
    lst = get(session, name)
    if lst is None:
        return []
    stmt = (
        select(ListMembershipRow, ContactRow.phone)
        .join(ContactRow, ContactRow.id == ListMembershipRow.contact_id)
        .where(ListMembershipRow.list_id == lst.id)
        .order_by(ListMembershipRow.changed_at, ListMembershipRow.id)
    )
    if sendable_only:
        stmt = (
            stmt.where(ListMembershipRow.state == MEMBER)
            .outerjoin(
                OptOutRow,
                and_(
                    OptOutRow.contact_id == ListMembershipRow.contact_id,
                    OptOutRow.channel_id == ListMembershipRow.channel_id,
                ),
            )
            .outerjoin(
                ConversationRow,
                and_(
                    ConversationRow.contact_id == ListMembershipRow.contact_id,
                    ConversationRow.channel_id == ListMembershipRow.channel_id,
                ),
            )
            .where((OptOutRow.opted_out.is_(None)) | (OptOutRow.opted_out.is_(False)))
            .where((ConversationRow.flagged.is_(None)) | (ConversationRow.flagged.is_(False)))
        )
    return [
        Membership(lst.name, m.contact_id, phone, m.channel_id, m.state, m.changed_at)
        for m, phone in session.execute(stmt)
    ]


def history(session: Session, contact_id: int) -> list[MembershipEvent]:
    rows = session.execute(
        select(ListMembershipEventRow, SubscriptionListRow.name)
        .join(SubscriptionListRow, SubscriptionListRow.id == ListMembershipEventRow.list_id)
        .where(ListMembershipEventRow.contact_id == contact_id)
        .order_by(ListMembershipEventRow.at, ListMembershipEventRow.id)
    )
    return [MembershipEvent(name, e.channel_id, e.state, e.reason, e.at, e.source_message_id) for e, name in rows]
