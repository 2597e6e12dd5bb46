"""A hand-written Twilio dialect on loopback, for what a faithful simulator never produces.

Each test module supplies the request handler (what its fake answers); this module holds what they
share: serving a handler on 127.0.0.1, one inbound record in Twilio's shape, a list page, and our
channel pointing at the fake.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from inbox.core.models import Channel
from inbox.store import channels
from tests.conftest import OUR_NUMBER

TOKEN_ENV = "INBOX_FAULTS_TWILIO_TOKEN"


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free loopback port; yields the base URL, stops the server after."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def record(sid: str, when: datetime | None, **changes: object) -> dict[str, object]:
    """An inbound Message resource; a change to `...` removes that field, `when=None` leaves no dates."""
    stamp = format_datetime(when) if when else None
    rec: dict[str, object] = {
        "sid": sid,
        "from": "+15553009999",
        "to": OUR_NUMBER,
        "body": f"valid text {sid}",
        "direction": "inbound",
        "status": "received",
        "date_created": stamp,
        "date_sent": stamp,
        "num_segments": "1",
    }
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not ...}


def page(records: list[object], next_uri: object = None) -> bytes:
    return json.dumps({"messages": records, "next_page_uri": next_uri}).encode()


def add_channel(db, name: str, account_sid: str, base_url: str, **extra: object) -> Channel:  # type: ignore[no-untyped-def]
    """Our number on the fake, its token named by TOKEN_ENV (the test sets that variable)."""
    with db.write() as s:
        return channels.add(
            s,
            name=name,
            provider="twilio",
            number=OUR_NUMBER,
            account_sid=account_sid,
            base_url=base_url,
            auth_token_ref=f"env:{TOKEN_ENV}",
            **extra,
        )
