"""HTTP(S) front end of the simulator: the request entry point (request log, faults, persistence) and the
HTTP server.

The NITRO work is split by concern: sessions.py (login and authentication), routing.py (which operation a
request means), bulk.py (array bodies and X-NITRO-ONERROR), control.py (the /sim/v1/ control API).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from . import control
from . import errors as E
from .appliance import Appliance
from .cmdpolicy import CommandPolicy
from .errors import NitroError, Response
from .faults import Fault, FaultRegistry
from .health import default_factory
from .resources import REGISTRY
from .routing import Router, is_bulk
from .runtime import SimClock
from .sessions import Auth, Sessions

LOG_LIMIT = 20000
# Never logged: the login password and every attribute a resource declares secret.
SECRET_KEYS = frozenset({"password"} | {a.name for r in REGISTRY.values() for a in r.attrs.values() if a.secret})


class RequestLog:
    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._seq = itertools.count(1)
        self._cleared_at = 0.0

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            # An entry is added when its answer is sent. A request that began before the last clear (say a stall
            # whose client gave up) belongs to what was cleared, not to the log of whoever cleared it.
            if entry["time"] < self._cleared_at:
                return
            entry["seq"] = next(self._seq)
            self._entries.append(entry)

    def list(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries if e["seq"] > since]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._cleared_at = time.time()


def _mask(body: Any) -> Any:
    """Never keep a password in the log (login body, and any `password`-like attribute)."""
    if isinstance(body, dict):
        return {k: ("***" if k in SECRET_KEYS else _mask(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [_mask(v) for v in body]
    return body


class SimCore:
    """Everything behind the sockets; one instance per Simulator."""

    def __init__(
        self,
        user: str,
        password: str,
        *,
        session_timeout: float,
        time_scale: float,
        probe_allow: Iterable[str],
        health_factory: Callable[[Appliance], Any] | None,
        latency_ms: float = 0,
    ) -> None:
        self.user = user
        # Added to every NITRO request (not /sim/v1), to show what a remote appliance's round trip costs.
        self.latency = max(0.0, float(latency_ms)) / 1000
        self.password = password
        self.default_time_scale = time_scale
        self.clock = SimClock(time_scale)
        self.probe_allow = tuple(probe_allow)
        if health_factory is None:
            health_factory = default_factory
        self.appliance = Appliance(health_factory=health_factory, clock=self.clock, probe_allow=self.probe_allow)
        self.sessions = Sessions(self.clock, session_timeout)
        self.log = RequestLog()
        self.faults = FaultRegistry()
        # /sim/v1/cmdpolicy: the ALLOW policy every authenticated request is checked against (none: all allowed)
        self.cmd_policy: CommandPolicy | None = None
        self.state_file: str | None = None
        self._dirty = False
        self._save_lock = threading.Lock()
        self.auth = Auth(user, password, self.sessions)
        self.router = Router(self)

    # -- persistence ----------------------------------------------------------------------------------------------
    def attach_state_file(self, path: str) -> None:
        self.state_file = path
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path, encoding="utf-8") as fh:
                self.appliance.load(json.load(fh))
        self.appliance.on_write = self._mark_dirty

    def _mark_dirty(self) -> None:
        self._dirty = True

    def flush_state(self) -> None:
        if not self.state_file or not self._dirty:
            return
        with self._save_lock:
            self._dirty = False
            data = self.appliance.export()
            directory = os.path.dirname(os.path.abspath(self.state_file))
            fd, tmp = tempfile.mkstemp(prefix=".sim-state", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, self.state_file)

    # -- control ----------------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.appliance.reset()
        self.log.clear()
        self.faults.clear()
        self.cmd_policy = None
        self.sessions.kill_all()
        self.set_time_scale(self.default_time_scale)
        self._dirty = True
        self.flush_state()

    def set_time_scale(self, factor: float) -> None:
        self.clock.set_scale(factor)
        self.appliance.health.set_time_scale(factor)

    # -- request entry point ------------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        raw_path, _, qs = h.path.partition("?")
        length = int(h.headers.get("Content-Length") or 0)
        raw_body = h.rfile.read(length) if length > 0 else b""
        if raw_path.startswith("/sim/v1/"):
            resp = control.handle(self, method, raw_path[len("/sim/v1/") :], raw_body)
            self._send(h, resp)
            return
        if self.latency:
            time.sleep(self.latency)
        query = {k: v[-1] for k, v in parse_qs(qs, keep_blank_values=True).items()}
        entry: dict[str, Any] = {
            "method": method,
            "path": raw_path,
            "query": query,
            "body": None,
            "status": None,
            "errorcode": None,
            "time": time.time(),
            "auth": None,
            "onerror": h.headers.get("X-NITRO-ONERROR"),
            # which command policy was in force (its label), so a test can split the log by policy
            "cmdpolicy": self.cmd_policy.label if self.cmd_policy is not None else None,
        }
        fault: Fault | None = None
        try:
            body = self._parse_body(h, raw_body)
            entry["body"] = _mask(body)
            with self.appliance.lock:
                # a failover scheduled for this request (resources/hanode.py) happens before it is processed
                self.appliance.resource("hanode").on_request(method, raw_path)
            fault = self.faults.take(method, raw_path, is_bulk(body, raw_path))
            if fault is not None and fault.kind == "status":
                status = int(fault.status or 503)
                raise NitroError(status, int(fault.errorcode or 0), message=fault.message)
            if fault is not None and fault.kind == "stall":
                time.sleep(float(fault.seconds or 0))
            bulk_fault = fault if fault is not None and fault.kind == "bulk_fail" else None
            resp = self.router.nitro(h, method, raw_path, query=query, body=body, entry=entry, bulk_fault=bulk_fault)
        except NitroError as exc:
            resp = Response(exc.http_status, exc.envelope())
        except Exception:  # a simulator bug must still answer, loudly
            traceback.print_exc(file=sys.stderr)
            resp = Response(500, {"errorcode": 256, "message": "Internal simulator error", "severity": "ERROR"})
        entry["status"] = resp.status
        if isinstance(resp.payload, dict):
            entry["errorcode"] = resp.payload.get("errorcode")
        entry["time_done"] = time.time()
        self.log.add(entry)
        self.flush_state()
        if fault is not None and fault.kind == "disconnect":
            self._send(h, resp, truncate=True)
        else:
            self._send(h, resp)

    # -- plumbing -------------------------------------------------------------------------------------------------
    def _send(self, h: BaseHTTPRequestHandler, resp: Response, truncate: bool = False) -> None:
        data = json.dumps(resp.payload).encode() if resp.payload is not None else b""
        h.send_response(resp.status, E.REASONS.get(resp.status))
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        for key, value in resp.headers.items():
            h.send_header(key, value)
        h.end_headers()
        if truncate:
            # Cut the answer in the middle of the body and drop the connection (fault "disconnect").
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return
        h.wfile.write(data)

    def _parse_body(self, h: BaseHTTPRequestHandler, raw: bytes) -> Any:
        if not raw.strip():
            return None
        ctype = (h.headers.get("Content-Type") or "").lower()
        text = raw.decode("utf-8", errors="replace")
        if "x-www-form-urlencoded" in ctype:
            # Old form style: the JSON travels in an `object=` field (NITRO API reference).
            form = parse_qs(text, keep_blank_values=True)
            if "object" not in form:
                raise E.invalid_arg("object")
            text = form["object"][-1]
        try:
            return json.loads(text)
        except ValueError:
            raise E.invalid_arg("invalid JSON in request body") from None


class NitroHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive with exact Content-Length
    server_version = "NetScaler-NITRO-Simulator"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per request.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _dispatch(self, method: str) -> None:
        core: SimCore = self.server.core  # type: ignore[attr-defined]
        core.handle(self, method)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        return None


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], core: SimCore, ssl_context: ssl.SSLContext | None) -> None:
        self.core = core
        self.ssl_context = ssl_context
        super().__init__(address, NitroHandler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS handshake in the per-connection thread, so one slow client never blocks accept().
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | ssl.SSLError | TimeoutError):
            return
        super().handle_error(request, client_address)


__all__ = ["SimCore", "SimHTTPServer"]
