"""Keyword rules as plain data: matching, the compliance guard, templates and previews.

Admins write rules; customers type the way people type ("Balance please", "ｊｏｉｎ news!").
Everything here is pure so the test bench, the replay and the live step share one matcher and a
rule that would shadow STOP/START/HELP is refused before it is ever stored.
"""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, time
from typing import Any

from inbox.core import durations, keywords, segments


class MatchMode(enum.StrEnum):
    WHOLE = "whole"  # the whole message is the keyword
    FIRST_WORD = "first_word"  # the message starts with the keyword ("JOIN NEWS")
    ANY_WORD = "any_word"  # the keyword appears anywhere as a word
    REGEX = "regex"  # a regular expression searched in the normalised text


class ActionKind(enum.StrEnum):
    REPLY = "reply"
    JOIN = "join"
    LEAVE = "leave"
    LOOKUP = "lookup"
    TAG = "tag"
    ASSIGN = "assign"  # also "forward to an agent"
    STATUS = "status"


class RuleRefused(ValueError):
    """A rule that cannot be stored as written; the message says what to change."""


# Polite words customers add after a keyword; they never change which rule fires.
COURTESY_TAILS: tuple[tuple[str, ...], ...] = (("THANK", "YOU"), ("PLEASE",), ("THANKS",), ("PLS",), ("THX",), ("PLZ",))


@dataclass(frozen=True, slots=True)
class Action:
    """What a rule does. Only the fields its kind needs are used; the rest stay empty."""

    kind: ActionKind = ActionKind.REPLY
    reply: str = ""  # template; optional for tag/assign/status, the fallback text for a lookup's errors
    list_name: str = ""  # join/leave: fixed list; empty = the word after the keyword
    url: str = ""  # lookup: URL template with {number} and {first_word}
    timeout: float = 5.0
    auth_header: str = ""  # e.g. "Authorization"
    auth_ref: str = ""  # "env:VAR" or "keyring:NAME": where the header value lives, never the value
    fallback: str = ""  # lookup: reply on timeout/error
    tag: str = ""
    assignee: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    name: str
    keywords: tuple[str, ...]  # the first is the keyword, the others aliases (or patterns for REGEX)
    mode: MatchMode = MatchMode.FIRST_WORD
    action: Action = field(default_factory=Action)
    channel_id: int | None = None  # None: every channel
    priority: int = 100  # lower is checked first
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    enabled: bool = True

    def active_at(self, at: datetime) -> bool:
        if not self.enabled:
            return False
        if self.starts_at is not None and at < self.starts_at:
            return False
        return self.ends_at is None or at < self.ends_at

    def applies_to(self, channel_id: int | None) -> bool:
        return self.channel_id is None or channel_id is None or self.channel_id == channel_id


@dataclass(frozen=True, slots=True)
class Match:
    rule: RuleSpec
    keyword: str  # the normalised keyword (or pattern) that matched
    args: tuple[str, ...]  # words after a first-word keyword, courtesy words removed
    first_word: str


# -- normalisation ---------------------------------------------------------------------------------
def _strip_noise(word: str) -> str:
    start, end = 0, len(word)
    while start < end and _noise(word[start]):
        start += 1
    while end > start and _noise(word[end - 1]):
        end -= 1
    return word[start:end]


def _noise(ch: str) -> bool:
    return unicodedata.category(ch)[0] in ("P", "Z", "C", "S") and ch != "'"


def words(text: str) -> tuple[str, ...]:
    """The message as normalised words: NFKC, upper case, punctuation around each word dropped."""
    out = []
    for raw in keywords.normalize(text).split(" "):
        word = _strip_noise(raw)
        if word:
            out.append(word)
    return tuple(out)


def without_courtesy(tokens: Sequence[str]) -> tuple[str, ...]:
    """Drop trailing "please", "thanks", "thank you", "pls", "thx" (repeatedly), keeping one word."""
    toks = list(tokens)
    changed = True
    while changed and len(toks) > 1:
        changed = False
        for tail in COURTESY_TAILS:
            if len(toks) > len(tail) and tuple(toks[-len(tail) :]) == tail:
                del toks[-len(tail) :]
                changed = True
                break
    return tuple(toks)


def normalize_keyword(keyword: str) -> str:
    return " ".join(words(keyword))


# -- matching ----------------------------------------------------------------------------------------
def _compiled(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RuleRefused(f"the regular expression {pattern!r} is invalid: {exc}") from None


def match_rule(rule: RuleSpec, text: str) -> Match | None:
    """Does this one rule match the message? Ignores priority, window and channel."""
    tokens = words(text)
    if not tokens:
        return None
    polite = without_courtesy(tokens)
    first = tokens[0]
    if rule.mode is MatchMode.REGEX:
        norm = " ".join(tokens)
        for pattern in rule.keywords:
            if _compiled(pattern).search(norm):
                return Match(rule, pattern, tokens[1:], first)
        return None
    for kw in rule.keywords:
        kw_tokens = tuple(normalize_keyword(kw).split(" "))
        if not kw_tokens or kw_tokens == ("",):
            continue
        n = len(kw_tokens)
        if rule.mode is MatchMode.WHOLE and polite == kw_tokens:
            return Match(rule, " ".join(kw_tokens), (), first)
        if rule.mode is MatchMode.FIRST_WORD and polite[:n] == kw_tokens:
            return Match(rule, " ".join(kw_tokens), polite[n:], first)
        if rule.mode is MatchMode.ANY_WORD and any(tokens[i : i + n] == kw_tokens for i in range(len(tokens) - n + 1)):
            return Match(rule, " ".join(kw_tokens), (), first)
    return None


def ordered(rules: Iterable[RuleSpec]) -> list[RuleSpec]:
    """Evaluation order of custom rules: priority ascending, then name (stable and explainable)."""
    return sorted(rules, key=lambda r: (r.priority, r.name.casefold()))


def evaluate(rules: Iterable[RuleSpec], text: str, *, channel_id: int | None, at: datetime) -> Match | None:
    """The first active rule, in priority order, that matches the message."""
    if keywords.classify(text) is not None:
        return None  # compliance owns it, whatever rules say
    for rule in ordered(rules):
        if rule.active_at(at) and rule.applies_to(channel_id):
            found = match_rule(rule, text)
            if found is not None:
                return found
    return None


# -- validation ------------------------------------------------------------------------------------
def compliance_collision(rule: RuleSpec) -> str | None:
    """The compliance keyword this rule would shadow, if any (STOP, START, YES, HELP, ...)."""
    for word in sorted(keywords.COMPLIANCE_KEYWORDS):
        for variant in (word, word.lower(), f" {word.capitalize()}. ", f"{word} please"):
            if match_rule(rule, variant) is not None:
                return word
    if rule.mode is not MatchMode.REGEX:
        for kw in rule.keywords:
            norm = normalize_keyword(kw)
            if norm in keywords.COMPLIANCE_KEYWORDS:
                return norm
    return None


def validate(rule: RuleSpec) -> RuleSpec:
    """Return the rule if it can be stored, else raise RuleRefused with a clear reason."""
    if not rule.name.strip() or len(rule.name) > 80:
        raise RuleRefused("a rule needs a name of 1 to 80 characters")
    if not rule.keywords or not any(k.strip() for k in rule.keywords):
        raise RuleRefused(f"rule {rule.name!r} has no keyword")
    if rule.mode is MatchMode.REGEX:
        for pattern in rule.keywords:
            _compiled(pattern)
    else:
        for kw in rule.keywords:
            if not normalize_keyword(kw):
                raise RuleRefused(f"keyword {kw!r} is empty once spaces and punctuation are removed")
    hit = compliance_collision(rule)
    if hit is not None:
        raise RuleRefused(
            f"rule {rule.name!r} collides with the compliance keyword {hit}: STOP/START/HELP keywords are "
            "always answered by compliance and cannot be used by custom rules"
        )
    if rule.starts_at and rule.ends_at and rule.ends_at <= rule.starts_at:
        raise RuleRefused(f"rule {rule.name!r} ends before it starts")
    act = rule.action
    if act.kind is ActionKind.REPLY and not act.reply.strip():
        raise RuleRefused(f"rule {rule.name!r} replies but has no reply text")
    if act.kind is ActionKind.LOOKUP:
        if not act.url.startswith(("http://", "https://")):
            raise RuleRefused(f"rule {rule.name!r}: a lookup needs an http(s) URL")
        if not act.reply.strip() or not act.fallback.strip():
            raise RuleRefused(f"rule {rule.name!r}: a lookup needs a reply template and a fallback text")
        try:
            durations.LOOKUP_TIMEOUT.check(act.timeout)
        except durations.InvalidDuration as exc:
            raise RuleRefused(f"rule {rule.name!r}: {exc}") from None
        if act.auth_ref and not act.auth_ref.startswith(("env:", "keyring:")):
            raise RuleRefused(f"rule {rule.name!r}: auth_ref is 'env:VAR' or 'keyring:NAME', never the secret")
    if act.kind is ActionKind.TAG and not act.tag.strip():
        raise RuleRefused(f"rule {rule.name!r} tags but names no tag")
    if act.kind is ActionKind.ASSIGN and not act.assignee.strip():
        raise RuleRefused(f"rule {rule.name!r} assigns but names no agent")
    if act.kind is ActionKind.STATUS and act.status not in ("open", "pending", "snoozed", "resolved"):
        raise RuleRefused(f"rule {rule.name!r}: status must be open, pending, snoozed or resolved")
    return rule


# -- templates -------------------------------------------------------------------------------------
_VAR = re.compile(r"\{\{|\}\}|\{([A-Za-z_][\w.]*)(?:\|([^{}]*))?\}")


def render(template: str, variables: Mapping[str, str]) -> str:
    """Fill {name} / {name|default} in one pass: values are never re-expanded, so customer or backend
    text that contains braces cannot inject anything. {{ and }} are literal braces."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "{{":
            return "{"
        if m.group(0) == "}}":
            return "}"
        value = variables.get(m.group(1))
        if value is None or value == "":
            return m.group(2) or ""
        return str(value)

    return _VAR.sub(sub, template)


def template_variables(template: str) -> list[str]:
    return [m.group(1) for m in _VAR.finditer(template) if m.group(1)]


def lookup_variables(data: Any, prefix: str = "lookup") -> dict[str, str]:
    """Flatten a backend's JSON into {lookup.balance}, {lookup.account.name}, ..."""
    out: dict[str, str] = {}
    if isinstance(data, Mapping):
        for key, value in data.items():
            out.update(lookup_variables(value, f"{prefix}.{key}"))
    elif isinstance(data, list):
        out[prefix] = ", ".join(str(v) for v in data if not isinstance(v, (dict, list)))
    elif data is not None:
        out[prefix] = data if isinstance(data, str) else json.dumps(data) if isinstance(data, bool) else str(data)
    return out


def first_name(display_name: str | None) -> str:
    parts = (display_name or "").split()
    return parts[0] if parts else ""


@dataclass(frozen=True, slots=True)
class Preview:
    text: str
    encoding: str
    segments: int
    ucs2_chars: tuple[str, ...]

    @property
    def warning(self) -> str | None:
        if not self.ucs2_chars or any(segments.script_char(c) for c in self.ucs2_chars):
            return None  # none, or the reply's own script needs Unicode: nothing to fix
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in self.ucs2_chars)
        return f"{shown} forces UCS-2: 70 characters per segment instead of 160"


def preview(text: str) -> Preview:
    info = segments.analyze(text)
    return Preview(text, info.encoding, info.segments, info.ucs2_chars)


# -- business hours --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RuleSetSettings:
    """The fallback: outside business hours, optionally acknowledge once (agents answer later)."""

    timezone: str = "UTC"
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    ack_text: str = ""

    def within_hours(self, at: datetime) -> bool:
        from zoneinfo import ZoneInfo

        local = at.astimezone(ZoneInfo(self.timezone))
        if local.weekday() not in self.days:
            return False
        return self.opens <= local.time() < self.closes


# -- files (TOML/JSON) -----------------------------------------------------------------------------
def to_dict(rule: RuleSpec) -> dict[str, Any]:
    data = asdict(rule)
    data["mode"] = rule.mode.value
    data["keywords"] = list(rule.keywords)
    data["action"] = {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in asdict(rule.action).items()}
    for key in ("starts_at", "ends_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def from_dict(data: Mapping[str, Any]) -> RuleSpec:
    act = dict(data.get("action") or {})
    if "kind" in act:
        act["kind"] = ActionKind(act["kind"])
    known = set(Action.__dataclass_fields__)
    unknown = set(act) - known
    if unknown:
        raise RuleRefused(f"unknown action field(s): {', '.join(sorted(unknown))}")

    def when(value: Any) -> datetime | None:
        if value in (None, ""):
            return None
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:
            raise RuleRefused(f"give a time zone with {value} (e.g. 2025-01-01T00:00:00+00:00)")
        return parsed

    kws = data.get("keywords") or []
    if isinstance(kws, str):
        kws = [kws]
    return RuleSpec(
        name=str(data["name"]),
        keywords=tuple(str(k) for k in kws),
        mode=MatchMode(data.get("mode", MatchMode.FIRST_WORD.value)),
        action=replace(Action(), **act),
        channel_id=data.get("channel_id"),
        priority=int(data.get("priority", 100)),
        starts_at=when(data.get("starts_at")),
        ends_at=when(data.get("ends_at")),
        enabled=bool(data.get("enabled", True)),
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def to_toml(rules: Iterable[Mapping[str, Any]]) -> str:
    """Rule dicts (from to_dict, possibly with `channel` names) as TOML `[[rule]]` tables."""
    out: list[str] = ["# Inbox keyword rules. Edit, then `inbox keywords import FILE`.", ""]
    for data in rules:
        out.append("[[rule]]")
        for key, value in data.items():
            if key != "action" and value is not None:
                out.append(f"{key} = {_toml_value(value)}")
        out.append("[rule.action]")
        for key, value in (data.get("action") or {}).items():
            if value not in ("", None):
                out.append(f"{key} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)
