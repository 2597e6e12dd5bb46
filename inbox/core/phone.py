"""Phone numbers: one canonical form (E.164) everywhere, and a masked form for logs."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    """Raised with a message a person can act on."""


def normalize(raw: str, default_region: str = "US") -> str:
    """Return the E.164 form of `raw` or raise InvalidPhoneNumber.

    Short codes (5–6 digits) are kept as-is: businesses text from them and they have no E.164 form.
    """
    text = (raw or "").strip()
    digits = text.lstrip("+")
    if digits.isdigit() and 3 <= len(digits) <= 8 and not text.startswith("+"):
        return digits
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {mask(text)!s} ({exc.args[0] if exc.args else exc})") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber(f"not a possible phone number: {mask(text)}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_valid(raw: str) -> bool:
    try:
        normalize(raw)
    except InvalidPhoneNumber:
        return False
    return True


def display(e164: str) -> str:
    """International format for people: '+1 555-000-1111'."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def region(e164: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None


def mask(number: str | None) -> str:
    """The form that may appear in logs: country code and last two digits only."""
    if not number:
        return "?"
    text = str(number)
    if len(text) <= 4:
        return "•" * len(text)
    keep_head = 2 if text.startswith("+") else 0
    return text[:keep_head] + "•" * (len(text) - keep_head - 2) + text[-2:]
