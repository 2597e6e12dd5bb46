"""Who a private note mentions: `@alice` tokens, matched against the team's names.

Why: a note is how one agent asks another for help inside a conversation; the mention is what makes
the other agent see it. The rule, in one place (the engine records what it returns, the docs quote it):

- A mention is `@` followed by a name made of letters, digits, `_`, `.` and `-`, where the `@`
  starts a word: an email address such as "bob@example.com" (a letter or digit before the `@`,
  or another `@` right after the name) mentions nobody. Trailing `.` and `-` belong to the
  sentence ("thanks @alice." mentions alice).
- Names match case-insensitively. When the inbox knows its names (`known`), a handle that names
  none of them is not a mention and the agent's own spelling is recorded; when it knows no
  names at all (`known` is None), the handle itself is recorded, case-folded.
- The note's author is never recorded as mentioned by their own note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_HANDLE = re.compile(r"(?<![\w@.+-])@(\w[\w.-]*)")


def handles(text: str) -> list[str]:
    """The `@name` handles in `text`, in order, without the `@` (duplicates kept)."""
    found = []
    for m in _HANDLE.finditer(text):
        name = m.group(1).rstrip(".-")
        rest = text[m.start(1) + len(name) :]
        if name and not rest.lstrip(".-").startswith("@"):
            found.append(name)
    return found


def key(name: str) -> str:
    """The form two names are compared in (case-insensitive)."""
    return name.casefold()


def mentioned(text: str, known: Iterable[str] | None, author: str | None = None) -> list[str]:
    """Whom a note by `author` mentions, each once, in order of first mention (see the module rule)."""
    by_key = None if known is None else {key(n): n for n in known}
    result: list[str] = []
    seen: set[str] = set()
    for handle in handles(text):
        k = key(handle)
        if k in seen or (author is not None and k == key(author)):
            continue
        if by_key is None:
            name = k
        elif k in by_key:
            name = by_key[k]
        else:
            continue
        seen.add(k)
        result.append(name)
    return result
