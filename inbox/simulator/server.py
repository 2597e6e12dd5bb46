"""The simulator's HTTP server: a ThreadingHTTPServer on loopback speaking one provider's dialect
(Twilio by default, see `dialects`) plus /_sim/.

Runs on a background thread so a test or the demo can start it, point the app at `url`, and stop
it. Faults are applied here, at the HTTP layer, because a reset or a garbage answer is something
that happens to the connection, not to the carrier's state.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from inbox.simulator.carrier import Carrier
from inbox.simulator.config import Faults, SimulatorConfig
from inbox.simulator.control_api import PREFIX, ControlApi
from inbox.simulator.dialects import DIALECTS
from inbox.simulator.faults import Fault, FaultInjector
from inbox.simulator.twilio_api import Reply, error_reply

__all__ = ["Faults", "SimulatorConfig", "SimulatorServer"]

logger = logging.getLogger(__name__)

MAX_REQUEST_BODY = 1 << 20
GARBAGE = b'{"messages": [{"sid": "SM4f\r\n<html><body><h1>502 Bad Gateway</h1></body></html>'


class _Http(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: SimulatorServer) -> None:
        self.simulator = simulator
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: pollers reuse their connection
    server_version = "InboxSimulator/1.0"
    timeout = 60  # idle keep-alive connections give their thread back eventually
    server: _Http

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle plus the client's delayed
        # ACK adds ~40 ms to every keep-alive answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.simulator._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.simulator._connection_closed(self.connection)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self, method: str) -> None:
        sim = self.server.simulator
        parts = urlsplit(self.path)
        body = self._read_body()
        if body is None:
            self._send(error_reply(21617, "Request body too large", 413))
            self.close_connection = True
            return
        if parts.path.startswith(PREFIX):
            if not _is_loopback(self.client_address[0]):
                self._send(Reply(403, b'{"error": "the control API answers loopback clients only"}'))
                return
            self._send(sim.control.handle(method, parts.path, body))
            return
        self._provider(method, parts.path, parts.query, body)

    def _provider(self, method: str, path: str, query: str, body: bytes) -> None:
        sim = self.server.simulator
        kind = sim.dialect.request_kind(method, path)
        sim.carrier.count_request(kind)
        delay = sim.faults.latency()
        if delay:
            time.sleep(delay)
        fault = sim.faults.draw()
        if fault in (Fault.RESET, Fault.GARBAGE) and kind in sim.faults.spared_kinds():
            fault = None
        if fault is not None:
            sim.carrier.count("fault_" + fault.value)
        if fault in (Fault.RATE_LIMITED, Fault.THROTTLED, Fault.FAILED, Fault.UNAVAILABLE):
            self._send(sim.dialect.fault_reply(fault))
            return
        reply = sim.dialect.handle(method, path, query, body, self.headers)
        slow = sim.faults.slowness()
        if slow:  # the action is done; only the answer is late (a read timeout's worst case)
            time.sleep(slow)
        if fault is Fault.RESET:
            self._drop()
            return
        if fault is Fault.GARBAGE:
            reply = Reply(reply.status if reply.status < 300 else 200, GARBAGE)
        self._send(reply)

    def _drop(self) -> None:
        """Close without answering, with an RST, so the client cannot tell whether we acted."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:  # pragma: no cover - platform without SO_LINGER
            pass

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SimulatorServer:
    """A running (or startable) simulator. Usable as a context manager."""

    def __init__(self, config: SimulatorConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self.carrier = Carrier(config)
        self.faults = FaultInjector(config.faults, config.seed)
        self.dialect = DIALECTS[config.dialect](self.carrier)
        self.control = ControlApi(self.carrier, self.faults)
        self._address = (host, port)
        self._http: _Http | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    @property
    def url(self) -> str:
        if self._http is None:
            raise RuntimeError("the simulator is not started")
        host, port = self._http.server_address[:2]
        if isinstance(host, bytes):  # pragma: no cover
            host = host.decode()
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def start(self) -> SimulatorServer:
        if self._http is not None:
            return self
        self._http = _Http(self._address, self)
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, name="sms-simulator", daemon=True
        )
        self._thread.start()
        logger.info("SMS simulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        http, self._http = self._http, None
        if http is None:
            return
        http.shutdown()
        http.server_close()
        with self._conn_lock:
            open_connections = list(self._connections)
        for conn in open_connections:  # kept-alive clients must see the server go away
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _connection_opened(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.add(conn)

    def _connection_closed(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(conn)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
