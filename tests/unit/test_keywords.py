"""Compliance keyword recognition: forgiving for customers, exact where the provider is exact."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.core import keywords
from inbox.core.keywords import Compliance


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("STOP", Compliance.OPT_OUT),
        ("stop", Compliance.OPT_OUT),
        ("  Stop.  ", Compliance.OPT_OUT),
        ("ＳＴＯＰ", Compliance.OPT_OUT),
        ("unsubscribe!", Compliance.OPT_OUT),
        ("Quit", Compliance.OPT_OUT),
        ("start", Compliance.OPT_IN),
        ("UNSTOP", Compliance.OPT_IN),
        ("yes", Compliance.OPT_IN),
        ("help?", Compliance.HELP),
        ("INFO", Compliance.HELP),
        ("stop it", None),
        ("stopping", None),
        ("please help me", None),
        ("", None),
        ("🛑", None),
    ],
)
def test_classify(text: str, family: Compliance | None) -> None:
    found = keywords.classify(text)
    assert (found[0] if found else None) == family


@pytest.mark.parametrize(
    ("text", "exact"),
    [("STOP", "STOP"), (" stop ", "STOP"), ("Stop.", None), ("ＳＴＯＰ", None), ("stop please", None)],
)
def test_provider_exact_forms(text: str, exact: str | None) -> None:
    assert keywords.provider_exact_keyword(text) == exact


@given(
    st.sampled_from(sorted(keywords.OPT_OUT_KEYWORDS)),
    st.text(" .!?,;:-\t\n", max_size=4),
    st.text(" .!?,;:-\t\n", max_size=4),
    st.booleans(),
)
def test_any_casing_spacing_punctuation_or_width_is_an_opt_out(word: str, before: str, after: str, wide: bool) -> None:
    text = word.lower() if len(before) % 2 else word.title()
    if wide:
        text = "".join(chr(ord(c) + 0xFEE0) for c in text)  # full-width forms
    assert keywords.classify(before + text + after) == (Compliance.OPT_OUT, word)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("please stop texting me", True),
        ("Stop. Thank you", True),
        ("unsubscribe me", True),
        ("STOP", False),
        ("I'll stop by tomorrow", False),
        ("where is my order", False),
    ],
)
def test_free_text_opt_out_intent(text: str, intent: bool) -> None:
    assert keywords.opt_out_intent(text) is intent
