"""Templates, previews, settings and the TOML round trip: what admins see before a rule goes live."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.core.rules import (
    Action,
    ActionKind,
    MatchMode,
    RuleRefused,
    RuleSetSettings,
    RuleSpec,
    from_dict,
    lookup_variables,
    preview,
    render,
    to_dict,
    to_toml,
    validate,
)


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        ("Hi {first_name}!", {"first_name": "Ada"}, "Hi Ada!"),
        ("Hi {first_name|there}!", {"first_name": ""}, "Hi there!"),
        (
            "Balance {lookup.balance} on {date}",
            {"lookup.balance": "3.20", "date": "2025-03-03"},
            "Balance 3.20 on 2025-03-03",
        ),
        ("Joined {list}", {"list": "NEWS"}, "Joined NEWS"),
        ("{{literal}} {number}", {"number": "+15551234567"}, "{literal} +15551234567"),
        ("{unknown}!", {}, "!"),
    ],
)
def test_render(template, variables, expected):
    assert render(template, variables) == expected


@given(st.text(max_size=40))
def test_values_are_never_expanded_again(value):
    assert render("{lookup.name}", {"lookup.name": value, "number": "SECRET"}) == value


def test_lookup_json_is_flattened():
    found = lookup_variables({"balance": 12.5, "account": {"owner": "Ada", "vip": True}, "tags": ["a", "b"]})
    assert found == {
        "lookup.balance": "12.5",
        "lookup.account.owner": "Ada",
        "lookup.account.vip": "true",
        "lookup.tags": "a, b",
    }


def test_preview_names_the_character_that_forces_ucs2():
    plain = preview("Your balance is 12.50 EUR")
    assert (plain.encoding, plain.segments, plain.warning) == ("GSM-7", 1, None)
    fancy = preview("Your balance is 12.50 € — thanks!")
    assert fancy.encoding == "UCS-2" and "U+2014" in fancy.warning and "€" not in fancy.ucs2_chars
    assert preview("x" * 161).segments == 2
    hindi = preview("आपका ऑर्डर भेज दिया गया है")
    assert (hindi.encoding, hindi.warning) == ("UCS-2", None)  # its script needs Unicode: nothing to fix


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (Action(ActionKind.REPLY), "no reply text"),
        (Action(ActionKind.LOOKUP, reply="x", fallback="y", url="ftp://x"), "http"),
        (Action(ActionKind.LOOKUP, reply="x", url="http://x"), "fallback"),
        (Action(ActionKind.LOOKUP, reply="x", fallback="y", url="http://x", timeout=60), "timeout"),
        (Action(ActionKind.LOOKUP, reply="x", fallback="y", url="http://x", auth_ref="Bearer abc"), "never the secret"),
        (Action(ActionKind.TAG), "no tag"),
        (Action(ActionKind.ASSIGN), "no agent"),
        (Action(ActionKind.STATUS, status="gone"), "status must be"),
    ],
)
def test_invalid_actions_are_refused_with_a_reason(action, message):
    with pytest.raises(RuleRefused, match=message):
        validate(RuleSpec("r", ("word",), MatchMode.FIRST_WORD, action))


def test_toml_round_trip_keeps_every_field():
    rule = RuleSpec(
        "BALANCE",
        ("balance", "bal"),
        MatchMode.FIRST_WORD,
        Action(
            ActionKind.LOOKUP,
            reply='Balance "{lookup.balance}"\nthanks',
            url="https://b.example/{number}",
            fallback="Later",
            timeout=2.5,
            auth_header="Authorization",
            auth_ref="env:TOKEN",
        ),
        channel_id=None,
        priority=5,
        starts_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    data = tomllib.loads(to_toml([to_dict(rule)]))["rule"]
    assert from_dict(data[0]) == rule


def test_business_hours_in_the_channel_time_zone():
    s = RuleSetSettings(timezone="Europe/Paris", opens=time(9), closes=time(17), days=(0, 1, 2, 3, 4))
    assert s.within_hours(datetime(2025, 3, 3, 8, 30, tzinfo=UTC))  # Monday 09:30 in Paris
    assert not s.within_hours(datetime(2025, 3, 3, 16, 30, tzinfo=UTC))  # 17:30 in Paris
    assert not s.within_hours(datetime(2025, 3, 2, 10, tzinfo=UTC))  # Sunday
