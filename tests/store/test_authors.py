"""The names behind automatic authors, on both backends: what the thread's "⚙ Poll “…”" reads."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.core.engagement import PollOption
from inbox.engine import setup
from inbox.store import authors, polls


def test_names_finds_polls_by_id_and_ignores_what_is_not_on_file(db) -> None:
    channel = setup.add_channel(
        db, name="main", account_sid="AC" + "0" * 32, number="+15550001111", auth_token_ref="env:X"
    )
    with db.write() as s:
        poll = polls.create(
            s, channel_id=channel.id, question="Pizza or burger?",
            options=[PollOption("A", "Pizza"), PollOption("B", "Burger")], opens_at=datetime.now(UTC),
        )  # fmt: skip
    with db.read() as s:
        found = authors.names(s, [f"poll:{poll.id}", "poll:424242", "rule:hours", "poll:x", "survey:٣", None])
    assert found == {f"poll:{poll.id}": "Pizza or burger?"}
