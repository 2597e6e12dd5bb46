"""Which parts of customer text become clickable: explicit http(s) URLs only, minus prose punctuation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.core import links


def urls(text: str) -> list[str]:
    return [link.url for link in links.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://example.com/a?b=1. and javascript:alert(1)", ["https://example.com/a?b=1"]),
        ("HTTPS://Example.COM/x", ["HTTPS://Example.COM/x"]),
        ("two: http://a.io, https://b.io/p!", ["http://a.io", "https://b.io/p"]),
        ("(see https://example.com/x)", ["https://example.com/x"]),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("https://example.com/a). Next", ["https://example.com/a"]),
        ("'https://example.com/q'", ["https://example.com/q"]),
        ("is it https://example.com/?", ["https://example.com/"]),
        ('<a href="https://example.com/z">x</a>', ["https://example.com/z"]),
        ("emoji 😀 https://example.com/ü 😀", ["https://example.com/ü"]),
        ("line\nhttps://example.com/1\nhttps://example.com/2", ["https://example.com/1", "https://example.com/2"]),
    ],
)
def test_explicit_web_links_are_found_without_trailing_punctuation(text: str, expected: list[str]) -> None:
    assert urls(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "tel:+14155550100 or sms:+14155550100",
        "ftp://files.example.com/x",
        "visit example.com or www.example.com",
        "https:// nothing here",
        "https://",
        "xhttps://glued.example.com",
        "http:/one-slash.example.com",
    ],
)
def test_other_schemes_and_bare_domains_are_never_links(text: str) -> None:
    assert urls(text) == []


def test_positions_point_at_the_url() -> None:
    text = "a 😀 https://example.com/x."
    (link,) = links.find(text)
    assert text[link.start : link.end] == link.url == "https://example.com/x"


def test_invisible_direction_characters_end_a_link() -> None:
    assert urls("https://example.com/\u202egnp.exe") == ["https://example.com/"]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com", True),
        ("HTTP://example.com/a", True),
        ("https://user@example.com:8443/p?q#f", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("data:text/plain,hi", False),
        ("https://", False),
        ("http:///path-only", False),
        ("https://exa mple.com", False),
        ("https://[::1", False),
        ("//example.com", False),
        ("", False),
    ],
)
def test_is_openable_rechecks_the_scheme_and_host(url: str, ok: bool) -> None:
    assert links.is_openable(url) is ok


_pieces = st.sampled_from(
    [
        "https://",
        "http://",
        "HTTPS://",
        "javascript:",
        "file:",
        "data:",
        "tel:",
        "example.com",
        "/a",
        "?b=1",
        "#f",
        ".",
        ",",
        ";",
        ":",
        "!",
        "?",
        "(",
        ")",
        "[",
        "]",
        "'",
        '"',
        " ",
        "\n",
        "😀",
        "é",
        "<",
        ">",
        "x",
    ]
)


@given(st.lists(st.one_of(_pieces, st.text(max_size=4)), max_size=12).map("".join))
def test_found_links_are_openable_substrings(text: str) -> None:
    for link in links.find(text):
        assert link.url.lower().startswith(("http://", "https://"))
        assert text[link.start : link.end] == link.url
        assert links.is_openable(link.url)
        assert link.url[-1] not in ".,;:!?"
        assert not link.url.lower().startswith(("javascript:", "file:", "data:"))
