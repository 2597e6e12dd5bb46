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
from enum import StrEnum
from typing import Protocol, runtime_checkable

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
    """The provider says the recipient opted out of this sender (Twilio 21610: they texted STOP):
    record it and never send again."""


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


class InboundSemantics(StrEnum):
    """How a provider hands out what it received, which decides how the engine keeps it safe.

    - LIST_WITH_CURSOR: a list that can be read again (Twilio). Each poll reads from the stored
      cursor less an overlap; dedupe by provider id makes the overlap harmless; the cursor moves in
      the transaction that stores the messages. A crash anywhere re-reads the same list.
    - CONSUME_ONCE: each message is handed out once, with no acknowledgement (Infobip
      /sms/1/inbox/reports). The engine commits the raw answer to the provider journal before it
      parses anything, ingests from the journal in the next transaction and marks the row done.
      A crash after the journal commit loses nothing; a crash (or a lost answer) between the
      provider's answer and that commit loses that page: pages are kept small for this reason.
    - ACK_AFTER_COMMIT: a list of unread messages that stay unread until acknowledged (ClickSend).
      The engine stores them, commits, then calls `acknowledge(ids)`; a crash before the
      acknowledgement re-reads them, and dedupe by provider id drops the replays (at-least-once).
    """

    LIST_WITH_CURSOR = "list_with_cursor"
    CONSUME_ONCE = "consume_once"
    ACK_AFTER_COMMIT = "ack_after_commit"


@dataclass(frozen=True, slots=True)
class RawPage:
    """One provider answer exactly as it came, before any parsing: what the journal keeps.

    `more` says the provider holds further messages (Infobip's pendingMessageCount), so the engine
    asks again at once rather than at the next poll."""

    body: str
    count: int = 0
    more: bool = False


@dataclass(frozen=True, slots=True)
class ReportBatch:
    """Delivery states parsed from one journaled answer; `skipped` records were set aside."""

    updates: Sequence[ProviderMessage]
    skipped: Sequence[tuple[str, str]] = ()  # (reason, raw record)


class Provider(Protocol):
    """What every adapter offers. Which inbound door the engine uses depends on `inbound_semantics`
    (default LIST_WITH_CURSOR when an adapter does not say): see `ConsumeOnceInbound` and
    `AckAfterCommitInbound` for the other two; docs/providers/README.md has the whole contract."""

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


@runtime_checkable
class ConsumeOnceInbound(Protocol):
    """A provider whose inbound list hands each message out once (`CONSUME_ONCE`).

    The engine calls `take_inbound()`, commits `RawPage.body` to the journal, and only then calls
    `parse_inbound(body)` — possibly in another process after a crash, so parsing must depend on
    the body alone. `parse_inbound` never raises for a bad record: it sets it aside in
    `InboundBatch.skipped` (and `last_quarantined`); an answer it cannot read at all raises
    MalformedResponse and the engine keeps the journal row in quarantine."""

    inbound_semantics: InboundSemantics

    def take_inbound(self) -> RawPage: ...

    def parse_inbound(self, body: str) -> InboundBatch: ...


@runtime_checkable
class ConsumeOnceReports(Protocol):
    """A provider whose delivery reports are handed out once (Infobip /sms/3/reports): the same
    journal rule as `ConsumeOnceInbound`, for states instead of messages."""

    def take_reports(self) -> RawPage: ...

    def parse_reports(self, body: str) -> ReportBatch: ...


@runtime_checkable
class AckAfterCommitInbound(Protocol):
    """A provider whose unread messages stay unread until marked (`ACK_AFTER_COMMIT`).

    `fetch_inbound` returns the unread ones (the cursor is passed but may be ignored);
    `acknowledge(ids)` marks them read and is called only after they are committed. An
    acknowledgement that fails is harmless: the next poll reads them again and dedupe drops them."""

    inbound_semantics: InboundSemantics

    def fetch_inbound(self, cursor: PollCursor) -> InboundBatch: ...

    def acknowledge(self, provider_message_ids: Sequence[str]) -> None: ...


def inbound_semantics(provider: object) -> InboundSemantics:
    """What a provider declares, LIST_WITH_CURSOR for adapters written before the attribute existed."""
    declared = getattr(provider, "inbound_semantics", InboundSemantics.LIST_WITH_CURSOR)
    return InboundSemantics(declared)
