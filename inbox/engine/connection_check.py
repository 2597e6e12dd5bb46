"""How a provider's connection test turns the taxonomy of `providers.base` into one sentence for
the person setting the channel up. Every provider's test is judged the same way (a rejected key,
a refused request, no route to the host, a host answering badly, an answer that makes no sense);
only the words differ, so a provider with its own words (the phone, Twilio) passes its `Wording`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from inbox.providers.base import AuthenticationFailed, ProviderError, Rejected, Retryable

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Wording:
    """Templates with {host} and {exc}; `authentication` None shows the adapter's own sentence."""

    refused: str = "The provider refused the request: {exc}"
    unreachable: str = "Could not reach {host} — check the address and your internet connection"
    unwell: str = "{host} is not answering properly right now ({exc}); try again shortly"
    unexpected: str = "Unexpected answer from {host}: {exc}"
    authentication: str | None = None


PROVIDER = Wording()


def judged(
    check: Callable[[], T],
    close: Callable[[], None],
    host: str,
    failure: type[Exception],
    wording: Wording = PROVIDER,
) -> T:
    """`check()`'s answer; any provider failure raised as `failure` with the sentence for it. The
    adapter is closed (`close`) whatever happens."""
    try:
        return check()
    except AuthenticationFailed as exc:
        raise failure(wording.authentication or str(exc)) from None
    except Rejected as exc:
        raise failure(wording.refused.format(host=host, exc=exc)) from None
    except Retryable as exc:
        if isinstance(exc.__cause__, httpx.TransportError):
            raise failure(wording.unreachable.format(host=host, exc=exc)) from None
        raise failure(wording.unwell.format(host=host, exc=exc)) from None
    except ProviderError as exc:
        raise failure(wording.unexpected.format(host=host, exc=exc)) from None
    finally:
        close()
