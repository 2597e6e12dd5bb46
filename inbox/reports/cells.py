"""Spreadsheet safety: what a cell may start with, so an export never runs a customer's formula.

OWASP's CSV-injection advice: a cell that begins with `=`, `+`, `-`, `@`, tab or carriage return
is prefixed with a single quote, which spreadsheet programs show as text and never evaluate. We do
that in CSV for every cell, phone numbers included (`'+15551234567` stays readable and is never
turned into the number 15551234567 or a formula). In XLSX a phone number in E.164 is written as a
text cell with Excel's "quote prefix" style instead, so it shows exactly as `+15551234567`.
"""

from __future__ import annotations

import re

FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})
MASK = "••••••"
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def neutralise(value: str) -> str:
    """The text with a leading single quote if a spreadsheet could read it as a formula."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def is_e164(value: str) -> bool:
    """A plain E.164 phone number: safe to show as text with a quote-prefix style, never a formula."""
    return _E164.fullmatch(value) is not None
