"""The account's own numbers, as Twilio lists them: IncomingPhoneNumbers (phone numbers in E.164)
and SMS/ShortCodes (5-6 digit short codes).

Why the simulator needs them: a channel set up with a number the account does not own polls
happily and never receives a text. The set-up's connection test asks these resources whether the
account owns the number, so the simulator must answer them the way Twilio does: the same paths,
the same filters (`PhoneNumber` matches part of a number, `*` standing for any one digit;
`ShortCode` likewise), the same list envelope (`incoming_phone_numbers` / `short_codes`), and a
resource per number with Twilio's property names, so that the official SDK reads them too.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from inbox.simulator.resource import API_VERSION, twilio_date

NUMBERS_PATH = re.compile(rf"^/{API_VERSION}/Accounts/([^/]+)/IncomingPhoneNumbers\.json$")
SHORT_CODES_PATH = re.compile(rf"^/{API_VERSION}/Accounts/([^/]+)/SMS/ShortCodes\.json$")


def _sid(prefix: str, account_sid: str, number: str) -> str:
    """A stable SID per number: the same number lists with the same SID in every answer."""
    return prefix + hashlib.sha256(f"{account_sid}:{number}".encode()).hexdigest()[:32]


def _pattern(text: str | None) -> re.Pattern[str] | None:
    """Twilio's number filter: digits that may appear anywhere in the number, `*` for any digit.

    A `+` in an unencoded query string arrives as a space; both are ignored, as the filter is
    about digits."""
    if not text:
        return None
    digits = text.replace("+", "").replace(" ", "")
    if not digits:
        return None
    return re.compile("".join(r"\d" if ch == "*" else re.escape(ch) for ch in digits))


def _matches(pattern: re.Pattern[str] | None, number: str) -> bool:
    return pattern is None or pattern.search(number.lstrip("+")) is not None


class NumberBook:
    """The numbers of one simulated account, answered as Twilio's two list resources."""

    def __init__(self, account_sid: str, numbers: tuple[str, ...], created: datetime | None = None) -> None:
        self._account = account_sid
        self._numbers = numbers
        self._created = twilio_date(created or datetime.now(UTC))

    def _phone_resource(self, number: str) -> dict[str, object]:
        sid = _sid("PN", self._account, number)
        base = f"/{API_VERSION}/Accounts/{self._account}/IncomingPhoneNumbers/{sid}"
        return {
            "account_sid": self._account,
            "address_requirements": "none",
            "address_sid": None,
            "api_version": API_VERSION,
            "beta": False,
            "bundle_sid": None,
            "capabilities": {"fax": False, "mms": True, "sms": True, "voice": True},
            "date_created": self._created,
            "date_updated": self._created,
            "emergency_address_sid": None,
            "emergency_address_status": "unregistered",
            "emergency_status": "Inactive",
            "friendly_name": number,
            "identity_sid": None,
            "origin": "twilio",
            "phone_number": number,
            "sid": sid,
            "sms_application_sid": "",
            "sms_fallback_method": "POST",
            "sms_fallback_url": "",
            "sms_method": "POST",
            "sms_url": "",
            "status": "in-use",
            "status_callback": "",
            "status_callback_method": "POST",
            "subresource_uris": {"assigned_add_ons": f"{base}/AssignedAddOns.json"},
            "trunk_sid": None,
            "type": "local",
            "uri": f"{base}.json",
            "voice_application_sid": None,
            "voice_caller_id_lookup": False,
            "voice_fallback_method": "POST",
            "voice_fallback_url": None,
            "voice_method": "POST",
            "voice_receive_mode": "voice",
            "voice_url": None,
        }

    def _short_code_resource(self, code: str) -> dict[str, object]:
        sid = _sid("SC", self._account, code)
        return {
            "account_sid": self._account,
            "api_version": API_VERSION,
            "date_created": self._created,
            "date_updated": self._created,
            "friendly_name": code,
            "short_code": code,
            "sid": sid,
            "sms_fallback_method": "POST",
            "sms_fallback_url": None,
            "sms_method": "POST",
            "sms_url": None,
            "uri": f"/{API_VERSION}/Accounts/{self._account}/SMS/ShortCodes/{sid}.json",
        }

    def phone_numbers(self, path: str, query: dict[str, str], page_size: int, page: int) -> dict[str, object]:
        """The IncomingPhoneNumbers list: `PhoneNumber` and `FriendlyName` filter it."""
        pattern = _pattern(query.get("PhoneNumber"))
        name = query.get("FriendlyName")
        found = [
            self._phone_resource(n)
            for n in self._numbers
            if n.startswith("+") and _matches(pattern, n) and (not name or name == n)
        ]
        filters = {k: v for k, v in query.items() if k in ("PhoneNumber", "FriendlyName") and v}
        return _envelope("incoming_phone_numbers", path, filters, found, page_size, page)

    def short_codes(self, path: str, query: dict[str, str], page_size: int, page: int) -> dict[str, object]:
        """The SMS/ShortCodes list: `ShortCode` and `FriendlyName` filter it."""
        pattern = _pattern(query.get("ShortCode"))
        name = query.get("FriendlyName")
        found = [
            self._short_code_resource(n)
            for n in self._numbers
            if not n.startswith("+") and _matches(pattern, n) and (not name or name == n)
        ]
        filters = {k: v for k, v in query.items() if k in ("ShortCode", "FriendlyName") and v}
        return _envelope("short_codes", path, filters, found, page_size, page)


def _envelope(
    key: str, path: str, filters: dict[str, str], found: list[dict[str, object]], size: int, page: int
) -> dict[str, object]:
    """Twilio's paged list envelope (numbered pages: an account's numbers are few)."""

    def uri(n: int) -> str:
        return f"{path}?{urlencode([*filters.items(), ('PageSize', str(size)), ('Page', str(n))])}"

    start = page * size
    chunk = found[start : start + size]
    has_next = start + size < len(found)
    return {
        key: chunk,
        "end": start + len(chunk) - 1 if chunk else start,
        "first_page_uri": uri(0),
        "next_page_uri": uri(page + 1) if has_next else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": uri(page - 1) if page > 0 else None,
        "start": start,
        "uri": uri(page),
    }
