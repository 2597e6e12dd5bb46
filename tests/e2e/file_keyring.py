"""An OS keyring stand-in for test processes: a JSON file named by INBOX_TEST_KEYRING_FILE.

This CI machine has no keyring; `PYTHON_KEYRING_BACKEND=tests.e2e.file_keyring.FileKeyring`
makes `keyring` in a child process use this file, so a test can see what was stored and where.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @staticmethod
    def _path() -> Path:
        return Path(os.environ["INBOX_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        path = self._path()
        return json.loads(path.read_text()) if path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._load()
        entries[f"{service}\0{username}"] = password
        self._path().write_text(json.dumps(entries))

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        entries.pop(f"{service}\0{username}", None)
        self._path().write_text(json.dumps(entries))
