"""Automatic replies: the one way every automation queues a text to a customer.

Compliance, verification (the code and its verdicts), engagement (surveys, CSAT, contests, polls),
keyword rules and their lookups, and broadcasts all call `queue`; a project-rule test
(tests/unit/test_project_rules.py) keeps `messages.queue_outbound` out of every other module but
the agent's send path. So one place decides, for every automation alike:

- nobody opted out is texted, except the confirmation of that very opt-out;
- an answer to an MO (`reply_to_id`) is queued at most once per author (the UNIQUE(reply_to_id,
  author) constraint), so a replay or a crash can never make the same step answer twice;
- the row says an automation wrote it (`AuthorKind.AUTOMATION`), which one (`author`: the rule or
  step attribution, e.g. "rule:hours", "poll:3", "verification"), whether its text is a code
  (`masked`) and what it is (`kind`, the fact the thread's badges read);
- the conversation's last line shows it, unless the caller says not to (a broadcast);
- the sender is woken once the transaction commits, so the reply leaves at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

from inbox.core.models import AuthorKind, Channel, MessageKind
from inbox.store import conversations, messages, optouts

# The one automatic text an opted-out phone may still get: the confirmation of its opt-out.
OPT_OUT_AUTHOR = "compliance:opt-out"

_WAKERS: list[Callable[[], None]] = []
_WAKE_PENDING = "inbox.replies.wake"  # Session.info key: a wake is registered for this transaction


def may_reach_opted_out(author: str | None) -> bool:
    """Whether this author's texts go out to an opted-out phone (the outbox asks it again at send)."""
    return author == OPT_OUT_AUTHOR


def queue(
    session: Session,
    channel: Channel,
    *,
    contact_id: int,
    conversation_id: int,
    to_number: str,
    text: str,
    author: str,
    at: datetime,
    reply_to_id: int | None = None,
    masked: bool = False,
    kind: MessageKind | None = None,
    touch_conversation: bool = True,
) -> int | None:
    """The new outbox row's id; None when the contact opted out, or this author already answered
    `reply_to_id`. Runs inside the caller's transaction: nothing is queued unless it commits."""
    if not may_reach_opted_out(author) and optouts.is_opted_out(session, contact_id, channel.id):
        return None
    new_id = messages.queue_outbound(
        session,
        channel_id=channel.id,
        conversation_id=conversation_id,
        from_number=channel.number,
        to_number=to_number,
        body=text,
        author_kind=AuthorKind.AUTOMATION,
        author=author,
        reply_to_id=reply_to_id,
        masked=masked,
        kind=kind,
        at=at,
    )
    if new_id is None:
        return None
    if touch_conversation:
        conversations.touch_outbound(session, conversation_id, at, text, by_agent=False, masked=masked)
    _wake_after_commit(session)
    return new_id


def on_queued(waker: Callable[[], None]) -> Callable[[], None]:
    """Call `waker` after every commit that queued an automatic reply; returns the unsubscribe."""
    _WAKERS.append(waker)
    return lambda: _WAKERS.remove(waker) if waker in _WAKERS else None


def _wake_after_commit(session: Session) -> None:
    if not _WAKERS or session.info.get(_WAKE_PENDING):
        return
    session.info[_WAKE_PENDING] = True

    def committed(_session: Session) -> None:
        _session.info.pop(_WAKE_PENDING, None)
        for waker in list(_WAKERS):
            waker()

    def rolled_back(_session: Session) -> None:
        _session.info.pop(_WAKE_PENDING, None)

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_rollback", rolled_back, once=True)
