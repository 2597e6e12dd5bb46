"""Reading a provider's answer with a size cap: a misbehaving server (or a phone's app) that
streams without end must not fill our memory; what it did send is kept for the quarantine."""

from __future__ import annotations

import httpx

from inbox.providers.base import MalformedResponse

RAW_KEEP = 64 * 1024


def read_capped(response: httpx.Response, limit: int, who: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise MalformedResponse(f"{who} answer is larger than {limit} bytes", raw=b"".join(chunks)[:RAW_KEEP])
    return b"".join(chunks)
