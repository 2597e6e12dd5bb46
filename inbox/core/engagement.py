"""Pure rules of engagement features: poll answers, survey questions, contest codes, DLT templates,
winner draws and broadcast cost. No I/O, so every rule is unit- and property-tested on its own.
"""

from __future__ import annotations

import enum
import hashlib
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from inbox.core import rules as core_rules
from inbox.core import segments

# A poll answer or a contest code is a short message: longer texts are conversations for an agent.
MAX_ANSWER_WORDS = 3
DLT_VAR = "{#var#}"
DLT_VAR_MAX = 30  # TRAI: each variable carries at most 30 characters


class PollRefused(ValueError):
    """A poll, survey or contest definition that cannot work; the message says why."""


@dataclass(frozen=True, slots=True)
class PollOption:
    key: str  # "A", "YES", "1", "PIZZA"
    label: str  # "Pizza"
    keywords: tuple[str, ...] = ()  # more words that pick this option ("PIZZA" for key "A")

    def words(self) -> tuple[str, ...]:
        return (self.key, *self.keywords)


def parse_option(text: str) -> PollOption:
    """`A=Pizza` (key A, label Pizza, the label also picks it) or `YES` (key and label)."""
    key, sep, label = text.partition("=")
    key_norm = core_rules.normalize_keyword(key)
    if not key_norm or " " in key_norm:
        raise PollRefused(f"an option key is one word: {key!r}")
    label = label.strip().strip('"') if sep else key.strip()
    extra = core_rules.normalize_keyword(label)
    keywords = (extra,) if extra and extra != key_norm else ()
    return PollOption(key_norm, label or key_norm, keywords)


def validate_options(options: Sequence[PollOption]) -> tuple[PollOption, ...]:
    if len(options) < 2:
        raise PollRefused("a poll needs at least two options")
    seen: dict[str, str] = {}
    for opt in options:
        for word in opt.words():
            if word in seen and seen[word] != opt.key:
                raise PollRefused(f"{word} would pick both {seen[word]} and {opt.key}")
            seen[word] = opt.key
    for word in seen:
        if word in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "HELP", "INFO", "START", "UNSTOP"):
            raise PollRefused(f"{word} is a compliance keyword and cannot be a poll answer")
    return tuple(options)


def answer_words(body: str) -> tuple[str, ...]:
    return core_rules.without_courtesy(core_rules.words(body))


def looks_like_answer(body: str) -> bool:
    """Short enough to be meant as an answer (a vote, a rating, a code)."""
    tokens = answer_words(body)
    return 0 < len(tokens) <= MAX_ANSWER_WORDS


def match_option(options: Iterable[PollOption], body: str) -> PollOption | None:
    """The option the message picks: its whole text, or its first word, equals a key or keyword."""
    tokens = answer_words(body)
    if not tokens:
        return None
    whole = " ".join(tokens)
    opts = list(options)
    for candidate in (whole, tokens[0]):
        for opt in opts:
            if candidate in opt.words():
                return opt
    return None


def close_to_option(options: Iterable[PollOption], body: str) -> bool:
    """Whether a reply that picks no option still reads as a try at one, so "that is not an option"
    helps rather than puzzles: a support text ("Hours?", "where is my order") must go on to rules
    and agents instead.

    Close means the reply (courtesy tails dropped, punctuation around words ignored) is a single
    word and either
    - one letter or one digit — a key of an option-letter or numbered poll mistyped or out of range
      ("C" when the options are A and B, "3)" for 1/2), or
    - one edit (a letter wrong, missing, added or two swapped) from a key or keyword of three or more
      letters ("Piza", "Burgr", "Noo").
    """
    tokens = answer_words(body)
    if len(tokens) != 1:
        return False
    token = tokens[0]
    if len(token) == 1 and token.isalnum():
        return True
    return any(len(word) >= 3 and _one_edit_apart(token, word) for opt in options for word in opt.words())


def _one_edit_apart(a: str, b: str) -> bool:
    """Damerau distance exactly 1 (one substitution, insertion, deletion or adjacent swap)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


# -- surveys ---------------------------------------------------------------------------------------
class QuestionKind(enum.StrEnum):
    CHOICE = "choice"
    NUMBER = "number"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    kind: QuestionKind = QuestionKind.TEXT
    options: tuple[PollOption, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def prompt(self) -> str:
        if self.kind is QuestionKind.CHOICE:
            choices = ", ".join(f"{o.key}={o.label}" if o.label != o.key else o.key for o in self.options)
            return f"{self.text} ({choices})"
        if self.kind is QuestionKind.NUMBER and self.minimum is not None and self.maximum is not None:
            return f"{self.text} ({self.minimum}-{self.maximum})"
        return self.text


def parse_answer(question: Question, body: str) -> str | None:
    """The stored answer, or None when the reply does not answer the question."""
    if question.kind is QuestionKind.CHOICE:
        opt = match_option(question.options, body)
        return opt.key if opt else None
    if question.kind is QuestionKind.NUMBER:
        tokens = answer_words(body)
        if not tokens or not re.fullmatch(r"-?\d{1,9}", tokens[0]):
            return None
        value = int(tokens[0])
        if question.minimum is not None and value < question.minimum:
            return None
        if question.maximum is not None and value > question.maximum:
            return None
        return str(value)
    text = body.strip()
    return text[:1000] if text else None


# Numbers spelled out: a try at a number question ("eleven" for 0-10), asked again rather than left.
_NUMBER_WORDS = frozenset(
    "ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN ELEVEN TWELVE THIRTEEN FOURTEEN FIFTEEN "
    "SIXTEEN SEVENTEEN EIGHTEEN NINETEEN TWENTY HUNDRED".split()
)


def near_answer(question: Question, body: str) -> bool:
    """Whether a reply that does not answer `question` still reads as a try at it (so the survey asks
        again) rather than as something else for rules and agents: close to one of a choice's options
        (`close_to_option`), a single word holding a digit or a number spelled out for a number ("11" or
    "eleven" of 0-10, "7/10"). Every
        non-empty text answers a text question."""
    if question.kind is QuestionKind.CHOICE:
        return close_to_option(question.options, body)
    if question.kind is QuestionKind.NUMBER:
        tokens = answer_words(body)
        return len(tokens) == 1 and (any(ch.isdigit() for ch in tokens[0]) or tokens[0] in _NUMBER_WORDS)
    return bool(body.strip())


def question_to_dict(q: Question) -> dict:
    return {
        "text": q.text,
        "kind": q.kind.value,
        "options": [{"key": o.key, "label": o.label, "keywords": list(o.keywords)} for o in q.options],
        "minimum": q.minimum,
        "maximum": q.maximum,
    }


def question_from_dict(data: dict) -> Question:
    return Question(
        text=str(data["text"]),
        kind=QuestionKind(data.get("kind", "text")),
        options=tuple(PollOption(o["key"], o["label"], tuple(o.get("keywords", ()))) for o in data.get("options", ())),
        minimum=data.get("minimum"),
        maximum=data.get("maximum"),
    )


def parse_question(spec: str) -> Question:
    """CLI form: `choice:Pick one:A=Pizza,B=Burger`, `number:How likely?:0-10`, `text:Anything else?`."""
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "text":
        return Question(rest.strip(), QuestionKind.TEXT)
    text, _, arg = rest.rpartition(":")
    if kind == "choice":
        opts = validate_options([parse_option(p) for p in arg.split(",") if p.strip()])
        return Question(text.strip(), QuestionKind.CHOICE, opts)
    if kind == "number":
        low, _, high = arg.partition("-")
        return Question(text.strip(), QuestionKind.NUMBER, minimum=int(low), maximum=int(high))
    raise PollRefused(f"unknown question kind {kind!r}: use choice, number or text")


# -- contests --------------------------------------------------------------------------------------
def normalize_code(code: str) -> str:
    """Codes printed on packs are read back with spaces, dashes and any case: compare them folded."""
    return re.sub(r"[\s\-_.]", "", core_rules.normalize_keyword(code).replace(" ", ""))


def code_digest(contest_id: int, code: str) -> str:
    """Stored instead of the code: a database leak does not hand out unused prize codes."""
    return hashlib.sha256(f"{contest_id}:{normalize_code(code)}".encode()).hexdigest()


def draw(entrant_ids: Iterable[int], count: int, seed: str) -> tuple[int, ...]:
    """Winners among entrants; the same ids and seed always give the same winners (auditable)."""
    pool = sorted(set(entrant_ids))
    return tuple(random.Random(seed).sample(pool, min(count, len(pool))))


# -- DLT (India) -----------------------------------------------------------------------------------
class DltCategory(enum.StrEnum):
    PROMOTIONAL = "promotional"
    TRANSACTIONAL = "transactional"
    SERVICE = "service"


def dlt_pattern(template: str) -> re.Pattern[str]:
    """A registered DLT template as a regular expression: text literal, each {#var#} up to 30 chars."""
    parts = template.split(DLT_VAR)
    body = f".{{0,{DLT_VAR_MAX}}}".join(re.escape(p) for p in parts)
    return re.compile(body, re.DOTALL)


def matches_dlt(template: str, text: str) -> bool:
    """Operators reject texts that differ from the registered template; so do we, before sending."""
    return dlt_pattern(template).fullmatch(text) is not None


# -- broadcasts ------------------------------------------------------------------------------------
class BroadcastStatus(enum.StrEnum):
    """Where a broadcast stands (`broadcasts.status`): scheduled → fanning_out (writing its outbox
    rows) → sending → done; paused and cancelled by an agent."""

    SCHEDULED = "scheduled"
    FANNING_OUT = "fanning_out"
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class BroadcastKind(enum.StrEnum):
    """Marketing waits out the recipient's quiet hours; transactional goes at once."""

    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"


@dataclass(frozen=True, slots=True)
class CostEstimate:
    recipients: int
    segments_each: int
    encoding: str
    total_segments: int
    price_per_segment: float
    total_cost: float


def estimate(body: str, recipients: int, price_per_segment: float) -> CostEstimate:
    info = segments.analyze(body)
    total = info.segments * recipients
    return CostEstimate(recipients, info.segments, info.encoding, total, price_per_segment, total * price_per_segment)


def throttle(ready_times: Sequence, rate_per_second: float) -> list:
    """Send times at most `rate_per_second` apart, each no earlier than its ready time; order kept
    by ready time. Returns the times in the order of `ready_times`."""
    from datetime import timedelta

    gap = timedelta(seconds=1.0 / rate_per_second) if rate_per_second > 0 else timedelta(0)
    order = sorted(range(len(ready_times)), key=lambda i: ready_times[i])
    out: list = [None] * len(ready_times)
    last = None
    for i in order:
        t = ready_times[i] if last is None else max(ready_times[i], last + gap)
        out[i] = t
        last = t
    return out
