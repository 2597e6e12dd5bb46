"""Segment counts as carriers bill them (Twilio's calculator vectors) and the composer shows them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.core import segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("ж" * 70, 1),
        ("ж" * 71, 2),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("", 1),
    ],
)
def test_twilio_calculator_vectors(text: str, expected: int) -> None:
    assert segments.count(text) == expected


def test_encoding_and_forcing_characters() -> None:
    info = segments.analyze("It’s ready — thanks")
    assert info.encoding == "UCS-2"
    assert info.ucs2_chars == ("’", "—")
    assert segments.analyze(segments.gsm_friendly("It’s ready — thanks")).encoding == "GSM-7"


@pytest.mark.parametrize(
    ("text", "avoidable"),
    [
        ("It’s ready — thanks", ("’", "—")),  # an English text made Unicode by look-alikes
        ("ok 🎉", ("🎉",)),
        ("नमस्ते, आपका ऑर्डर भेज दिया गया है", ()),  # Hindi: Unicode by nature, nothing to fix
        ("मैं ठीक हूँ, it’s fine", ()),  # the curly quote costs nothing more in a Hindi text
        ("مرحبا", ()),
        ("Está listo", ()),  # á is a letter of the language, not a slip
        ("plain GSM", ()),
    ],
)
def test_only_characters_that_could_go_are_worth_a_warning(text: str, avoidable: tuple[str, ...]) -> None:
    info = segments.analyze(text)
    assert info.avoidable_chars == avoidable
    assert info.written_in_unicode == (info.encoding == "UCS-2" and not avoidable)


def test_extension_character_never_straddles_a_part() -> None:
    # 306 septets would fit two parts of 153 by arithmetic, but the euro's escape pair cannot
    # start at septet 153 of part one, so it moves and a third part is needed.
    assert segments.count("a" * 152 + "€" + "a" * 152) == 3
    assert segments.analyze("a" * 159 + "€").segments == 2  # 161 septets


def test_emoji_pair_never_splits() -> None:
    # 134 code units: two parts of 67 by arithmetic, three once the surrogate pair moves whole.
    assert segments.count("ж" * 66 + "😀" + "ж" * 66) == 3


@given(st.text(alphabet=st.sampled_from(sorted(segments.GSM7_BASIC)), max_size=1000))
def test_gsm_basic_count_formula(text: str) -> None:
    n = len(text)
    expected = 1 if n <= 160 else -(-n // 153)
    assert segments.count(text) == expected


@given(st.text(max_size=400))
def test_segments_always_cover_the_text(text: str) -> None:
    info = segments.analyze(text)
    assert info.segments >= 1
    assert info.units <= info.segments * (160 if info.encoding == "GSM-7" else 70)


MIXED = st.text(
    alphabet=st.one_of(
        st.sampled_from(sorted(segments.GSM7_BASIC | segments.GSM7_EXTENDED)),
        st.sampled_from("жé’—ü€😀👍🏽عब"),
        st.characters(),
    ),
    max_size=500,
)


@given(MIXED)
def test_the_arithmetic_shortcut_agrees_with_walking_the_characters(text: str) -> None:
    assert segments.analyze(text) == segments.analyze_slowly(text)
