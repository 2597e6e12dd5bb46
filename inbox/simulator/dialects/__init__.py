"""The provider APIs the simulator speaks, one module each, over the same Carrier.

A dialect is the wire: paths, authentication, field names, paging, error bodies and, where the
provider has them, consume-once or acknowledged lists. The phones, opt-out handling, delivery
progression (`carrier`), fault injection (`faults`, applied by the server) and the /_sim/ control
API are shared. To add one (textlocal, android-gateway, sinch, clicksend): write a module with a
class following `Dialect`, and name it in `DIALECTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from inbox.simulator.carrier import Carrier
from inbox.simulator.faults import Fault
from inbox.simulator.twilio_api import Reply


class Dialect(Protocol):
    name: str

    def handle(self, method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """Answer one API request (auth included) from the carrier."""
        ...

    def request_kind(self, method: str, path: str) -> str:
        """The name a request is counted under in the stats."""
        ...

    def fault_reply(self, fault: Fault) -> Reply:
        """The provider's own answer for an injected 429, 500 or 503 (nothing was done)."""
        ...


def _twilio(carrier: Carrier) -> Dialect:
    from inbox.simulator.dialects.twilio import TwilioDialect

    return TwilioDialect(carrier)


def _infobip(carrier: Carrier) -> Dialect:
    from inbox.simulator.dialects.infobip import InfobipDialect

    return InfobipDialect(carrier)


def _sinch(carrier: Carrier) -> Dialect:
    from inbox.simulator.dialects.sinch import SinchDialect

    return SinchDialect(carrier)


def _clicksend(carrier: Carrier) -> Dialect:
    from inbox.simulator.dialects.clicksend import ClickSendDialect

    return ClickSendDialect(carrier)


def _textlocal(carrier: Carrier) -> Dialect:
    from inbox.simulator.dialects.textlocal import TextlocalDialect

    return TextlocalDialect(carrier)


def _android_gateway(carrier: Carrier) -> Dialect:
    from inbox.simulator.dialects.android_gateway import AndroidGatewayDialect

    return AndroidGatewayDialect(carrier)


DIALECTS: dict[str, Callable[[Carrier], Dialect]] = {
    "twilio": _twilio,
    "infobip": _infobip,
    "sinch": _sinch,
    "clicksend": _clicksend,
    "textlocal": _textlocal,
    "android-gateway": _android_gateway,
}
