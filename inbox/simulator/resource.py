"""The Twilio wire shapes: SIDs, RFC 2822 dates, error bodies and the Message resource."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime

API_VERSION = "2010-04-01"


def new_sid(prefix: str) -> str:
    """A Twilio-style SID: two letters and 32 lowercase hex digits."""
    return prefix + secrets.token_hex(16)


def twilio_date(moment: datetime | None) -> str | None:
    """RFC 2822 in GMT with a numeric zone, as Twilio writes it: 'Tue, 24 Nov 2026 22:21:21 +0000'."""
    if moment is None:
        return None
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def error_body(code: int, message: str, status: int) -> bytes:
    """Twilio's error JSON; `more_info` points at the code's documentation page like the real one."""
    return json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    ).encode()


def messages_path(account_sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages.json"


def message_path(account_sid: str, sid: str, suffix: str = ".json") -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}{suffix}"
