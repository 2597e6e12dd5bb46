"""A connection test's failure is one sentence in the provider's own words, and the adapter is
closed whatever happened (engine/connection_check.py, shared by every provider's test)."""

from __future__ import annotations

import httpx
import pytest

from inbox.engine import connection_check, phone_setup
from inbox.providers.base import AuthenticationFailed, ProviderError, Rejected, Retryable


class Failed(Exception):
    pass


def _retryable(cause: Exception | None) -> Retryable:
    exc = Retryable("HTTP 503")
    exc.__cause__ = cause
    return exc


CASES = [
    (AuthenticationFailed("the key is wrong"), "the key is wrong"),
    (Rejected("bad number", None, 400), "The provider refused the request: bad number"),
    (_retryable(httpx.ConnectError("no route")), "Could not reach sms.example — check the address"),
    (_retryable(None), "sms.example is not answering properly right now (HTTP 503); try again shortly"),
    (ProviderError("an odd answer"), "Unexpected answer from sms.example: an odd answer"),
]


@pytest.mark.parametrize(("error", "said"), CASES)
def test_each_failure_is_one_sentence_and_the_adapter_is_closed(error, said) -> None:
    closed = []

    def check() -> None:
        raise error

    with pytest.raises(Failed) as raised:
        connection_check.judged(check, lambda: closed.append(True), "sms.example", Failed)
    assert str(raised.value).startswith(said)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__, "no chained traceback"
    assert closed == [True]


def test_an_answer_is_handed_back_and_a_provider_can_use_its_own_words() -> None:
    closed = []
    assert connection_check.judged(lambda: ["inbox 1"], lambda: closed.append(True), "h", Failed) == ["inbox 1"]
    assert closed == [True]

    def unreachable() -> None:
        raise _retryable(httpx.ConnectTimeout("slow"))

    with pytest.raises(Failed, match=r"Could not reach the phone at 192\.168\.1\.5:8080 — is it on this network"):
        connection_check.judged(unreachable, lambda: None, "192.168.1.5:8080", Failed, phone_setup.WORDING)
