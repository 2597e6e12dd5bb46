"""Which view a conversation belongs to, and where it sorts.

Why: when a change event names a conversation, the list must decide locally whether the row stays,
leaves, or enters the current view and at which position, without reloading the page. This must
agree with the store's query for ``conversations_page`` (`store/conversations.page` implements the
same rules; integration tests compare them).
"""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.core.models import ConversationStatus, ConversationSummary
from inbox.engine.service import ConversationFilter

VIEWS: tuple[tuple[str, str], ...] = (
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("open", "Open"),
    ("pending", "Pending"),
    ("snoozed", "Snoozed"),
    ("resolved", "Resolved"),
    ("all", "All"),
    ("mentions", "Mentions"),
)

_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def matches(flt: ConversationFilter, s: ConversationSummary, agent: str | None) -> bool:
    """Whether a row belongs to a filter view."""
    if flt.channel_id is not None and s.channel_id != flt.channel_id:
        return False
    view = flt.view
    if view == "all":
        return True
    if view == "mine":
        return (
            s.assignee is not None and s.assignee == (flt.agent or agent) and (s.status != ConversationStatus.RESOLVED)
        )
    if view == "mentions":
        return s.mentions_unseen_by(flt.agent or agent or "")
    if view == "unassigned":
        return s.assignee is None and s.status in (ConversationStatus.OPEN, ConversationStatus.PENDING)
    return s.status == view


def sort_key(flt: ConversationFilter, s: ConversationSummary) -> tuple[float, int]:
    """Newest activity first, or longest waiting first (rows nobody waits on go last)."""
    if flt.sort == "waiting":
        return ((s.waiting_since or _FAR_FUTURE).timestamp(), -s.id)
    return (-s.last_activity_at.timestamp(), -s.id)
