"""Normalisation and matching of keyword rules: customers type loosely, compliance always wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.core import keywords
from inbox.core.rules import (
    Action,
    ActionKind,
    MatchMode,
    RuleRefused,
    RuleSpec,
    evaluate,
    match_rule,
    normalize_keyword,
    validate,
    without_courtesy,
    words,
)

NOW = datetime(2025, 3, 3, 12, tzinfo=UTC)
KEYWORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=10).filter(
    lambda w: w not in keywords.COMPLIANCE_KEYWORDS and w not in {"PLEASE", "THANKS", "PLS", "THX", "PLZ", "THANK"}
)
NOISE = st.text(alphabet=" .,!?¡¿…-*\t\n😀", max_size=4)
COURTESY = st.sampled_from(["", " please", " thanks", " thank you", " pls", " thx", " Please!", " thanks :)"])


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def reply_rule(name: str, *kws: str, mode: MatchMode = MatchMode.FIRST_WORD, **kw) -> RuleSpec:
    return RuleSpec(name, tuple(kws), mode, Action(ActionKind.REPLY, reply="ok"), **kw)


@given(KEYWORD, NOISE, NOISE, st.booleans(), st.booleans())
def test_case_punctuation_and_full_width_never_change_the_word(word, before, after, lower, wide):
    typed = word.lower() if lower else word
    typed = _fullwidth(typed) if wide else typed
    assert words(f"{before}{typed}{after}") == (word,)


@given(KEYWORD, NOISE, COURTESY, st.sampled_from(list(MatchMode)[:3]))
def test_a_keyword_matches_however_it_is_typed(word, noise, courtesy, mode):
    rule = reply_rule("r", word.lower(), mode=mode)
    assert match_rule(rule, f"{noise}{word.capitalize()}{courtesy}{noise}") is not None


@given(KEYWORD, KEYWORD)
def test_first_word_rules_pass_the_rest_as_arguments(word, arg):
    found = match_rule(reply_rule("join", word), f"{word.lower()} {arg.lower()} please")
    assert found is not None and found.args == (arg,)


@given(KEYWORD, KEYWORD)
def test_whole_message_rules_ignore_longer_messages(word, other):
    rule = reply_rule("r", word, mode=MatchMode.WHOLE)
    assert match_rule(rule, f"{word} {other}") is None or other in {"PLEASE", "THANKS"}
    assert match_rule(rule, f"{other} {word}") is None or other == word


@given(st.sampled_from(sorted(keywords.COMPLIANCE_KEYWORDS)), NOISE, st.sampled_from(list(MatchMode)[:3]))
def test_compliance_keywords_can_never_be_taken_by_a_rule(word, noise, mode):
    with pytest.raises(RuleRefused, match="compliance keyword"):
        validate(reply_rule("bad", "fine", f"{noise}{word.lower()}{noise}", mode=mode))


@given(st.text(max_size=30))
def test_compliance_messages_never_reach_custom_rules(text):
    anything = reply_rule("any", "x", mode=MatchMode.REGEX)  # bypasses validate on purpose
    catch_all = RuleSpec("all", (".*",), MatchMode.REGEX, Action(ActionKind.REPLY, reply="x"))
    if keywords.classify(text) is not None:
        assert evaluate([anything, catch_all], text, channel_id=1, at=NOW) is None


@pytest.mark.parametrize("pattern", [".*", "^S", "STOP|FOO", "(?i)help", "Y.S", "^[A-Z]{4,5}$"])
def test_regex_rules_matching_a_compliance_keyword_are_refused(pattern):
    with pytest.raises(RuleRefused, match="compliance keyword"):
        validate(RuleSpec("rx", (pattern,), MatchMode.REGEX, Action(ActionKind.REPLY, reply="x")))


def test_regex_rules_that_avoid_compliance_words_are_accepted():
    rule = validate(RuleSpec("order", (r"^ORDER \d+$",), MatchMode.REGEX, Action(ActionKind.REPLY, reply="x")))
    assert match_rule(rule, "order 1234!") is not None and match_rule(rule, "order me") is None


def test_priority_then_name_decides_and_windows_and_channels_apply():
    low = reply_rule("b-low", "deal", priority=50)
    high = reply_rule("a-high", "deal", priority=10, channel_id=2)
    later = reply_rule("later", "deal", priority=1, starts_at=NOW + timedelta(days=1))
    assert evaluate([low, high, later], "DEAL", channel_id=2, at=NOW).rule.name == "a-high"
    assert evaluate([low, high, later], "DEAL", channel_id=1, at=NOW).rule.name == "b-low"
    assert evaluate([low, high, later], "DEAL", channel_id=1, at=NOW + timedelta(days=2)).rule.name == "later"
    disabled = reply_rule("off", "deal", priority=0, enabled=False)
    assert evaluate([disabled, low], "deal", channel_id=1, at=NOW).rule.name == "b-low"


@given(st.lists(st.sampled_from(["PLEASE", "THANKS", "THX", "PLS"]), max_size=4))
def test_courtesy_tails_are_stripped_but_one_word_always_stays(tail):
    assert without_courtesy(("BALANCE", *tail)) == ("BALANCE",)
    assert len(without_courtesy(tuple(tail) or ("PLEASE",))) >= 1


def test_any_word_matches_inside_a_sentence_and_multiword_keywords():
    rule = reply_rule("hours", "opening hours", mode=MatchMode.ANY_WORD)
    assert match_rule(rule, "What are your Opening-Hours? hours") is None  # hyphen keeps one word
    assert match_rule(rule, "what are your opening hours?") is not None
    assert normalize_keyword("  ｊｏｉｎ   News! ") == "JOIN NEWS"
