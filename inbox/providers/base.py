"""The provider contract and its error taxonomy.

The engine decides what to do with a failure only by its class: retry later (`Retryable`), wait
(`RateLimited`), give up on this message (`Rejected`), record an opt-out (`RecipientOptedOut`),
or stop and tell a person (`AuthenticationFailed`). `OutcomeUnknown` means the request may have
reached the provider: resending blindly could text the customer twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from inbox.core.models import InboundMessage, OutboundRequest, PollCursor, ProviderMessage


class ProviderError(Exception):
    """Base of every error a provider adapter raises; the message is safe to show a person."""


class Retryable(ProviderError):
    """Transient: connect error, 5xx, timeout before anything was sent. Try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(Retryable):
    """HTTP 429: wait `retry_after` seconds (or the backoff schedule when the provider gave none)."""


class OutcomeUnknown(ProviderError):
    """The send may or may not have happened (read timeout, connection reset after the body was
    sent). The message must be reconciled against the provider's records before any resend."""


class Rejected(ProviderError):
    """The provider refused this request for good (invalid number, message too long...)."""

    def __init__(self, message: str, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class RecipientOptedOut(Rejected):
    """Twilio 21610: the recipient texted STOP to this sender; record it and never send again."""


class AuthenticationFailed(ProviderError):
    """401 / 20003: credentials are wrong. Nothing will work until a person fixes them."""


class MalformedResponse(Retryable):
    """The provider answered with something we cannot parse. The raw payload is kept for diagnosis."""

    def __init__(self, message: str, raw: bytes | str = b"") -> None:
        super().__init__(message)
        self.raw = raw


@dataclass(frozen=True, slots=True)
class InboundBatch:
    """New inbound messages, oldest first, and the cursor to store once they are committed."""

    messages: Sequence[InboundMessage]
    cursor: PollCursor
    skipped: int = 0  # malformed records quarantined by the adapter
    # Why the adapter stopped before it reached messages already seen (an endless or too long
    # list), None when it did not: the messages are stored, the cursor does not move, health says it.
    incomplete: str | None = None


class Provider(Protocol):
    name: str

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch:
        """Every inbound message to our number not older than the cursor (with overlap), oldest first."""
        ...

    def send(self, request: OutboundRequest) -> ProviderMessage: ...

    def fetch_status(self, provider_message_ids: Sequence[str]) -> list[ProviderMessage]: ...

    def find_sent(self, to_number: str, since: datetime) -> list[ProviderMessage]:
        """MT messages from our number to `to_number` created since `since` (for reconciliation)."""
        ...

    def close(self) -> None: ...
