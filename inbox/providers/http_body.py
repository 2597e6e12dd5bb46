"""Sending one request to a provider and reading its answer with a size cap.

Every HTTP adapter judges a failed exchange alike: nothing sent (a connect error) is Retryable; a
connection lost once the request went out is Retryable if it changes nothing (idempotent), else
OutcomeUnknown, because the provider may have acted on it. Only the words differ per provider.
The cap means a misbehaving server (or a phone's app) that streams without end cannot fill our
memory; what it did send is kept for the quarantine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from inbox.providers.base import MalformedResponse, OutcomeUnknown, Retryable

RAW_KEEP = 64 * 1024
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True, slots=True)
class TransportWording:
    """The sentences of a failed exchange; "{}" stands for the httpx exception's class name."""

    unreachable: str
    failed: str
    unknown: str

    @classmethod
    def of(cls, label: str) -> TransportWording:
        """The usual sentences for a provider called `label` ("Sinch")."""
        return cls(
            f"could not reach {label} ({{}})",
            f"{label} connection failed ({{}})",
            f"connection to {label} failed after the request was sent ({{}}): it may have been processed",
        )


def send_and_read(
    client: httpx.Client,
    request: httpx.Request,
    *,
    idempotent: bool,
    read: Callable[[httpx.Response], bytes],
    wording: TransportWording,
) -> tuple[httpx.Response, bytes]:
    """The response (closed) and its body as `read` read it; a transport failure in the taxonomy."""
    try:
        response = client.send(request, stream=True)
        try:
            body = read(response)
        finally:
            response.close()
    except NOT_SENT as exc:
        raise Retryable(wording.unreachable.format(type(exc).__name__)) from exc
    except httpx.TransportError as exc:
        if idempotent:
            raise Retryable(wording.failed.format(type(exc).__name__)) from exc
        raise OutcomeUnknown(wording.unknown.format(type(exc).__name__)) from exc
    return response, body


def read_capped(response: httpx.Response, limit: int, who: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise MalformedResponse(f"{who} answer is larger than {limit} bytes", raw=b"".join(chunks)[:RAW_KEEP])
    return b"".join(chunks)
