"""The /_sim/ control API: what tests, the demo and the CLI use to play the customers' phones
and to steer the simulator. JSON in, JSON out, no auth, loopback clients only."""

from __future__ import annotations

import json
from urllib.parse import unquote

from inbox.simulator.carrier import Carrier
from inbox.simulator.faults import FaultInjector
from inbox.simulator.twilio_api import Reply

PREFIX = "/_sim/"


def _json(status: int, payload: object) -> Reply:
    return Reply(status, json.dumps(payload).encode())


def _error(status: int, message: str) -> Reply:
    return _json(status, {"error": message})


class ControlApi:
    def __init__(self, carrier: Carrier, faults: FaultInjector) -> None:
        self._carrier = carrier
        self._faults = faults
        self._initial_faults = faults.settings

    def handle(self, method: str, path: str, body: bytes) -> Reply:
        route = path[len(PREFIX) :]
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            return _error(400, "body must be JSON")
        if not isinstance(payload, dict):
            return _error(400, "body must be a JSON object")
        if method == "POST" and route == "text":
            return self._text(payload)
        if method == "GET" and route.startswith("phones/"):
            return _json(200, self._carrier.phone(unquote(route[len("phones/") :])))
        if method == "GET" and route == "messages":
            return _json(200, {"messages": self._carrier.all_messages()})
        if route == "faults" and method in ("GET", "POST"):
            if method == "POST":
                try:
                    self._faults.update(payload)
                except (TypeError, ValueError) as exc:
                    return _error(400, str(exc))
            return _json(200, self._faults.settings.as_dict())
        if method == "GET" and route == "stats":
            return _json(200, self._carrier.stats())
        if method == "POST" and route == "reset":
            self._carrier.reset()
            self._faults.update(self._initial_faults.as_dict())
            return _json(200, {"ok": True})
        return _error(404, f"no control endpoint {method} {path}")

    def _text(self, payload: dict[str, object]) -> Reply:
        sender, to, body = payload.get("from"), payload.get("to"), payload.get("body")
        if not isinstance(sender, str) or not isinstance(to, str) or not isinstance(body, str):
            return _error(400, "need string fields: from, to, body")
        try:
            sid = self._carrier.text_in(sender, to, body)
        except ValueError as exc:
            return _error(400, str(exc))
        return _json(201, {"sid": sid})
