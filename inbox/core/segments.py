"""How many SMS segments a text costs, and which characters force the expensive encoding.

Agents see this live in the composer; supervisors see it as cost. Rules as carriers apply them:
GSM-7 fits 160 septets in one segment, 153 per part when concatenated, and extension-table
characters take two septets that never straddle a part. UCS-2 fits 70 UTF-16 code units, 67 per
part, and a surrogate pair (most emoji) never straddles a part.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# The longest body a provider accepts in one request (Twilio: 1,600 characters, about ten
# concatenated segments); longer replies are refused, never split silently.
MAX_BODY_CHARS = 1600

_GSM_SINGLE, _GSM_PART = 160, 153
_UCS_SINGLE, _UCS_PART = 70, 67


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    encoding: str
    segments: int
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    per_segment: int  # capacity of each segment at this length
    ucs2_chars: tuple[str, ...]  # distinct characters that forced UCS-2, in order of appearance

    @property
    def written_in_unicode(self) -> bool:
        """The text's own script needs Unicode (Hindi, Arabic, Chinese, ą, á…): a letter, mark or
        digit GSM-7 lacks. Nothing to warn about then: no edit makes it GSM-7."""
        return any(script_char(ch) for ch in self.ucs2_chars)

    @property
    def avoidable_chars(self) -> tuple[str, ...]:
        """The characters worth a warning: those that alone make an otherwise GSM-7 text Unicode
        (a curly quote, a dash, an emoji, an invisible space), none when the script needs it anyway."""
        return () if self.written_in_unicode else self.ucs2_chars

    @property
    def remaining(self) -> int:
        """Units left before the next segment starts."""
        return self.segments * self.per_segment - self.units if self.units else self.per_segment


def _gsm_units(ch: str) -> int:
    return 2 if ch in GSM7_EXTENDED else 1


def _utf16_units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def script_char(ch: str) -> bool:
    """A letter, combining mark or digit outside GSM-7: part of how a language is written."""
    return ch not in GSM7_BASIC and ch not in GSM7_EXTENDED and unicodedata.category(ch)[0] in "LMN"


def ucs2_forcing_chars(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED:
            seen.setdefault(ch, None)
    return tuple(seen)


def _count_parts(unit_sizes: list[int], single: int, part: int) -> int:
    total = sum(unit_sizes)
    if total <= single:
        return 1
    parts, used = 1, 0
    for size in unit_sizes:
        if used + size > part:
            parts += 1
            used = 0
        used += size
    return parts


def analyze(text: str) -> SegmentInfo:
    """Encoding and segment count. Common texts (every character one unit: plain GSM-7, or UCS-2
    inside the BMP) are counted arithmetically, since ingest analyses every message it stores;
    the rest walk the characters (`analyze_slowly`, which the tests hold this to)."""
    chars = set(text)
    if chars <= GSM7_BASIC:
        return _uniform(GSM7, len(text), _GSM_SINGLE, _GSM_PART, ())
    if not chars & GSM7_EXTENDED and (not text or max(chars) <= "\uffff"):
        return _uniform(UCS2, len(text), _UCS_SINGLE, _UCS_PART, ucs2_forcing_chars(text))
    return analyze_slowly(text)


def _uniform(encoding: str, units: int, single: int, part: int, forcing: tuple[str, ...]) -> SegmentInfo:
    segs = 1 if units <= single else -(-units // part)
    return SegmentInfo(encoding, segs, units, single if segs == 1 else part, forcing)


def analyze_slowly(text: str) -> SegmentInfo:
    forcing = ucs2_forcing_chars(text)
    if not forcing:
        sizes = [_gsm_units(ch) for ch in text]
        segs = _count_parts(sizes, _GSM_SINGLE, _GSM_PART)
        return SegmentInfo(GSM7, segs, sum(sizes), _GSM_SINGLE if segs == 1 else _GSM_PART, ())
    sizes = [_utf16_units(ch) for ch in text]
    segs = _count_parts(sizes, _UCS_SINGLE, _UCS_PART)
    return SegmentInfo(UCS2, segs, sum(sizes), _UCS_SINGLE if segs == 1 else _UCS_PART, forcing)


def count(text: str) -> int:
    return analyze(text).segments


# Look-alikes that agents paste from word processors and that silently double the cost.
GSM_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2022": "-",
}


def gsm_friendly(text: str) -> str:
    """Replace typographic look-alikes with their GSM-7 equivalents."""
    return "".join(GSM_REPLACEMENTS.get(ch, ch) for ch in text)
