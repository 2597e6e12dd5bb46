"""Customer text on a terminal: control characters shown, never obeyed.

A text message is untrusted. Printed raw, ESC sequences can clear the agent's screen or rewrite
lines, BEL rings, NUL and C1 controls confuse terminals, and bidi overrides (U+202E) reorder what
the agent reads. `visible` writes each such character as a Python-style escape (`\\x1b`, `\\u202e`)
and leaves every other character alone: emoji (with their zero-width joiners), Hindi, Arabic and
Hebrew letters render as they are. `json_safe` does the same for a JSON document, whose own escapes
already cover C0 controls but not C1 controls or bidi controls.
"""

from __future__ import annotations

import re

# Bidirectional embeddings, overrides and isolates, and the marks that steer them.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# C0, DEL, C1, line/paragraph separators and the bidi controls; built once, tested per character.
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
# What json.dumps(ensure_ascii=False) leaves raw (it escapes C0 itself; structural newlines stay).
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f\u2028\u2029{_BIDI}]")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, keep: str = "") -> str:
    """`text` with every control character escaped, except those in `keep` (e.g. "\\n" for a stream)."""
    if not keep:
        return _UNSAFE.sub(lambda m: _escape(m.group()), text)
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


def json_safe(document: str) -> str:
    """A JSON document with C1 and bidi controls as \\uXXXX escapes: the same data, inert on a terminal."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
