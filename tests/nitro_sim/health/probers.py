"""The probers: one probe of a monitor type against an address, answering a ProbeResult with the message the
appliance shows in `lastresponse`. TCP, HTTP/HTTPS, HTTP-ECV and TCP-ECV here; PING in icmp.py; every other
type is a TCP connect (TLS with `secure YES`)."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Sequence

from .icmp import probe_ping
from .sockets import AllowList, exchange, open_or_fail
from .spec import MonitorSpec, ProbeResult


def respcode_matches(code: int, respcodes: Sequence[str]) -> bool:
    """`respcode` entries are single codes ("200") or ranges ("200-299") (CLI reference "add lb monitor", respCode)."""
    for raw in respcodes:
        entry = str(raw).strip()
        if "-" in entry:
            lo, _, hi = entry.partition("-")
            with contextlib.suppress(ValueError):
                if int(lo) <= code <= int(hi):
                    return True
        elif entry.isdigit() and int(entry) == code:
            return True
    return False


def _decode_escapes(text: str) -> str:
    # NetScaler CLI strings carry \r\n as escapes; NITRO clients send either form.
    return text.replace("\\r", "\r").replace("\\n", "\n")


def _http_request_bytes(request_line: str, host: str, customheaders: str | None) -> bytes:
    line = request_line.strip() or "HEAD /"
    if not re.search(r"HTTP/\d", line):
        line += " HTTP/1.1"
    headers = f"Host: {host}\r\n"
    if customheaders:
        extra = _decode_escapes(customheaders).strip("\r\n")
        if extra:
            headers += "\r\n".join(h.strip() for h in re.split(r"\r?\n", extra) if h.strip()) + "\r\n"
    return f"{line}\r\n{headers}Connection: close\r\n\r\n".encode("latin-1")


def _http_complete(data: bytes) -> bool:
    if b"\r\n\r\n" not in data:
        return False
    head, body = data.split(b"\r\n\r\n", 1)
    m = re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE)
    return m is None or len(body) >= int(m.group(1))


def probe_tcp(ip: str, port: int, timeout: float, secure: bool = False) -> ProbeResult:
    start = time.monotonic()
    sock = open_or_fail(ip, port, start + timeout, secure)
    if isinstance(sock, ProbeResult):
        return sock
    sock.close()
    ms = (time.monotonic() - start) * 1000
    return ProbeResult(True, "Success - TCP syn+ack received.", ms)


def probe_http(spec: MonitorSpec, ip: str, port: int, timeout: float) -> ProbeResult:
    """HTTP: send `httprequest` + `customheaders`, UP when the status is in `respcode`.

    HTTP-ECV: send `send` (a request line) and look for `recv` in the response; the status is not checked.
    """
    start = time.monotonic()
    deadline = start + timeout
    ecv = spec.type == "HTTP-ECV"
    request_line = (spec.send if ecv else spec.httprequest) or ("GET /" if ecv else "HEAD /")
    sock = open_or_fail(ip, port, deadline, spec.secure)
    if isinstance(sock, ProbeResult):
        return sock
    head_only = request_line.strip().upper().startswith("HEAD")
    data = exchange(sock, _http_request_bytes(request_line, ip, spec.customheaders), deadline,
                    (lambda d: b"\r\n\r\n" in d) if head_only else _http_complete,
                    "Failure - Time out during HTTP response stage")  # fmt: skip
    if isinstance(data, ProbeResult):
        return data
    ms = (time.monotonic() - start) * 1000
    m = re.match(rb"HTTP/\d(?:\.\d)? (\d{3})", data)
    if not m:
        return ProbeResult(False, "Failure - Invalid HTTP response received.", ms)
    code = int(m.group(1))
    if ecv:
        if spec.recv and spec.recv.encode("latin-1") not in data:
            return ProbeResult(False, "Failure - Pattern not found in response.", ms)
        return ProbeResult(True, "Success - Pattern found in response.", ms)
    if respcode_matches(code, spec.respcode):
        return ProbeResult(True, f"Success - HTTP response code {code} received.", ms)
    return ProbeResult(False, f"Failure - HTTP response code {code} received.", ms)


def probe_tcp_ecv(spec: MonitorSpec, ip: str, port: int, timeout: float) -> ProbeResult:
    """TCP-ECV: send `send`, UP when `recv` appears in the answer (no `recv`: connecting is enough)."""
    start = time.monotonic()
    deadline = start + timeout
    sock = open_or_fail(ip, port, deadline, spec.secure)
    if isinstance(sock, ProbeResult):
        return sock
    expect = _decode_escapes(spec.recv or "").encode("latin-1")
    request = _decode_escapes(spec.send or "").encode("latin-1")
    data = exchange(sock, request, deadline, (lambda d: expect in d) if expect else None,
                    "Failure - Time out waiting for the response.")  # fmt: skip
    if isinstance(data, ProbeResult):
        return data
    ms = (time.monotonic() - start) * 1000
    if not expect:
        return ProbeResult(True, "Success - TCP syn+ack received.", ms)
    if expect in data:
        return ProbeResult(True, "Success - Pattern found in response.", ms)
    return ProbeResult(False, "Failure - Pattern not found in response.", ms)


def run_probe(spec: MonitorSpec, ip: str, port: int, timeout: float, allow: AllowList) -> ProbeResult:
    """One probe of `spec` against the service address (ip, port); `destip`/`destport` win; `reverse` inverts."""
    target_ip = spec.destip or ip
    target_port = port if spec.type == "PING" else (spec.destport or port)
    if not allow.allows(target_ip):
        return ProbeResult(False, f"Failure - {target_ip} is outside the simulator's probe allow-list.")
        # Nothing was sent, so reverse does not turn this into a success.
    mtype = spec.type
    if mtype == "PING":
        result = probe_ping(target_ip, target_port, timeout)
    elif mtype in ("HTTP", "HTTP-ECV"):
        result = probe_http(spec, target_ip, target_port, timeout)
    elif mtype == "TCP-ECV":
        result = probe_tcp_ecv(spec, target_ip, target_port, timeout)
    else:
        # TCP and every type the simulator does not model in detail: a TCP connect (TLS with secure YES).
        result = probe_tcp(target_ip, target_port, timeout, spec.secure)
    if spec.reverse:
        return ProbeResult(not result.ok, f"{result.message} (reverse)", result.response_time_ms)
    return result
