"""Real test backends on loopback addresses, for the simulator's health probes and data plane.

A `Backend` listens on a 127.x.y.z address and answers either HTTP (optionally over TLS) or a raw
send/recv exchange for *-ECV monitors. Its behaviour can be switched while it runs:

- ``set_mode("ok")``: HTTP 200 (raw: the configured reply);
- ``set_mode("error")``: HTTP 500 (raw: ``b"ERROR"``);
- ``set_mode("hang")``: accept the connection, read the request, never answer;
- ``stop()``: the listening socket is closed, so a connect gets "connection refused";
  ``start()`` listens again on the same address and port.

Counters let tests reason in probes, not in wall-clock time: ``connections`` (every accepted TCP
connection; what a TCP monitor produces), ``hits`` (every complete HTTP request or raw exchange; what
an HTTP or ECV monitor produces) and ``requests`` (the parsed HTTP requests, for header checks).

pytest fixtures: ``backend_factory`` (function-scoped; call it like the `Backend` constructor, every
backend it made is stopped at teardown) and ``loopback_ip`` (a function that returns a fresh
127.x.y.z address on each call, so tests do not collide on ports).
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import os
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

MODES = ("ok", "error", "hang")

# Second octet derived from the pid, so parallel pytest processes (xdist) pick distinct addresses.
_IP_COUNTER = itertools.count(1)
_IP_LOCK = threading.Lock()


def next_loopback_ip() -> str:
    """A fresh 127.x.y.z address (every 127/8 address is local on Linux, no setup needed)."""
    with _IP_LOCK:
        n = next(_IP_COUNTER)
    second = 100 + os.getpid() % 100
    return f"127.{second}.{(n // 250) % 250 + 1}.{n % 250 + 1}"


_CERT_LOCK = threading.Lock()
_CERT_FILES: tuple[str, str] | None = None


def _self_signed_cert() -> tuple[str, str]:
    """Write (once per process) a throwaway self-signed certificate and key, return their paths."""
    global _CERT_FILES
    with _CERT_LOCK:
        if _CERT_FILES is not None:
            return _CERT_FILES
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-backend")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256())
        )
        tmp = tempfile.mkdtemp(prefix="backend-tls-")
        cert_path, key_path = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        with open(cert_path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(key_path, "wb") as f:
            f.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        _CERT_FILES = (cert_path, key_path)
        return _CERT_FILES


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    time: float = 0.0


class Backend:
    """A switchable HTTP / raw-TCP server on a loopback address (see the module docstring)."""

    def __init__(
        self,
        host: str | None = None,
        port: int = 0,
        *,
        name: str | None = None,
        tls: bool = False,
        raw: bool = False,
        expect: bytes = b"",
        reply: bytes = b"OK",
        mode: str = "ok",
        start: bool = True,
    ) -> None:
        self.host = host or next_loopback_ip()
        self.port = port
        self.name = name or f"{self.host}:{port}"
        self.tls = tls
        self.raw = raw
        self.expect = expect
        self.reply = reply
        self._mode = mode
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self.connections = 0
        self.hits = 0
        self.requests: list[SeenRequest] = []
        self._ssl_ctx: ssl.SSLContext | None = None
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*_self_signed_cert())
            self._ssl_ctx = ctx
        if start:
            self.start()

    # -- control -----------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self._mode = mode

    @property
    def running(self) -> bool:
        return self._sock is not None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def start(self) -> Backend:
        if self._sock is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.settimeout(0.05)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._stop_event = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, args=(sock, self._stop_event), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listener and every open connection: new connects are refused."""
        sock, self._sock = self._sock, None
        self._stop_event.set()
        if sock is not None:
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for c in conns:
            with contextlib.suppress(OSError):
                c.close()

    def reset_counters(self) -> None:
        with self._lock:
            self.connections = 0
            self.hits = 0
            self.requests = []

    def wait_for(self, predicate: Callable[[Backend], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.005)
        return predicate(self)

    def __repr__(self) -> str:
        return f"Backend({self.name!r}, {self.host}:{self.port}, mode={self._mode}, running={self.running})"

    # -- serving -----------------------------------------------------------------------------------
    def _accept_loop(self, sock: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.add(conn)
            threading.Thread(target=self._serve_conn, args=(conn, stop), daemon=True).start()

    def _serve_conn(self, conn: socket.socket, stop: threading.Event) -> None:
        try:
            conn.settimeout(5)
            if self._ssl_ctx is not None:
                conn = self._ssl_ctx.wrap_socket(conn, server_side=True)
            if self.raw:
                self._serve_raw(conn, stop)
            else:
                self._serve_http(conn, stop)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def _hang(self, conn: socket.socket, stop: threading.Event) -> None:
        """Hold the connection open, silently, until the client or the backend gives up."""
        conn.settimeout(0.05)
        while not stop.is_set():
            try:
                if conn.recv(4096) == b"":
                    return
            except TimeoutError:
                continue

    def _serve_raw(self, conn: socket.socket, stop: threading.Event) -> None:
        data = b""
        if self.expect:
            while self.expect not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return  # a plain TCP probe: connect and close
                data += chunk
        with self._lock:
            self.hits += 1
        mode = self._mode
        if mode == "hang":
            self._hang(conn, stop)
            return
        conn.sendall(self.reply if mode == "ok" else b"ERROR")

    def _serve_http(self, conn: socket.socket, stop: threading.Event) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return  # a TCP monitor connects and closes without a request
            data += chunk
            if len(data) > 65536:
                return
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        method, path = (parts[0], parts[1]) if len(parts) >= 2 else (parts[0], "/")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        with self._lock:
            self.hits += 1
            self.requests.append(SeenRequest(method, path, headers, time.monotonic()))
        mode = self._mode
        if mode == "hang":
            self._hang(conn, stop)
            return
        status, reason = (200, "OK") if mode == "ok" else (500, "Internal Server Error")
        body = f"{'OK' if mode == 'ok' else 'ERROR'} {self.name}\n".encode()
        if method == "HEAD":
            payload = b""
        else:
            payload = body
        conn.sendall(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
            f"X-Backend: {self.name}\r\nConnection: close\r\n\r\n".encode()
            + payload
        )


@pytest.fixture
def loopback_ip() -> Callable[[], str]:
    return next_loopback_ip


@pytest.fixture
def backend_factory() -> Iterator[Callable[..., Backend]]:
    made: list[Backend] = []

    def make(*args: object, **kwargs: object) -> Backend:
        b = Backend(*args, **kwargs)  # type: ignore[arg-type]
        made.append(b)
        return b

    yield make
    for b in made:
        b.stop()
