"""Automatic authors in words: the thread's "⚙ …" line and the supervisor's "by keywords"."""

from __future__ import annotations

import pytest

from inbox.core import attribution


@pytest.mark.parametrize(
    ("author", "name", "expected"),
    [
        ("poll:1", "Pizza or burger?", "Poll “Pizza or burger?”"),
        ("poll:1", None, "Poll 1"),
        ("survey:2", "After-sale", "Survey “After-sale”"),
        ("contest:3", "Summer draw", "Contest “Summer draw”"),
        ("broadcast:4", "vip", "Broadcast to “vip”"),
        ("broadcast:4", None, "Broadcast"),
        ("rule:hours", None, "Rule “hours”"),
        ("compliance:opt-out", None, "Opt-out confirmation"),
        ("compliance:help", None, "HELP reply"),
        ("fallback:after-hours", None, "After-hours reply"),
        ("csat", None, "Satisfaction survey"),
        ("verification", None, "Identity verification"),
        (None, None, "Automation"),
        ("poll:1", "What should we " + "really " * 10 + "eat?", "Poll “What should we really really really rea…”"),
    ],
)
def test_labels_name_the_step_and_what_it_is_called(author, name, expected) -> None:
    assert attribution.label(author, name) == expected


def test_categories_say_what_answered() -> None:
    got = [attribution.category(a) for a in ("compliance:opt-out", "rule:x", "poll:1", "csat", "survey:2", "odd")]
    assert got == ["keywords", "rules", "polls", "surveys", "surveys", "automation"]
