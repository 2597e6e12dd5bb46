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
# The characters XML 1.0, hence XLSX, cannot hold (openpyxl refuses a cell with one): C0 controls
# other than tab, newline and carriage return. A customer can text them (ESC, BEL, NUL).
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: str) -> str:
    """The text with a leading single quote if a spreadsheet could read it as a formula."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def is_e164(value: str) -> bool:
    """A plain E.164 phone number: safe to show as text with a quote-prefix style, never a formula."""
    return _E164.fullmatch(value) is not None


def xlsx_text(value: str) -> str:
    """The text with the controls XLSX cannot hold written visibly (`\\x1b`), as the terminal shows
    them, so one hostile message never makes a whole export fail."""
    return _NOT_IN_XLSX.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
