"""The Twilio REST dialect: routes, basic auth, form and query parsing, list envelopes."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from inbox.simulator.carrier import Carrier, ListQuery, Page, Refusal
from inbox.simulator.numbers import NUMBERS_PATH, SHORT_CODES_PATH, NumberBook
from inbox.simulator.resource import API_VERSION, error_body, messages_path

_LIST = re.compile(rf"^/{API_VERSION}/Accounts/([^/]+)/Messages\.json$")
_ONE = re.compile(rf"^/{API_VERSION}/Accounts/([^/]+)/Messages/([^/]+)\.json$")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

Params = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def error_reply(code: int, message: str, status: int, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, error_body(code, message, status), headers)


def _json(status: int, payload: object) -> Reply:
    return Reply(status, json.dumps(payload).encode())


def _first(params: Params, name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _day(value: str | None, name: str) -> date | None:
    """A whole GMT day: Twilio's DateSent filters ignore the time of day."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise Refusal(20001, f"Invalid {name}: {value!r} (use YYYY-MM-DD)") from None


def _paging(params: Params) -> tuple[int, int]:
    """PageSize (1..1000, default 50) and Page (0 or more) of a list request."""
    size_text = _first(params, "PageSize")
    page_text = _first(params, "Page")
    try:
        size = int(size_text) if size_text else DEFAULT_PAGE_SIZE
        page_no = int(page_text) if page_text else 0
    except ValueError:
        raise Refusal(20001, "PageSize and Page must be integers") from None
    if size < 1 or page_no < 0:
        raise Refusal(20001, "PageSize must be at least 1 and Page not negative")
    return min(size, MAX_PAGE_SIZE), page_no


def request_kind(method: str, path: str) -> str:
    """The name a request is counted under in the stats."""
    if _LIST.match(path):
        return "create" if method == "POST" else "list"
    if _ONE.match(path):
        return "fetch" if method == "GET" else "update"
    if NUMBERS_PATH.match(path) or SHORT_CODES_PATH.match(path):
        return "numbers"
    return "other"


class TwilioApi:
    """Answers the Messages endpoints of one account from a Carrier."""

    def __init__(self, carrier: Carrier) -> None:
        self._carrier = carrier
        self._account = carrier.config.account_sid
        self._token = carrier.config.auth_token
        self._numbers = NumberBook(self._account, carrier.config.numbers)

    def _authorized(self, header: str | None, path_account: str) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        ok_user = secrets.compare_digest(user.encode(), self._account.encode())
        ok_pass = secrets.compare_digest(password.encode(), self._token.encode())
        return ok_user and ok_pass and path_account == self._account

    def handle(self, method: str, path: str, query: Params, form: Params, auth: str | None) -> Reply:
        owned = NUMBERS_PATH.match(path) or SHORT_CODES_PATH.match(path)
        if owned:
            if not self._authorized(auth, owned.group(1)):
                return error_reply(20003, "Authenticate", 401)
            if method != "GET":
                return error_reply(20004, "Method not allowed", 405)
            try:
                return _json(200, self._owned(path, query))
            except Refusal as exc:
                return error_reply(exc.code, exc.message, exc.status)
        list_match, one_match = _LIST.match(path), _ONE.match(path)
        if not (list_match or one_match):
            return error_reply(20404, f"The requested resource {path} was not found", 404)
        account = (list_match or one_match).group(1)  # type: ignore[union-attr]
        if not self._authorized(auth, account):
            return error_reply(20003, "Authenticate", 401)
        try:
            if list_match and method == "POST":
                return _json(
                    201,
                    self._carrier.send(
                        _first(form, "To"),
                        _first(form, "From"),
                        _first(form, "Body"),
                        _first(form, "MessagingServiceSid"),
                    ),
                )
            if list_match and method == "GET":
                return _json(200, self._list(path, query))
            if one_match and method == "GET":
                return _json(200, self._carrier.fetch(one_match.group(2)))
        except Refusal as exc:
            return error_reply(exc.code, exc.message, exc.status)
        return error_reply(20004, "Method not allowed", 405)

    def _owned(self, path: str, params: Params) -> dict[str, object]:
        """IncomingPhoneNumbers or SMS/ShortCodes: the numbers this account owns."""
        size, page_no = _paging(params)
        query = {name: values[0] for name, values in params.items() if values}
        if NUMBERS_PATH.match(path):
            return self._numbers.phone_numbers(path, query, size, page_no)
        return self._numbers.short_codes(path, query, size, page_no)

    def _list(self, path: str, params: Params) -> dict[str, object]:
        size, page_no = _paging(params)
        query = ListQuery(
            to=_first(params, "To") or None,
            from_=_first(params, "From") or None,
            sent_on=_day(_first(params, "DateSent"), "DateSent"),
            sent_on_or_before=_day(_first(params, "DateSent<"), "DateSent<"),
            sent_on_or_after=_day(_first(params, "DateSent>"), "DateSent>"),
            page_size=size,
            page=page_no,
            page_token=_first(params, "PageToken") or None,
        )
        result = self._carrier.page(query)
        return self._envelope(query, result)

    def _envelope(self, q: ListQuery, result: Page) -> dict[str, object]:
        filters: list[tuple[str, str]] = []
        for name, value in (
            ("To", q.to),
            ("From", q.from_),
            ("DateSent", q.sent_on),
            ("DateSent<", q.sent_on_or_before),
            ("DateSent>", q.sent_on_or_after),
        ):
            if value is not None:
                filters.append((name, str(value)))
        base = messages_path(self._account)

        def uri(page: int, token: str | None) -> str:
            params = [*filters, ("PageSize", str(q.page_size)), ("Page", str(page))]
            if token:
                params.append(("PageToken", token))
            return f"{base}?{urlencode(params)}"

        start = q.page * q.page_size
        count = len(result.resources)
        next_uri = uri(q.page + 1, f"PA{result.last_sid}") if result.has_next and result.last_sid else None
        prev_uri = uri(q.page - 1, f"PB{result.first_sid}") if q.page > 0 and result.first_sid else None
        return {
            "messages": result.resources,
            "end": start + count - 1 if count else start,
            "first_page_uri": uri(0, None),
            "next_page_uri": next_uri,
            "page": q.page,
            "page_size": q.page_size,
            "previous_page_uri": prev_uri,
            "start": start,
            "uri": uri(q.page, q.page_token),
        }
