"""One JSON-over-HTTP exchange with a provider, its failures already in the taxonomy of `base`.

Sinch, ClickSend and Infobip (and any REST provider like them) differ in paths, auth and error bodies, not
in how a failed exchange is judged: nothing sent (connect error) is Retryable; a connection lost
after a request that changes something is OutcomeUnknown unless the request is idempotent; 401/403
stop the channel; 429 waits; 5xx retries; another 4xx is Rejected with the provider's own words.
Bodies are read with a cap, so a runaway answer cannot hold the process's memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from inbox.providers.base import (
    AuthenticationFailed,
    MalformedResponse,
    RateLimited,
    Rejected,
    Retryable,
)
from inbox.providers.http_body import TransportWording, send_and_read
from inbox.providers.twilio import retry_after_seconds

MAX_BODY_BYTES = 4 << 20
RAW_KEEP = 64 * 1024


@dataclass(frozen=True, slots=True)
class Wording:
    """What a person is told, per provider."""

    label: str  # "Sinch"
    unauthorized: str  # for HTTP 401
    forbidden: str  # for HTTP 403
    # The provider's error body as (code, text); may raise anything on a body it cannot read.
    error_of: Callable[[object], tuple[str, str]]


class JsonHttp:
    """An httpx client whose `exchange` returns the parsed JSON of a 2xx or raises the taxonomy."""

    def __init__(self, client: httpx.Client, wording: Wording) -> None:
        self.client = client
        self.wording = wording

    def exchange(self, method: str, url: str, **request: Any) -> object:
        """The parsed JSON of a 2xx; `request` as for `exchange_bytes`."""
        body = self.exchange_bytes(method, url, **request)
        try:
            return json.loads(body)
        except ValueError:
            raise MalformedResponse(
                f"{self.wording.label} answered with something that is not JSON", raw=body[:RAW_KEEP]
            ) from None

    def exchange_bytes(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        params: Sequence[tuple[str, str | int]] | None = None,
        payload: object = None,
    ) -> bytes:
        """The body of a 2xx untouched, for a provider that journals it before parsing (Infobip)."""
        request = self.client.build_request(method, url, params=params, json=payload)
        response, body = send_and_read(
            self.client,
            request,
            idempotent=idempotent,
            read=self._read_capped,
            wording=TransportWording.of(self.wording.label),
        )
        self._raise_for_status(response.status_code, response.headers, body)
        return body

    def _read_capped(self, response: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_BODY_BYTES:
                raise MalformedResponse(
                    f"{self.wording.label} answer larger than {MAX_BODY_BYTES} bytes",
                    raw=b"".join(chunks)[:RAW_KEEP],
                )
        return b"".join(chunks)

    def _raise_for_status(self, status: int, headers: httpx.Headers, body: bytes) -> None:
        label = self.wording.label
        if 200 <= status < 300:
            return
        if status == 401:
            raise AuthenticationFailed(self.wording.unauthorized)
        if status == 403:
            raise AuthenticationFailed(self.wording.forbidden)
        retry_after = retry_after_seconds(headers.get("Retry-After"))
        if status == 429:
            raise RateLimited(f"{label} is rate limiting us (HTTP 429)", retry_after=retry_after)
        if status >= 500:
            raise Retryable(f"{label} server error (HTTP {status})", retry_after=retry_after)
        try:
            code, text = self.wording.error_of(json.loads(body))
        except Exception:  # noqa: BLE001 - any unreadable error body is shown as it came
            code, text = "error", body[:200].decode("utf-8", "replace")
        if 400 <= status < 500:
            raise Rejected(f"{label} refused the request ({code}, HTTP {status}): {text}", None, status)
        raise MalformedResponse(f"unexpected HTTP {status} from {label}", raw=body[:RAW_KEEP])

    def close(self) -> None:
        self.client.close()


def raw_text(record: object) -> str:
    """A record set aside, as text to keep in quarantine."""
    try:
        return json.dumps(record, ensure_ascii=False)[:RAW_KEEP]
    except (TypeError, ValueError):
        return repr(record)[:RAW_KEEP]
