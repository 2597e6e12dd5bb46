"""The sentence that names what landed while an agent wrote: who, how long ago, what (elided)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.core import unseen
from inbox.core.models import AuthorKind, Direction, Message, MessageStatus

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _msg(kind: AuthorKind, body: str, seconds: int, author: str | None = None, masked: bool = False) -> Message:
    inbound = kind is AuthorKind.CUSTOMER
    return Message(
        id=seconds,
        conversation_id=1,
        channel_id=1,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        body=body,
        status=MessageStatus.RECEIVED if inbound else MessageStatus.QUEUED,
        author_kind=kind,
        author=author,
        created_at=NOW - timedelta(seconds=seconds),
        masked=masked,
    )


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(-3, "just now"), (0, "just now"), (20, "20 s ago"), (125, "2 min ago"), (7200, "2 h ago"), (86400, "1 day ago")],
)
def test_ages(seconds: int, said: str) -> None:
    assert unseen.ago(timedelta(seconds=seconds)) == said


def test_the_newest_is_named_and_the_rest_counted() -> None:
    newer = [_msg(AuthorKind.CUSTOMER, "hello?", 30), _msg(AuthorKind.AGENT, "On its\nway", 20, "Alice")]
    assert unseen.landed(newer, NOW) == "Alice replied 20 s ago: “On its way” (and 1 earlier message)"
    assert unseen.landed(newer[:1], NOW) == "The customer wrote 30 s ago: “hello?”"
    rule = _msg(AuthorKind.AUTOMATION, "We open at 9", 5, "rule:hours")
    assert unseen.landed([rule], NOW) == "An automatic reply (rule:hours) went out 5 s ago: “We open at 9”"


def test_long_texts_are_elided_and_codes_never_shown() -> None:
    long = _msg(AuthorKind.CUSTOMER, "x" * 500, 1)
    assert unseen.excerpt(long) == "x" * 79 + "…"
    code = _msg(AuthorKind.AUTOMATION, "Your code is 482913", 1, "verification", masked=True)
    assert "482913" not in unseen.landed([code], NOW)


def test_a_gui_label_isolates_the_quoted_text_from_its_direction() -> None:
    arabic = _msg(AuthorKind.CUSTOMER, "هل وصل الطرد؟", 3)
    assert unseen.landed([arabic], NOW, isolate=True) == "The customer wrote 3 s ago: “\u2068هل وصل الطرد؟\u2069”"
    assert "\u2068" not in unseen.landed([arabic], NOW)  # a terminal would show the control as an escape
