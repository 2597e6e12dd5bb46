"""Keyword normalisation and the compliance keyword families.

Customers type "Stop.", " stop ", "ＳＴＯＰ" (full width) and mean the same thing; carriers and
the law require we honour all of them. The provider itself (Twilio by default) only recognises the
exact single-word forms, so we also need to know which variants it will *not* answer.
"""

from __future__ import annotations

import enum
import unicodedata

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
COMPLIANCE_KEYWORDS = OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS | HELP_KEYWORDS


class Compliance(enum.StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


def _is_edge_noise(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in ("P", "Z", "C", "S") or ch.isspace()


def normalize(text: str) -> str:
    """Canonical form for matching: NFKC (folds full width), case-folded to upper, edges trimmed of
    whitespace, punctuation and symbols (emoji included), inner whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    start, end = 0, len(folded)
    while start < end and _is_edge_noise(folded[start]):
        start += 1
    while end > start and _is_edge_noise(folded[end - 1]):
        end -= 1
    return " ".join(folded[start:end].split())


def single_word(text: str) -> str | None:
    """The normalised keyword if the message is exactly one word, else None."""
    norm = normalize(text)
    if not norm or " " in norm:
        return None
    return norm


def classify(text: str) -> tuple[Compliance, str] | None:
    """The compliance family a message belongs to and its canonical keyword, if any."""
    word = single_word(text)
    if word is None:
        return None
    if word in OPT_OUT_KEYWORDS:
        return Compliance.OPT_OUT, word
    if word in OPT_IN_KEYWORDS:
        return Compliance.OPT_IN, word
    if word in HELP_KEYWORDS:
        return Compliance.HELP, word
    return None


def provider_exact_keyword(text: str) -> str | None:
    """The keyword if Twilio's own opt-out handling recognises this exact message.

    Twilio matches the whole body, case-insensitively, ignoring surrounding whitespace, in ASCII only:
    "stop" and " STOP " count, "Stop." and "ＳＴＯＰ" do not.
    """
    stripped = (text or "").strip()
    if not stripped.isascii():
        return None
    upper = stripped.upper()
    return upper if upper in COMPLIANCE_KEYWORDS else None


# Phrases that show a wish to stop receiving messages without being a keyword. These are flagged
# for an agent to confirm; they never change the opt-out state on their own.
_INTENT_PHRASES = (
    "STOP TEXTING",
    "STOP MESSAGING",
    "STOP SENDING",
    "STOP CONTACTING",
    "PLEASE STOP",
    "STOP PLEASE",
    "UNSUBSCRIBE",
    "OPT OUT",
    "OPT ME OUT",
    "REMOVE ME",
    "TAKE ME OFF",
    "DON'T TEXT",
    "DONT TEXT",
    "DO NOT TEXT",
    "NO MORE TEXTS",
    "NO MORE MESSAGES",
    "LEAVE ME ALONE",
)


def opt_out_intent(text: str) -> bool:
    """True when free text reads like "please stop texting me" (but is not itself a keyword)."""
    if classify(text) is not None:
        return False
    norm = " " + " ".join("".join(ch if ch.isalnum() or ch == "'" else " " for ch in normalize(text)).split()) + " "
    # A leading STOP ("Stop. Thank you", "stop it") counts; "I will stop by" does not.
    return norm.startswith((" STOP ", " UNSUBSCRIBE ")) or any(f" {p} " in norm for p in _INTENT_PHRASES)
