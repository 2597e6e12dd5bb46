"""Phone numbers: one canonical form (E.164) everywhere, and a masked form for logs."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    """Raised with a message a person can act on.

    The message repeats what was typed, in clear: masking a person's own input back to them
    ("not a phone number: •••••me") hides the typo they need to see. What is logged about
    customers is masked where it is logged (`mask`), and `masked` is this error without the input.
    """

    def __init__(self, problem: str, typed: str, advice: str = "") -> None:
        shown = typed if len(typed) <= 40 else typed[:39] + "…"
        super().__init__(f"{problem}: {shown!r}{f' ({advice})' if advice else ''}")
        self.typed = typed
        self.masked = f"{problem}: {mask(typed)}"


# Short codes we accept, as ASCII digits only: 5 or 6 digits. That covers the US and Canada
# (CTIA / CWTA: 5–6 digits), the UK and France (5), India (TRAI-assigned 5–6 digit codes) and
# most of Europe. Refused on purpose: 3–4 digit numbers (service and emergency numbers such as
# 112 or 911, German/Dutch 4-digit codes) and 7–8 digit ones (Australia's 19xx xxxx), which we
# cannot tell apart from mistyped phone numbers. Unicode digits (superscripts, Arabic-Indic) are
# never a short code: providers route ASCII.
SHORT_CODE_LENGTHS = (5, 6)


def is_short_code(number: str) -> bool:
    """Whether `number` is a short code in the canonical form `normalize` returns."""
    return number.isascii() and number.isdigit() and len(number) in SHORT_CODE_LENGTHS


def normalize(raw: str, default_region: str = "US") -> str:
    """Return the E.164 form of `raw` or raise InvalidPhoneNumber.

    Short codes (see SHORT_CODE_LENGTHS) are kept as-is: businesses text from them and they have
    no E.164 form. Anything else goes through phonenumbers and must be a possible number.
    """
    text = (raw or "").strip()
    if text.isdigit() and not text.startswith("+") and len(text) <= 8:
        if is_short_code(text):
            return text
        raise InvalidPhoneNumber(
            "not a phone number or short code",
            text,
            f"short codes are {' or '.join(map(str, SHORT_CODE_LENGTHS))} digits 0-9; "
            "phone numbers start with + and the country code",
        )
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber("not a phone number", text, str(exc.args[0] if exc.args else exc)) from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber("not a possible phone number", text, "too many or too few digits for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_valid(e164: str) -> str:
    """`e164` if it is a number some country actually assigns (phonenumbers' metadata: a known
    area or mobile prefix and length), else InvalidPhoneNumber. Short codes pass as they are.

    Stricter than `normalize` (which only asks for a possible length): a provider account can
    only own an assigned number, so a channel on the provider's own API is checked with this.
    """
    if is_short_code(e164):
        return e164
    parsed = phonenumbers.parse(e164, None)
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(
            "not an assigned phone number", e164, "no country uses that area or prefix: check the digits"
        )
    return e164


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
