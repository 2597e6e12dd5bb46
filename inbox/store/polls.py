"""Polls and their votes: one counted vote per contact, results as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.core.engagement import PollOption, validate_options
from inbox.store.engagement_tables import PollRow, PollVoteRow
from inbox.store.models import ConversationRow, MessageRow
from inbox.store.upsert import insert_ignore

DEFAULT_VOTE_REPLY = "Thanks, your vote for {label} is counted."
DEFAULT_INVALID_REPLY = "Sorry, that is not an option. Reply with one of: {choices}."
ALREADY_VOTED_REPLY = "You have already voted ({label}). Only your first vote counts."


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    channel_id: int
    question: str
    options: tuple[PollOption, ...]
    opens_at: datetime
    closes_at: datetime | None
    last_vote_counts: bool
    vote_reply: str
    invalid_reply: str
    closed_at: datetime | None

    def is_open(self, at: datetime) -> bool:
        if self.closed_at is not None and at >= self.closed_at:
            return False
        return self.opens_at <= at and (self.closes_at is None or at < self.closes_at)

    def choices(self) -> str:
        return ", ".join(f"{o.key} ({o.label})" if o.label != o.key else o.key for o in self.options)


@dataclass(frozen=True, slots=True)
class OptionResult:
    key: str
    label: str
    votes: int
    share: float  # 0..1 of counted votes


@dataclass(frozen=True, slots=True)
class PollResults:
    poll: Poll
    total: int
    options: tuple[OptionResult, ...]
    over_time: tuple[tuple[datetime, str, int], ...]  # (hour, option key, votes counted in that hour)


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    counted: bool  # this message's vote is now the counted one
    previous: str | None  # the option counted before (a change or a repeat)


def _dto(row: PollRow) -> Poll:
    return Poll(
        row.id,
        row.channel_id,
        row.question,
        tuple(PollOption(o["key"], o["label"], tuple(o.get("keywords", ()))) for o in row.options),
        row.opens_at,
        row.closes_at,
        row.last_vote_counts,
        row.vote_reply,
        row.invalid_reply,
        row.closed_at,
    )


def create(
    session: Session,
    *,
    channel_id: int,
    question: str,
    options: list[PollOption],
    opens_at: datetime,
    closes_at: datetime | None = None,
    last_vote_counts: bool = False,
    vote_reply: str = DEFAULT_VOTE_REPLY,
    invalid_reply: str = DEFAULT_INVALID_REPLY,
) -> Poll:
    opts = validate_options(options)
    if closes_at is not None and closes_at <= opens_at:
        raise ValueError("a poll must close after it opens")
    row = PollRow(
        channel_id=channel_id,
        question=question,
        options=[{"key": o.key, "label": o.label, "keywords": list(o.keywords)} for o in opts],
        opens_at=opens_at,
        closes_at=closes_at,
        last_vote_counts=last_vote_counts,
        vote_reply=vote_reply,
        invalid_reply=invalid_reply,
    )
    session.add(row)
    session.flush()
    return _dto(row)


def get(session: Session, poll_id: int) -> Poll | None:
    row = session.get(PollRow, poll_id)
    return _dto(row) if row else None


def all_polls(session: Session) -> list[Poll]:
    return [_dto(r) for r in session.scalars(select(PollRow).order_by(PollRow.id))]


def open_for(session: Session, channel_id: int, at: datetime) -> Poll | None:
    """The newest poll open on this channel at `at` (one poll answers a given message)."""
    rows = session.scalars(
        select(PollRow)
        .where(PollRow.channel_id == channel_id, PollRow.opens_at <= at, PollRow.closed_at.is_(None))
        .order_by(PollRow.opens_at.desc(), PollRow.id.desc())
    )
    for row in rows:
        poll = _dto(row)
        if poll.is_open(at):
            return poll
    return None


def was_sent(session: Session, poll: Poll, contact_id: int, author: str) -> bool:
    """Whether this contact was texted the poll: polls keep no recipient list (a public "text A or B
    to 56789" poll has none), so the thread speaks for it. Sent means that since the poll opened,
    on its channel, this contact got from us a broadcast (how polls are announced), a text that
    quotes the poll's question (an agent or a rule pasting it), or an answer of the poll itself
    (`author`, e.g. to an earlier vote)."""
    question = poll.question.strip().casefold()
    for who, body in session.execute(
        select(MessageRow.author, MessageRow.body)
        .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
        .where(
            ConversationRow.contact_id == contact_id,
            MessageRow.channel_id == poll.channel_id,
            MessageRow.direction == "outbound",
            MessageRow.created_at >= poll.opens_at,
        )
    ):
        if who == author or (who or "").startswith("broadcast:") or (question and question in body.casefold()):
            return True
    return False


def close(session: Session, poll_id: int, at: datetime) -> bool:
    row = session.get(PollRow, poll_id)
    if row is None or row.closed_at is not None:
        return False
    row.closed_at = at
    return True


def vote(session: Session, poll: Poll, contact_id: int, option_key: str, message_id: int, at: datetime) -> VoteOutcome:
    new_id = insert_ignore(
        session,
        PollVoteRow.__table__,
        {
            "poll_id": poll.id,
            "contact_id": contact_id,
            "option_key": option_key,
            "message_id": message_id,
            "at": at,
            "changes": 0,
        },
        ["poll_id", "contact_id"],
    )
    if new_id is not None:
        return VoteOutcome(True, None)
    row = session.scalar(
        select(PollVoteRow).where(PollVoteRow.poll_id == poll.id, PollVoteRow.contact_id == contact_id)
    )
    assert row is not None
    previous = row.option_key
    if not poll.last_vote_counts:
        return VoteOutcome(False, previous)
    row.option_key = option_key
    row.message_id = message_id
    row.at = at
    row.changes += 1
    return VoteOutcome(True, previous)


def results(session: Session, poll_id: int) -> PollResults | None:
    poll = get(session, poll_id)
    if poll is None:
        return None
    counts = dict(
        session.execute(
            select(PollVoteRow.option_key, func.count())
            .where(PollVoteRow.poll_id == poll_id)
            .group_by(PollVoteRow.option_key)
        ).all()
    )
    total = sum(counts.values())
    options = tuple(
        OptionResult(o.key, o.label, counts.get(o.key, 0), (counts.get(o.key, 0) / total) if total else 0.0)
        for o in poll.options
    )
    buckets: dict[tuple[datetime, str], int] = {}
    for key, at in session.execute(
        select(PollVoteRow.option_key, PollVoteRow.at).where(PollVoteRow.poll_id == poll_id)
    ):
        hour = at.replace(minute=0, second=0, microsecond=0)
        buckets[(hour, key)] = buckets.get((hour, key), 0) + 1
    over_time = tuple((h, k, n) for (h, k), n in sorted(buckets.items()))
    return PollResults(poll, total, options, over_time)
