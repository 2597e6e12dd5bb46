"""Customer text made safe for a terminal: controls escaped, every other character untouched."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from inbox.core.terminal import json_safe, visible

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in BIDI or ch in "\u2028\u2029"


@given(st.text())
def test_no_control_character_survives_and_nothing_else_changes(text: str) -> None:
    shown = visible(text)
    assert not any(_unsafe(ch) for ch in shown)
    assert visible(shown) == shown  # escaping is stable: only ASCII backslash sequences were added
    if not any(_unsafe(ch) for ch in text):
        assert shown == text


@given(st.text())
def test_json_stays_the_same_data_and_inert(text: str) -> None:
    document = json_safe(json.dumps({"body": text}, ensure_ascii=False, indent=2))
    assert json.loads(document) == {"body": text}
    assert not any(_unsafe(ch) for ch in document if ch != "\n")


def test_examples() -> None:
    assert visible("a\x1b[2Jb\x07\x00\x9b\u202ec") == "a\\x1b[2Jb\\x07\\x00\\x9b\\u202ec"
    assert visible("line\nnext\ttab") == "line\\nnext\\ttab"
    assert visible("line\nnext", keep="\n") == "line\nnext"
    family = "👩\u200d👩\u200d👧 नमस्ते مرحبا שלום"
    assert visible(family) == family  # zero-width joiners and scripts stay
