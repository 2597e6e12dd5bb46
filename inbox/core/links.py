"""Web links inside customer text: found conservatively, opened only if they are plain http(s).

Why: message text is untrusted and always shown as plain text. The one convenience we allow is
opening an explicit ``http://`` or ``https://`` address after the agent clicks it. Anything else —
``javascript:``, ``file:``, ``data:``, ``tel:``, bare domains — stays inert text, so a customer can
never make the agent's machine run, read or dial something. ``is_openable`` is the last check before
handing a URL to the desktop, independent of how it was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# An explicit web address, not glued to a preceding word ("xhttps://" is not a link). It runs until
# whitespace, a control or invisible direction character (which could disguise where it points), or
# a character that cannot appear unescaped in a URL and usually delimits one in prose or markup.
_URL = re.compile(
    r"(?<![\w.+-])https?://[^\s<>\"`\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+",
    re.IGNORECASE,
)
_SENTENCE_END = ".,;:!?"
_CLOSERS = {")": "(", "]": "[", "}": "{", "›": "‹", "»": "«", "”": "“", "’": "‘"}
_QUOTES = "'"
_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True, slots=True)
class Link:
    """A link found in text: ``text[start:end] == url`` (Python string indices)."""

    start: int
    end: int
    url: str


def find(text: str) -> list[Link]:
    """Every explicit http(s) URL in ``text``, in order, without trailing sentence punctuation."""
    found: list[Link] = []
    for match in _URL.finditer(text):
        url = _trim(match.group())
        if is_openable(url):
            start = match.start()
            found.append(Link(start, start + len(url), url))
    return found


def _trim(url: str) -> str:
    """Drop what prose puts after a URL: sentence punctuation and brackets or quotes it did not open."""
    while url:
        last = url[-1]
        if last in _SENTENCE_END:
            url = url[:-1]
        elif last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last]):
            url = url[:-1]
        elif last in _QUOTES and url.count(last) % 2 == 1:
            url = url[:-1]
        else:
            break
    return url


def is_openable(url: str) -> bool:
    """True only for an absolute http(s) URL with a host and nothing hidden in it."""
    if not url or any(ch.isspace() or not ch.isprintable() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    return parts.scheme.lower() in _SCHEMES and bool(host) and url.lower().startswith(parts.scheme.lower() + "://")
