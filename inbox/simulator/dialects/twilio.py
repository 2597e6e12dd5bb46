"""Twilio's Messages API (the simulator's first dialect; the wire itself is in `twilio_api`)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

from inbox.simulator.carrier import Carrier
from inbox.simulator.faults import Fault
from inbox.simulator.twilio_api import Reply, TwilioApi, error_reply, request_kind


class TwilioDialect:
    name = "twilio"

    def __init__(self, carrier: Carrier) -> None:
        self.api = TwilioApi(carrier)

    def handle(self, method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True) if method == "POST" else {}
        return self.api.handle(
            method, path, parse_qs(query, keep_blank_values=True), form, headers.get("Authorization")
        )

    def request_kind(self, method: str, path: str) -> str:
        return request_kind(method, path)

    def fault_reply(self, fault: Fault) -> Reply:
        if fault in (Fault.RATE_LIMITED, Fault.THROTTLED):
            return error_reply(20429, "Too Many Requests", 429, (("Retry-After", "1"),))
        if fault is Fault.UNAVAILABLE:
            return error_reply(20503, "Service Unavailable", 503, (("Retry-After", "1"),))
        return error_reply(20500, "Internal Server Error", 500)
