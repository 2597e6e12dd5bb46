"""A stdlib client for the /_sim/ control API: texting in as a customer, reading a phone, steering
faults. Used by tests, the demo and `python -m inbox.simulator text|phone` from another process."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import quote


class SimulatorError(RuntimeError):
    """The control API refused a request; the message says why."""


class SimulatorClient:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, route: str, payload: dict[str, object] | None = None) -> object:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(f"{self.url}/_sim/{route}", data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            try:
                detail = json.loads(detail).get("error", detail)
            except (ValueError, AttributeError):
                pass
            raise SimulatorError(f"{method} /_sim/{route}: {exc.code} {detail}") from None

    def text(self, from_number: str, to_number: str, body: str) -> str:
        """A customer's phone texts one of our numbers; returns the inbound message's SID."""
        answer = self._call("POST", "text", {"from": from_number, "to": to_number, "body": body})
        return str(answer["sid"])  # type: ignore[index]

    def phone_state(self, number: str) -> dict[str, object]:
        """Everything about one phone: `received` messages and `opted_out_from` numbers."""
        return self._call("GET", "phones/" + quote(number, safe=""))  # type: ignore[return-value]

    def phone(self, number: str) -> list[dict[str, object]]:
        """What that phone received (sid, from, body, status, date), oldest first."""
        return self.phone_state(number)["received"]  # type: ignore[return-value]

    def messages(self) -> list[dict[str, object]]:
        """Every message resource the simulator holds, oldest first."""
        return self._call("GET", "messages")["messages"]  # type: ignore[index]

    def set_faults(self, **settings: object) -> dict[str, object]:
        return self._call("POST", "faults", settings)  # type: ignore[return-value]

    def faults(self) -> dict[str, object]:
        return self._call("GET", "faults")  # type: ignore[return-value]

    def stats(self) -> dict[str, object]:
        return self._call("GET", "stats")  # type: ignore[return-value]

    def reset(self) -> None:
        """Forget all messages, opt-outs and counters, and restore the configured faults."""
        self._call("POST", "reset", {})
