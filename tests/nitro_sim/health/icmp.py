"""PING: a real ICMP echo over a ping socket (or a raw socket as root), with a TCP stand-in where neither may be
opened."""

from __future__ import annotations

import itertools
import os
import socket
import struct
import time

from .sockets import connect
from .spec import ProbeResult

_ICMP_IDS = itertools.count(os.getpid() & 0x7FFF)


def _icmp_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _icmp_echo(ip: str, timeout: float) -> ProbeResult | None:
    """One ICMP echo over a ping socket or a raw socket; None when neither may be opened."""
    ident = next(_ICMP_IDS) & 0xFFFF
    payload = b"nitro-sim-ping"
    for kind in (socket.SOCK_DGRAM, socket.SOCK_RAW):
        try:
            sock = socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP)
        except OSError:
            continue
        start = time.monotonic()
        deadline = start + timeout
        try:
            header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
            packet = struct.pack("!BBHHH", 8, 0, _icmp_checksum(header + payload), ident, 1) + payload
            sock.sendto(packet, (ip, 0))
            while True:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                data, addr = sock.recvfrom(65536)
                if kind == socket.SOCK_RAW:
                    data = data[(data[0] & 0x0F) * 4 :]  # strip the IP header
                if len(data) < 8 or addr[0] != ip:
                    continue
                icmp_type, _, _, rid, _ = struct.unpack("!BBHHH", data[:8])
                # A ping socket rewrites the identifier, the kernel matches the reply for us.
                if icmp_type == 0 and (kind == socket.SOCK_DGRAM or rid == ident):
                    ms = (time.monotonic() - start) * 1000
                    return ProbeResult(True, "Success - ICMP echo reply received.", ms)
        except TimeoutError:
            return ProbeResult(False, "Failure - Probe timed out.")
        except OSError as exc:
            return ProbeResult(False, f"Failure - ICMP: {exc}")
        finally:
            sock.close()
    return None


def probe_ping(ip: str, port: int, timeout: float) -> ProbeResult:
    """PING: a real ICMP echo; where no ICMP socket is allowed, a TCP connect stands in for it.

    Fallback semantics (documented in README-behaviour.md): "connection refused" proves the host is
    alive (its stack answered with RST), so it counts as success; a timeout or "host unreachable"
    counts as failure. IPv6 targets always use the fallback.
    """
    if ":" not in ip:
        result = _icmp_echo(ip, timeout)
        if result is not None:
            return result
    start = time.monotonic()
    try:
        sock = connect(ip, port if 0 < port < 65535 else 7, start + timeout, False)
        sock.close()
    except ConnectionRefusedError:
        pass
    except TimeoutError:
        return ProbeResult(False, "Failure - Probe timed out (TCP fallback for PING).")
    except OSError as exc:
        return ProbeResult(False, f"Failure - {exc} (TCP fallback for PING).")
    ms = (time.monotonic() - start) * 1000
    return ProbeResult(True, "Success - host answered (TCP fallback for PING).", ms)
