"""Sockets for the probers and the data plane: the allow-list of networks they may contact, connecting with a
deadline (TLS without certificate checks, as monitors do) and reading until a condition holds."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..runtime import DEFAULT_ALLOW
from .spec import ProbeResult


class AllowList:
    """The addresses probes (and the data plane) may contact; outside it a probe sends nothing and fails."""

    def __init__(self, cidrs: Iterable[str] = DEFAULT_ALLOW) -> None:
        self.networks = [ipaddress.ip_network(c, strict=False) for c in cidrs]

    def allows(self, ip: str) -> bool:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr.version == n.version and addr in n for n in self.networks)


def connect(ip: str, port: int, deadline: float, secure: bool) -> socket.socket:
    remaining = max(deadline - time.monotonic(), 0.001)
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(remaining)
    try:
        sock.connect((ip, port))
        if secure:
            # Monitors do not validate the server certificate (the appliance does not either).
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock = ctx.wrap_socket(sock)
    except BaseException:
        sock.close()
        raise
    return sock


def recv_until(sock: socket.socket, deadline: float, done: Callable[[bytes], bool], limit: int = 1 << 20) -> bytes:
    data = b""
    while not done(data) and len(data) < limit:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def open_or_fail(ip: str, port: int, deadline: float, secure: bool) -> socket.socket | ProbeResult:
    """A connected socket, or the failed ProbeResult that says why not (the monitor messages of the appliance)."""
    try:
        return connect(ip, port, deadline, secure)
    except ConnectionRefusedError:
        return ProbeResult(False, "Failure - TCP syn sent, reset received.")
    except TimeoutError:
        return ProbeResult(False, "Failure - Time out during TCP connection establishment stage")
    except (OSError, ssl.SSLError) as exc:
        return ProbeResult(False, f"Failure - {exc.__class__.__name__}: {exc}")


def exchange(
    sock: socket.socket, request: bytes, deadline: float, done: Any, timeout_message: str
) -> bytes | ProbeResult:
    """Send ``request`` (when not empty) and read until ``done(data)`` (None: read nothing), then close the
    socket; a failure answers the failed ProbeResult."""
    try:
        if request:
            sock.sendall(request)
        return recv_until(sock, deadline, done) if done is not None else b""
    except TimeoutError:
        return ProbeResult(False, timeout_message)
    except (OSError, ssl.SSLError) as exc:
        return ProbeResult(False, f"Failure - {exc.__class__.__name__}: {exc}")
    finally:
        sock.close()
