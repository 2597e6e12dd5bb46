"""The store refuses bad channel rows whatever the front end, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from inbox.core import durations, phone
from inbox.store import channels
from inbox.store.models import ChannelRow
from tests.conftest import OUR_NUMBER, add_channel


def test_a_second_channel_on_the_same_number_is_refused_however_it_is_written(db) -> None:
    with db.write() as s:
        first = add_channel(s, name="main", number="+15550001111")
    assert first.number == OUR_NUMBER
    with pytest.raises(channels.ChannelExists, match="'main' already uses this number"), db.write() as s:
        add_channel(s, name="again", number="+1 555 000 1111")
    with db.read() as s:
        assert [c.name for c in channels.all_active(s)] == ["main"]
    with db.write() as s:  # another provider account may hold its own number
        other = add_channel(s, name="other-account", number="+15550002222", account_sid="AC" + "1" * 32)
    assert other.number == "+15550002222"


def test_numbers_are_stored_in_e164(db) -> None:
    with db.write() as s:
        ch = add_channel(s, name="main", number="(555) 000-1111")
    assert ch.number == OUR_NUMBER
    with pytest.raises(phone.InvalidPhoneNumber), db.write() as s:
        add_channel(s, name="super", number="²³⁴⁵⁶")


@pytest.mark.parametrize("bad", [-1, 0, float("nan"), float("inf"), 86_400])
def test_the_store_refuses_a_poll_interval_out_of_bounds(db, bad: float) -> None:
    with pytest.raises(durations.InvalidDuration), db.write() as s:
        add_channel(s, poll_interval_seconds=bad)
    with db.write() as s:
        ch = add_channel(s)
    with pytest.raises(durations.InvalidDuration), db.write() as s:
        channels.set_poll_interval(s, ch.id, bad)
    with db.read() as s:
        assert [c.poll_interval_seconds for c in channels.all_active(s)] == [5.0]


def test_the_database_itself_refuses_two_active_rows_on_one_number(db) -> None:
    with db.write() as s:
        add_channel(s, name="main")
    row = dict(
        name="raw",
        provider="twilio",
        number=OUR_NUMBER,
        account_sid="AC" + "0" * 32,
        auth_token_ref="env:X",
        provider_handles_opt_out=True,
        help_text="",
        poll_interval_seconds=5.0,
        active=True,
    )
    with pytest.raises(IntegrityError), db.write() as s:
        s.execute(insert(ChannelRow).values(**row))
    with db.write() as s:  # an inactive duplicate (what migration 0012 leaves) is allowed
        s.execute(insert(ChannelRow).values(**{**row, "active": False}))


def test_migration_0012_keeps_the_oldest_of_duplicates_active_and_the_rest_with_their_history(db) -> None:
    """A database from before 0012 may hold duplicates (and unnormalised numbers): the upgrade
    must succeed, keep every row, and leave one active channel per number."""
    from inbox.store.migrations import upgrade

    with db.write() as s:
        s.execute(text("DROP INDEX uq_channels_active_number"))
        s.execute(text("DELETE FROM alembic_version WHERE version_num = '0012_channel_number_unique'"))
        base = dict(
            provider="twilio",
            account_sid="AC" + "0" * 32,
            auth_token_ref="env:X",
            provider_handles_opt_out=True,
            help_text="",
            poll_interval_seconds=5.0,
            active=True,
        )
        s.execute(insert(ChannelRow).values(name="first", number=OUR_NUMBER, **base))
        s.execute(insert(ChannelRow).values(name="spaced", number="+1 555 000 1111", **base))
        s.execute(insert(ChannelRow).values(name="exact", number=OUR_NUMBER, **base))
        s.execute(insert(ChannelRow).values(name="alone", number="+15550002222", **base))
        s.execute(insert(ChannelRow).values(name="odd", number="12", **base))
    upgrade(db.engine)
    with db.read() as s:
        rows = s.execute(select(ChannelRow.name, ChannelRow.number, ChannelRow.active).order_by(ChannelRow.id)).all()
    assert [tuple(r) for r in rows] == [
        ("first", OUR_NUMBER, True),
        ("spaced", OUR_NUMBER, False),
        ("exact", OUR_NUMBER, False),
        ("alone", "+15550002222", True),
        ("odd", "12", True),
    ]
    with pytest.raises(channels.ChannelExists), db.write() as s:
        add_channel(s, name="later", number=OUR_NUMBER)
