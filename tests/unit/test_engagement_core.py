"""Pure engagement rules: poll answers, survey answers, codes, DLT templates, draws, throttle."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.core.engagement import (
    PollOption,
    PollRefused,
    Question,
    QuestionKind,
    code_digest,
    draw,
    estimate,
    match_option,
    matches_dlt,
    normalize_code,
    parse_answer,
    parse_option,
    parse_question,
    throttle,
    validate_options,
)

OPTIONS = (parse_option('A="Pizza"'), parse_option('B="Burger"'))


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("A", "A"),
        ("a", "A"),
        ("  b. ", "B"),
        ("pizza", "A"),
        ("Pizza please", "A"),
        ("ＢＵＲＧＥＲ!", "B"),
        ("C", None),
        ("I want pizza", None),
        ("", None),
    ],
)
def test_match_option(body, key) -> None:
    found = match_option(OPTIONS, body)
    assert (found.key if found else None) == key


def test_options_may_not_collide_or_use_compliance_words() -> None:
    with pytest.raises(PollRefused):
        validate_options([PollOption("A", "x", ("X",)), PollOption("B", "y", ("X",))])
    with pytest.raises(PollRefused):
        validate_options([PollOption("STOP", "Stop"), PollOption("GO", "Go")])
    validate_options([PollOption("YES", "Yes"), PollOption("NO", "No")])  # YES is fine for subscribed contacts


def test_survey_answers() -> None:
    number = Question("How likely?", QuestionKind.NUMBER, minimum=0, maximum=10)
    assert parse_answer(number, "9") == "9" and parse_answer(number, "11") is None and parse_answer(number, "x") is None
    choice = parse_question("choice:Visit?:A=Great,B=Meh")
    assert parse_answer(choice, "great") == "A" and parse_answer(choice, "Z") is None
    assert parse_answer(parse_question("text:Anything else?"), " Nice ") == "Nice"


def test_codes_are_folded_and_digested() -> None:
    assert normalize_code("ab12-cd 34") == normalize_code("AB12CD34")
    assert code_digest(1, "ab12-cd34") == code_digest(1, "AB12CD34") != code_digest(2, "AB12CD34")


def test_dlt_template_match() -> None:
    template = "Dear {#var#}, your order {#var#} has shipped. -ACME"
    assert matches_dlt(template, "Dear Asha, your order 42 has shipped. -ACME")
    assert not matches_dlt(template, "Dear Asha, 50% off! -ACME")
    assert not matches_dlt(template, "Dear " + "x" * 31 + ", your order 1 has shipped. -ACME")


@given(ids=st.sets(st.integers(1, 10_000), max_size=50), count=st.integers(1, 5), seed=st.text(min_size=1))
def test_draw_is_reproducible_and_draws_from_the_pool(ids, count, seed) -> None:
    winners = draw(ids, count, seed)
    assert winners == draw(list(reversed(sorted(ids))), count, seed)
    assert set(winners) <= ids and len(winners) == min(count, len(ids)) and len(set(winners)) == len(winners)


@given(offsets=st.lists(st.integers(0, 3600), min_size=1, max_size=60), rate=st.floats(0.5, 200))
def test_throttle_keeps_the_rate_and_never_sends_early(offsets, rate) -> None:
    base = datetime(2025, 1, 1, tzinfo=UTC)
    ready = [base + timedelta(seconds=o) for o in offsets]
    planned = throttle(ready, rate)
    assert all(p >= r for p, r in zip(planned, ready, strict=True))
    ordered = sorted(planned)
    gap = timedelta(seconds=1 / rate) - timedelta(microseconds=2)
    assert all(b - a >= gap for a, b in itertools.pairwise(ordered))


def test_cost_estimate_counts_segments() -> None:
    est = estimate("x" * 161, 100, 0.01)
    assert est.segments_each == 2 and est.total_segments == 200 and abs(est.total_cost - 2.0) < 1e-9
