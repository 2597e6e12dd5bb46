"""Text a person typed (a name, a message body): checks every front end applies the same way.

Why here: the CLI receives undecodable bytes as lone surrogates (Python's ``surrogateescape``),
which no database can store, and a name with terminal escapes or a right-to-left override
(U+202E) would rewrite what the next person sees in a terminal or a list. Pure functions, so the
CLI, the desktop and the engine share them; the maximum lengths come from the store's column
sizes, passed in by the caller.
"""

from __future__ import annotations


class InvalidText(ValueError):
    """Text that cannot be stored or shown as typed; the message says what to change."""


def require_utf8(text: str, what: str) -> str:
    """`text` unchanged, or InvalidText when it holds code points UTF-8 cannot encode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidText(
            f"{what} is not valid text (it holds bytes that are not UTF-8): check your terminal's encoding"
        ) from None
    return text


def printable_line(text: str, what: str, max_length: int | None) -> str:
    """`text` stripped: not empty, one line of printable characters, at most `max_length` long.

    "Printable" is ``str.isprintable``: it refuses control characters (ANSI escapes, newlines),
    format characters (bidi overrides and isolates, zero-width joiners) and separators other than
    the plain space.
    """
    value = require_utf8(text, what).strip()
    if not value:
        raise InvalidText(f"{what} is empty")
    if max_length is not None and len(value) > max_length:
        raise InvalidText(f"{what} is {len(value):,} characters long; the limit is {max_length}")
    if not value.isprintable():
        raise InvalidText(f"{what} holds control or formatting characters; use letters, digits, spaces and punctuation")
    return value


def check_length(text: str, what: str, max_length: int | None) -> str:
    """`text` unchanged if it fits `max_length` characters and is valid UTF-8."""
    require_utf8(text, what)
    if max_length is not None and len(text) > max_length:
        raise InvalidText(f"{what} is {len(text):,} characters long; the limit is {max_length}")
    return text
