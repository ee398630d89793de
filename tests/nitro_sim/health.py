"""Real health probing for the NITRO simulator: probers, per-binding state machine, scheduler, engine.

The `HealthEngine` implements the runtime health hook of `tests.nitro_sim.runtime` (service_state,
member_state, monitor_binding_info, config_changed, start, stop, set_time_scale). It probes every
(service or servicegroup member) x (bound or default monitor) pair against the real address, from one
scheduler thread with a heap of due probes and a small worker pool, so 1,000 services never means
1,000 threads.

Semantics (healthcheck_and_style.md A3, after CTX132937 and the JAVA-SDK lbmonitor javadoc):
- a probe fails when no valid answer arrives within `resptimeout` (+units4);
- UP -> DOWN after `retries` consecutive failures, or, when `failureretries` F > 0, when F of the last
  `retries` probes failed;
- a DOWN binding is probed again after `downtime` (+units2) and comes UP after `successretries`
  consecutive successes (while it is collecting them the next probe follows after `interval`);
- probes run every `interval` (+units3);
- a service is DOWN if any of its enabled monitor bindings is DOWN (`weight`/`monthreshold` are ignored:
  with the appliance defaults, threshold 0 and weight 1, that is the same rule);
- `healthmonitor NO` keeps the service UP (nitro_api.md §2.2); a disabled service is OUT OF SERVICE and
  not probed; a disabled monitor (`state`) or binding (`monstate`) is not probed and not considered
  (healthcheck_and_style.md A3: "a bound monitor's state is not considered").
- A new binding starts UP (optimistic), so configuration-only tests see the same states as with
  `StaticHealth`; the appliance shows a fresh service DOWN until its first probe answers.

Network rule: a probe to an address outside the allow-list (default 127.0.0.0/8 and ::1) sends
nothing and counts as a failed probe.

Time scale: interval, resptimeout and downtime are multiplied by the factor when a probe is scheduled
(the configuration keeps the real values); socket timeouts have a floor (`TIMEOUT_FLOOR`) so loopback
handshakes on a busy machine do not fail spuriously.
"""

from __future__ import annotations

import contextlib
import heapq
import ipaddress
import itertools
import os
import re
import socket
import ssl
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from .stats import TrafficCounters

DEFAULT_ALLOW = ("127.0.0.0/8", "::1/128")
TIMEOUT_FLOOR = 0.25  # seconds; a scaled resptimeout never goes below this
DELAY_FLOOR = 0.002  # seconds; a scaled interval/downtime never goes below this
HISTORY_LEN = 256  # probe results kept per binding, for tests and debugging

UNIT_SECONDS = {"SEC": 1.0, "MSEC": 0.001, "MIN": 60.0}

# Built-in monitors the appliance binds by default (nitro_api.md §2.6); their timers are the lbmonitor
# defaults (healthcheck_and_style.md A3).
BUILTIN_MONITORS: dict[str, dict[str, Any]] = {
    "tcp-default": {"monitorname": "tcp-default", "type": "TCP"},
    "ping-default": {"monitorname": "ping-default", "type": "PING"},
    "ping": {"monitorname": "ping", "type": "PING"},
    "tcp": {"monitorname": "tcp", "type": "TCP"},
    "http": {"monitorname": "http", "type": "HTTP", "httprequest": "HEAD /"},
    "https": {"monitorname": "https", "type": "HTTP", "httprequest": "HEAD /", "secure": "YES"},
    "default-path-monitor": {"monitorname": "default-path-monitor", "type": "PING"},
}


# ---------------------------------------------------------------------------------------------------
# Monitor specification
# ---------------------------------------------------------------------------------------------------
def _yes(value: Any) -> bool:
    return str(value).upper() in ("YES", "TRUE", "ENABLED", "1")


def _num(value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _seconds(value: Any, units: Any, default: float) -> float:
    return _num(value, default) * UNIT_SECONDS.get(str(units or "SEC").upper(), 1.0)


def _time(attrs: dict[str, Any], name: str, units: str, default: float) -> float:
    # The appliance accessor adds `<name>_ms`, already resolved against the unit.
    if attrs.get(f"{name}_ms") not in (None, ""):
        return _num(attrs[f"{name}_ms"], default * 1000) / 1000
    return _seconds(attrs.get(name), attrs.get(units), default)


@dataclass(frozen=True)
class MonitorSpec:
    """What a prober needs from an lbmonitor, with all times in real (unscaled) seconds."""

    name: str
    type: str = "TCP"
    interval: float = 5.0
    resptimeout: float = 2.0
    downtime: float = 30.0
    retries: int = 3
    failureretries: int = 0
    successretries: int = 1
    httprequest: str | None = None
    respcode: tuple[str, ...] = ("200",)
    customheaders: str | None = None
    send: str | None = None
    recv: str | None = None
    secure: bool = False
    reverse: bool = False
    destip: str | None = None
    destport: int | None = None
    enabled: bool = True

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any]) -> MonitorSpec:
        """Build from an lbmonitor as stored or rendered by the simulator (strings or ints, units)."""
        name = str(attrs.get("monitorname") or attrs.get("name") or "")
        base = dict(BUILTIN_MONITORS.get(name, {}))
        base.update({k: v for k, v in attrs.items() if v is not None})
        respcode = base.get("respcode") or ["200"]
        if isinstance(respcode, str):
            respcode = [respcode]
        destip = str(base.get("destip") or "")
        destport = int(_num(base.get("destport"), 0))
        return cls(
            name=name,
            type=str(base.get("type") or "TCP").upper(),
            interval=_time(base, "interval", "units3", 5),
            resptimeout=_time(base, "resptimeout", "units4", 2),
            downtime=_time(base, "downtime", "units2", 30),
            retries=max(1, int(_num(base.get("retries"), 3))),
            failureretries=max(0, int(_num(base.get("failureretries"), 0))),
            successretries=max(1, int(_num(base.get("successretries"), 1))),
            httprequest=base.get("httprequest"),
            respcode=tuple(str(c) for c in respcode),
            customheaders=base.get("customheaders"),
            send=base.get("send"),
            recv=base.get("recv"),
            secure=_yes(base.get("secure", "NO")),
            reverse=_yes(base.get("reverse", "NO")),
            destip=destip if destip not in ("", "0", "0.0.0.0") else None,
            destport=destport or None,
            enabled=str(base.get("state", "ENABLED")).upper() != "DISABLED",
        )


# ---------------------------------------------------------------------------------------------------
# Probers
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str
    response_time_ms: float = 0.0


class AllowList:
    """The addresses probes (and the data plane) may contact; see common.md network rule."""

    def __init__(self, cidrs: Iterable[str] = DEFAULT_ALLOW) -> None:
        self.networks = [ipaddress.ip_network(c, strict=False) for c in cidrs]

    def allows(self, ip: str) -> bool:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr.version == n.version and addr in n for n in self.networks)


def respcode_matches(code: int, respcodes: Sequence[str]) -> bool:
    """`respcode` entries are single codes ("200") or ranges ("200-299") (nitro_api.md §2.5)."""
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


def _connect(ip: str, port: int, deadline: float, secure: bool) -> socket.socket:
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


def _recv_until(sock: socket.socket, deadline: float, done: Callable[[bytes], bool], limit: int = 1 << 20) -> bytes:
    data = b""
    while not done(data) and len(data) < limit:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


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
    try:
        sock = _connect(ip, port, start + timeout, secure)
    except ConnectionRefusedError:
        return ProbeResult(False, "Failure - TCP syn sent, reset received.")
    except TimeoutError:
        return ProbeResult(False, "Failure - Time out during TCP connection establishment stage")
    except (OSError, ssl.SSLError) as exc:
        return ProbeResult(False, f"Failure - {exc.__class__.__name__}: {exc}")
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
    try:
        sock = _connect(ip, port, deadline, spec.secure)
    except ConnectionRefusedError:
        return ProbeResult(False, "Failure - TCP syn sent, reset received.")
    except TimeoutError:
        return ProbeResult(False, "Failure - Time out during TCP connection establishment stage")
    except (OSError, ssl.SSLError) as exc:
        return ProbeResult(False, f"Failure - {exc.__class__.__name__}: {exc}")
    try:
        sock.sendall(_http_request_bytes(request_line, ip, spec.customheaders))
        head_only = request_line.strip().upper().startswith("HEAD")
        data = _recv_until(sock, deadline, (lambda d: b"\r\n\r\n" in d) if head_only else _http_complete)
    except TimeoutError:
        return ProbeResult(False, "Failure - Time out during HTTP response stage")
    except (OSError, ssl.SSLError) as exc:
        return ProbeResult(False, f"Failure - {exc.__class__.__name__}: {exc}")
    finally:
        sock.close()
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
    try:
        sock = _connect(ip, port, deadline, spec.secure)
    except ConnectionRefusedError:
        return ProbeResult(False, "Failure - TCP syn sent, reset received.")
    except TimeoutError:
        return ProbeResult(False, "Failure - Time out during TCP connection establishment stage")
    except (OSError, ssl.SSLError) as exc:
        return ProbeResult(False, f"Failure - {exc.__class__.__name__}: {exc}")
    expect = _decode_escapes(spec.recv or "").encode("latin-1")
    try:
        if spec.send:
            sock.sendall(_decode_escapes(spec.send).encode("latin-1"))
        if not expect:
            return ProbeResult(True, "Success - TCP syn+ack received.", (time.monotonic() - start) * 1000)
        data = _recv_until(sock, deadline, lambda d: expect in d)
    except TimeoutError:
        return ProbeResult(False, "Failure - Time out waiting for the response.")
    except (OSError, ssl.SSLError) as exc:
        return ProbeResult(False, f"Failure - {exc.__class__.__name__}: {exc}")
    finally:
        sock.close()
    ms = (time.monotonic() - start) * 1000
    if expect in data:
        return ProbeResult(True, "Success - Pattern found in response.", ms)
    return ProbeResult(False, "Failure - Pattern not found in response.", ms)


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
        sock = _connect(ip, port if 0 < port < 65535 else 7, start + timeout, False)
        sock.close()
    except ConnectionRefusedError:
        pass
    except TimeoutError:
        return ProbeResult(False, "Failure - Probe timed out (TCP fallback for PING).")
    except OSError as exc:
        return ProbeResult(False, f"Failure - {exc} (TCP fallback for PING).")
    ms = (time.monotonic() - start) * 1000
    return ProbeResult(True, "Success - host answered (TCP fallback for PING).", ms)


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


# ---------------------------------------------------------------------------------------------------
# State machine
# ---------------------------------------------------------------------------------------------------
@dataclass
class BindingState:
    """Health of one (service or member) x monitor binding."""

    spec: MonitorSpec
    ip: str
    port: int
    state: str = "UP"
    window: deque[bool] = field(default_factory=deque)
    fail_streak: int = 0
    success_streak: int = 0
    totalprobes: int = 0
    failedprobes: int = 0
    lastresponse: str = "Probe not sent yet."
    responsetime_ms: float = 0.0
    probe: bool = True  # False: bound but not probed (monstate or monitor state DISABLED)
    in_flight: bool = False
    token: int = 0
    history: deque[tuple[bool, str]] = field(default_factory=lambda: deque(maxlen=HISTORY_LEN))

    def record(self, result: ProbeResult) -> bool:
        """Apply one probe result; return True when the state flipped."""
        ok = result.ok
        spec = self.spec
        self.totalprobes += 1
        if not ok:
            self.failedprobes += 1
        self.lastresponse = result.message
        self.responsetime_ms = result.response_time_ms
        flipped = False
        if ok:
            self.fail_streak = 0
            self.success_streak += 1
        else:
            self.success_streak = 0
            self.fail_streak += 1
        if self.state == "UP":
            self.window.append(ok)
            while len(self.window) > spec.retries:
                self.window.popleft()
            if spec.failureretries > 0:
                down = sum(1 for x in self.window if not x) >= min(spec.failureretries, spec.retries)
            else:
                down = self.fail_streak >= spec.retries
            if down:
                self.state = "DOWN"
                self.window.clear()
                self.success_streak = 0
                flipped = True
        elif ok and self.success_streak >= spec.successretries:
            self.state = "UP"
            self.window.clear()
            self.fail_streak = 0
            flipped = True
        self.history.append((ok, self.state))
        return flipped

    def next_delay(self) -> float:
        """Real seconds until the next probe: `downtime` after a failure while DOWN, else `interval`."""
        if self.state == "DOWN" and self.success_streak == 0:
            return self.spec.downtime
        return self.spec.interval


# ---------------------------------------------------------------------------------------------------
# Scheduler: one thread, a heap of due probes, a small worker pool
# ---------------------------------------------------------------------------------------------------
class Scheduler:
    def __init__(self, fire: Callable[[Any, int], None], workers: int = 8, idle: Callable[[], None] | None = None):
        self._fire = fire
        self._idle = idle
        self._heap: list[tuple[float, int, Any, int]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop = False
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="nitro-sim-probe")
        self._thread = threading.Thread(target=self._run, name="nitro-sim-health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._heap.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def schedule(self, key: Any, token: int, delay: float) -> None:
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), key, token))
            self._cond.notify()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify()

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()

    def _run(self) -> None:
        while True:
            if self._idle is not None:
                # The engine must survive a bad configuration snapshot.
                with contextlib.suppress(Exception):
                    self._idle()
            with self._cond:
                if self._stop:
                    return
                now = time.monotonic()
                due: list[tuple[Any, int]] = []
                while self._heap and self._heap[0][0] <= now:
                    _, _, key, token = heapq.heappop(self._heap)
                    due.append((key, token))
                if not due:
                    wait = self._heap[0][0] - now if self._heap else 0.5
                    self._cond.wait(timeout=min(wait, 0.5))
                    continue
            pool = self._pool
            if pool is None:
                return
            for key, token in due:
                try:
                    pool.submit(self._fire, key, token)
                except RuntimeError:  # pool shut down under us
                    return


# ---------------------------------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbeTarget:
    """One thing to probe: `owner` is ("service", name) or ("member", servicegroup, member_key)."""

    owner: tuple[str, ...]
    monitor: str
    ip: str
    port: int
    spec: MonitorSpec
    probe: bool = True  # False: bound but not probed (binding monstate DISABLED, monitor state DISABLED)

    @property
    def key(self) -> tuple[Any, ...]:
        return (*self.owner, self.monitor)


@dataclass(frozen=True)
class OwnerInfo:
    disabled: bool = False  # service / member / server disabled -> OUT OF SERVICE
    healthmonitor: bool = True  # healthmonitor NO -> always UP


@dataclass
class Snapshot:
    owners: dict[tuple[str, ...], OwnerInfo]
    targets: list[ProbeTarget]


class TargetSource(Protocol):
    """What the engine needs from the appliance (see `ApplianceSource` in this module)."""

    lock: Any

    def snapshot(self) -> Snapshot: ...


class HealthEngine:
    """Runtime health hook with real probes (see the module docstring)."""

    def __init__(
        self,
        source: TargetSource,
        *,
        time_scale: float = 1.0,
        probe_allow: Iterable[str] = DEFAULT_ALLOW,
        workers: int = 8,
        prober: Callable[[MonitorSpec, str, int, float, AllowList], ProbeResult] = run_probe,
        timeout_floor: float = TIMEOUT_FLOOR,
    ) -> None:
        self.source = source
        self.time_scale = float(time_scale)
        self.allow = AllowList(probe_allow)
        self.timeout_floor = timeout_floor
        self._prober = prober
        self._lock = threading.RLock()
        self._owners: dict[tuple[str, ...], OwnerInfo] = {}
        self._bindings: dict[tuple[Any, ...], BindingState] = {}
        self._by_owner: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        self._dirty = True
        self._tokens = itertools.count(1)
        self._scheduler = Scheduler(self._fire, workers=workers, idle=self._idle_sync)
        self.transitions: deque[tuple[float, tuple[Any, ...], str, int, int]] = deque(maxlen=10000)
        self.counters = TrafficCounters()  # hit counters for the stat endpoints (moved by the data plane)
        self.dataplane: Any = None  # dataplane.DataPlane while enabled
        self.dataplane_default = False  # state restored by reset() (NITRO_SIM_DATAPLANE=1 sets it)

    # -- runtime hook -------------------------------------------------------------------------------
    def start(self) -> None:
        self._scheduler.start()
        self._dirty = True
        self._scheduler.wake()
        if self.dataplane_default:
            self.enable_dataplane(True)

    def stop(self) -> None:
        self.enable_dataplane(False)
        self._scheduler.stop()

    def enable_dataplane(self, on: bool = True, *, join: bool = True) -> Any:
        """Start or stop the optional data plane (dataplane.py); returns it while enabled."""
        if on and self.dataplane is None:
            from .dataplane import DataPlane

            appliance = getattr(self.source, "appliance", None)
            if appliance is None:
                raise RuntimeError("the data plane needs the simulator's appliance as the target source")
            self.dataplane = DataPlane(appliance, self.counters, self.allow)
            self.dataplane.start()
        elif not on and self.dataplane is not None:
            plane, self.dataplane = self.dataplane, None
            plane.stop(join=join)
        return self.dataplane

    def reset(self) -> None:
        """Forget every runtime state (the appliance configuration was reset)."""
        # Called under the appliance lock: do not wait for the data plane thread, it may be waiting for that lock.
        if self.dataplane is not None and not self.dataplane_default:
            self.enable_dataplane(False, join=False)
        with self._lock:
            self._bindings.clear()
            self._by_owner.clear()
            self._owners.clear()
            self.transitions.clear()
            self.counters.reset()
            self._dirty = True
        self._scheduler.clear()
        self._scheduler.wake()

    def set_time_scale(self, factor: float) -> None:
        if factor <= 0:
            raise ValueError("time scale must be > 0")
        with self._lock:
            self.time_scale = float(factor)
            # Reschedule idle bindings so a shrunk scale takes effect now, not after the old delay.
            for key, b in self._bindings.items():
                if not b.in_flight and self._probed(key):
                    b.token = next(self._tokens)
                    self._scheduler.schedule(key, b.token, self._scaled(b.next_delay()))

    def config_changed(self) -> None:
        # Called under the appliance lock after every write, possibly once per item of a bulk call:
        # only flag it; the snapshot is taken lazily (next query or the scheduler's next turn).
        self._dirty = True
        self._scheduler.wake()

    def service_state(self, service_name: str) -> str:
        return self._owner_state(("service", service_name))

    def member_state(self, servicegroup: str, member_key: Any) -> str:
        return self._owner_state(("member", servicegroup, _member_key(member_key)))

    def monitor_binding_info(self, service_name: str, monitor_name: str) -> dict[str, Any]:
        return self._binding_info(("service", service_name, monitor_name))

    def member_monitor_info(self, servicegroup: str, member_key: Any, monitor_name: str) -> dict[str, Any]:
        return self._binding_info(("member", servicegroup, _member_key(member_key), monitor_name))

    # -- inspection for tests -----------------------------------------------------------------------
    def binding(self, owner: tuple[str, ...], monitor: str) -> BindingState | None:
        self.sync()
        with self._lock:
            return self._bindings.get((*owner, monitor))

    def bindings(self) -> dict[tuple[Any, ...], BindingState]:
        self.sync()
        with self._lock:
            return dict(self._bindings)

    # -- internals ----------------------------------------------------------------------------------
    def _scaled(self, seconds: float) -> float:
        return max(seconds * self.time_scale, DELAY_FLOOR)

    def _probe_timeout(self, spec: MonitorSpec) -> float:
        return max(spec.resptimeout * self.time_scale, self.timeout_floor)

    def _probed(self, key: tuple[Any, ...]) -> bool:
        b = self._bindings.get(key)
        if b is None:
            return False
        owner = self._owners.get(key[:-1], OwnerInfo())
        return b.probe and b.spec.enabled and not owner.disabled and owner.healthmonitor

    def _idle_sync(self) -> None:
        if self._dirty:
            self.sync()

    def sync(self) -> None:
        """Bring the binding table in line with the configuration, if it changed."""
        if not self._dirty:
            return
        with self.source.lock:  # lock order: appliance, then engine
            if not self._dirty:
                return
            self._dirty = False
            snap = self.source.snapshot()
            with self._lock:
                self._apply(snap)

    def _apply(self, snap: Snapshot) -> None:
        was_probed = {key for key in self._bindings if self._probed(key)}
        self._owners = dict(snap.owners)
        seen: dict[tuple[Any, ...], ProbeTarget] = {t.key: t for t in snap.targets}
        for key in list(self._bindings):
            if key not in seen:
                del self._bindings[key]
        by_owner: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for key, t in seen.items():
            by_owner.setdefault(t.owner, []).append(key)
            b = self._bindings.get(key)
            if b is None:
                b = BindingState(spec=t.spec, ip=t.ip, port=t.port, probe=t.probe)
                self._bindings[key] = b
                if self._probed(key) and self._scheduler.running:
                    b.token = next(self._tokens)
                    self._scheduler.schedule(key, b.token, 0)
                continue
            b.spec, b.ip, b.port, b.probe = t.spec, t.ip, t.port, t.probe
            if self._probed(key) and key not in was_probed and not b.in_flight and self._scheduler.running:
                b.token = next(self._tokens)
                self._scheduler.schedule(key, b.token, 0)
        self._by_owner = by_owner

    def _fire(self, key: tuple[Any, ...], token: int) -> None:
        with self._lock:
            b = self._bindings.get(key)
            if b is None or b.token != token or b.in_flight or not self._probed(key):
                return
            b.in_flight = True
            spec, ip, port = b.spec, b.ip, b.port
            timeout = self._probe_timeout(spec)
        try:
            result = self._prober(spec, ip, port, timeout, self.allow)
        except Exception as exc:  # a prober bug must not kill the scheduler
            result = ProbeResult(False, f"Failure - internal prober error: {exc}")
        with self._lock:
            b.in_flight = False
            if self._bindings.get(key) is not b:
                return  # unbound or reset while the probe was running
            if b.spec != spec or b.ip != ip or b.port != port:
                # The monitor or the address changed while probing: the result says nothing about the new target.
                b.token = next(self._tokens)
                self._scheduler.schedule(key, b.token, 0)
                return
            if b.record(result):
                self.transitions.append((time.monotonic(), key, b.state, b.totalprobes, b.failedprobes))
            if self._probed(key):
                b.token = next(self._tokens)
                self._scheduler.schedule(key, b.token, self._scaled(b.next_delay()))

    def _owner_state(self, owner: tuple[str, ...]) -> str:
        self.sync()
        with self._lock:
            info = self._owners.get(owner)
            if info is None:
                return "UP"  # unknown to the engine (not a configured service): neutral answer
            if info.disabled:
                return "OUT OF SERVICE"
            if not info.healthmonitor:
                return "UP"
            for key in self._by_owner.get(owner, ()):
                b = self._bindings[key]
                if self._probed(key) and b.state == "DOWN":
                    return "DOWN"
            return "UP"

    def _binding_info(self, key: tuple[Any, ...]) -> dict[str, Any]:
        self.sync()
        with self._lock:
            b = self._bindings.get(key)
            if b is None:
                return {"monitor_state": "UNKNOWN", "lastresponse": "", "responsetime": 0, "totalprobes": 0,
                        "failedprobes": 0}  # fmt: skip
            owner = self._owners.get(key[:-1], OwnerInfo())
            if owner.disabled:
                state = "OUT OF SERVICE"
            elif not self._probed(key):
                state = "DISABLED" if owner.healthmonitor else "UNKNOWN"
            else:
                state = b.state
            return {
                "monitor_state": state,
                "lastresponse": b.lastresponse,
                "responsetime": round(b.responsetime_ms),
                "totalprobes": b.totalprobes,
                "failedprobes": b.failedprobes,
            }


def _member_key(member_key: Any) -> str:
    """Members are identified by "ip:port" or "servername:port" strings inside the engine."""
    if isinstance(member_key, (tuple, list)):
        return ":".join(str(x) for x in member_key)
    return str(member_key)


# ---------------------------------------------------------------------------------------------------
# The simulator's appliance as a target source
# ---------------------------------------------------------------------------------------------------
class ApplianceSource:
    """Reads services, servicegroup members and monitors through the appliance accessors (appliance.py)."""

    def __init__(self, appliance: Any) -> None:
        self.appliance = appliance
        self.lock = appliance.lock

    def snapshot(self) -> Snapshot:
        app = self.appliance
        owners: dict[tuple[str, ...], OwnerInfo] = {}
        targets: list[ProbeTarget] = []
        specs: dict[str, MonitorSpec] = {}

        def spec_for(name: str) -> MonitorSpec:
            if name not in specs:
                attrs = app.monitor(name) or BUILTIN_MONITORS.get(name) or {"monitorname": name}
                specs[name] = MonitorSpec.from_attrs({**attrs, "monitorname": name})
            return specs[name]

        def add(owner: tuple[str, ...], row: dict[str, Any]) -> None:
            owners[owner] = OwnerInfo(disabled=bool(row.get("disabled")), healthmonitor=bool(row.get("healthmonitor")))
            for m in row.get("monitors", ()):
                name = m["monitor_name"]
                targets.append(
                    ProbeTarget(
                        owner=owner,
                        monitor=name,
                        ip=str(row.get("ip") or ""),
                        port=int(row.get("port") or 0),
                        spec=spec_for(name),
                        probe=str(m.get("monstate", "ENABLED")).upper() != "DISABLED",
                    )
                )

        for svc in app.iter_services():
            add(("service", svc["name"]), svc)
        for member in app.iter_servicegroup_members():
            add(("member", member["servicegroupname"], _member_key(member["member_key"])), member)
        return Snapshot(owners, targets)


def default_factory(appliance: Any) -> HealthEngine:
    """The simulator's default health hook (picked up by server.SimCore): real probes."""
    clock = getattr(appliance, "clock", None)
    engine = HealthEngine(
        ApplianceSource(appliance),
        time_scale=getattr(clock, "scale", 1.0),
        probe_allow=getattr(appliance, "probe_allow", DEFAULT_ALLOW),
    )
    engine.dataplane_default = os.environ.get("NITRO_SIM_DATAPLANE", "") not in ("", "0")
    return engine
