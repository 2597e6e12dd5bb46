"""The quiet line under the composer: length, segments, encoding, and what forces UCS-2.

Why: one pasted curly quote doubles the cost of a text; agents should see it as they type, with
the offending characters named and a one-click Replace when a GSM-7 look-alike exists. A text whose
script needs Unicode anyway (Hindi, Arabic) gets no warning: only its segments, said neutrally.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from inbox.core import segments


@dataclass(frozen=True, slots=True)
class CounterState:
    text: str  # e.g. "42 / 160 · 1 segment · GSM-7"
    ucs2: bool  # a warning: characters that could go make the text Unicode
    forcing: tuple[str, ...]
    replaceable: bool  # segments.gsm_friendly would change the text
    script: bool = False  # the text's own script needs Unicode (no characters to mark)


def _visible(ch: str) -> str:
    """Invisible or spacing characters are named by code point so the agent can find them."""
    if ch.isspace() or unicodedata.category(ch) in ("Zs", "Cf", "Cc"):
        return f"U+{ord(ch):04X}"
    return ch


def counter_state(text: str) -> CounterState:
    info = segments.analyze(text)
    n = info.segments
    plural = "s" if n != 1 else ""
    cap = n * info.per_segment
    if info.encoding == segments.GSM7:
        return CounterState(f"{info.units} / {cap} · {n} segment{plural} · GSM-7", False, (), False)
    if info.written_in_unicode:  # Hindi, Arabic…: said plainly, nothing to fix
        return CounterState(f"{info.units} / {cap} · Unicode · {n} segment{plural}", False, (), False, True)
    shown = " ".join(_visible(c) for c in info.ucs2_chars[:3]) + (" …" if len(info.ucs2_chars) > 3 else "")
    verb = "forces" if len(info.ucs2_chars) == 1 else "force"
    line = f"{info.units} / {cap} · UCS-2 · {n} segment{plural} — {shown} {verb} Unicode"
    return CounterState(line, True, info.ucs2_chars, segments.gsm_friendly(text) != text)
