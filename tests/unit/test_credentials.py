"""Every secret of the app under one keyring service, and entries stored by earlier releases still found."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend

from inbox.engine import credentials, lookups

SID = "AC" + "1" * 32


class MemoryKeyring(KeyringBackend):
    """An OS keyring that lives in a dict (this CI machine has none)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring(monkeypatch) -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.delenv(credentials.VERIFICATION_KEY_ENV, raising=False)
    credentials.forget_verification_key()
    try:
        yield backend
    finally:
        credentials.forget_verification_key()
        keyring.set_keyring(before)


def test_a_verification_key_stored_by_an_earlier_release_is_still_found(memory_keyring, tmp_path) -> None:
    # Where releases that kept the key in engine/verification.py wrote it: service "inbox", user
    # "verification-key". Codes sealed under it must still open, so the same entry is read, not a new one.
    memory_keyring.entries[("inbox", "verification-key")] = "k" * 64
    assert credentials.verification_key() == b"k" * 64
    assert memory_keyring.entries == {("inbox", "verification-key"): "k" * 64}


def test_a_missing_verification_key_is_created_once_in_the_keyring(memory_keyring) -> None:
    first = credentials.verification_key()
    credentials.forget_verification_key()
    assert credentials.verification_key() == first and len(first) == 64
    assert list(memory_keyring.entries) == [(credentials.KEYRING_SERVICE, credentials.VERIFICATION_KEY_USER)]


def test_tokens_and_the_verification_key_share_one_service(memory_keyring) -> None:
    credentials.store_in_keyring(SID, "provider-token")
    credentials.verification_key()
    assert {service for service, _ in memory_keyring.entries} == {credentials.KEYRING_SERVICE}
    assert credentials.resolve(credentials.keyring_ref(), SID) == "provider-token"


def test_a_lookup_may_not_name_the_verification_key_entry(memory_keyring) -> None:
    credentials.verification_key()
    with pytest.raises(credentials.MissingCredentials, match="holds the verification key"):
        lookups.auth_value("keyring:" + credentials.VERIFICATION_KEY_USER)
