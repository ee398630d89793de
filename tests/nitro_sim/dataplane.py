"""Optional data plane: real TCP listeners on each vserver's VIP:port, so tests can use a plain TCP client.

Off by default. Turn it on in-process with ``sim.simulator.health.enable_dataplane()`` (or set
``NITRO_SIM_DATAPLANE=1`` before the simulator starts). A reconcile loop (every `RECONCILE_S`) reads the
vservers through the appliance accessors and:

- UP vserver: listens on VIP:port and forwards each connection, round-robin, to the next UP service or
  servicegroup member bound to it (a byte relay; `lbmethod` and persistence are ignored);
- DOWN (or OUT OF SERVICE) vserver with ``nstcpparam downstaterst DISABLED``: keeps listening but holds
  every connection silently, so the client sees no data and times out (the appliance drops the SYN; on
  loopback the kernel completes the handshake, so the "drop" is seen as a silent connection);
- DOWN vserver with ``downstaterst ENABLED``: closes the listener, so a connect gets ECONNREFUSED (RST)
  (NetScaler docs "Configuring ICMP responses for VIPs"; inferred semantics).

Only VIPs in the probe allow-list are bound (127.0.0.0/8 by default); wildcard VIPs and port `*` are skipped.
Hits and connection counters feed the stat endpoints (stats.TrafficCounters).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

from .health import AllowList
from .stats import TrafficCounters

RECONCILE_S = 0.02
CONNECT_TIMEOUT = 2.0


@dataclass
class VipPlan:
    vserver: str
    state: str
    rst: bool
    backends: list[tuple[str, str, int]] = field(default_factory=list)  # (service name, ip, port), UP only


def _rst_close(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST instead of a FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Listener:
    def __init__(self, plane: DataPlane, ip: str, port: int) -> None:
        self.plane = plane
        self.addr = (ip, port)
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(self.addr)
        self.sock.listen(64)
        self.sock.settimeout(0.05)
        self.closed = threading.Event()
        self.rr = 0
        self.thread = threading.Thread(target=self._loop, name=f"dataplane-{ip}:{port}", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.closed.set()
        with contextlib.suppress(OSError):
            self.sock.close()

    def _loop(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self.plane._handle, args=(self, conn), daemon=True).start()


class DataPlane:
    def __init__(self, appliance: Any, counters: TrafficCounters, allow: AllowList) -> None:
        self.appliance = appliance
        self.counters = counters
        self.allow = allow
        self.plans: dict[tuple[str, int], VipPlan] = {}
        self.listeners: dict[tuple[str, int], _Listener] = {}
        self.errors: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="nitro-sim-dataplane", daemon=True)
        self._thread.start()

    def stop(self, join: bool = True) -> None:
        self._stop.set()
        if self._thread is not None:
            if join:
                self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            listeners, self.listeners = list(self.listeners.values()), {}
            conns, self._conns = list(self._conns), set()
            self.plans = {}
        for listener in listeners:
            listener.close()
        for c in conns:
            _rst_close(c)

    def _run(self) -> None:
        while not self._stop.wait(RECONCILE_S):
            with contextlib.suppress(Exception):  # a bad snapshot must not end the data plane
                self.reconcile()

    # -- planning -----------------------------------------------------------------------------------
    def plan(self) -> dict[tuple[str, int], VipPlan]:
        app = self.appliance
        health = app.health
        plans: dict[tuple[str, int], VipPlan] = {}
        with app.lock:
            rst = str(app.tcpparam().get("downstaterst", "DISABLED")).upper() == "ENABLED"
            services = {s["name"]: s for s in app.iter_services()}
            for v in app.iter_vservers():
                ip, port = v.get("ipv46"), int(v.get("port") or 0)
                if not ip or ip in ("0.0.0.0", "::") or not 0 < port < 65535 or not self.allow.allows(ip):
                    continue
                state = app.vserver_state(v["name"])["curstate"]
                backends: list[tuple[str, str, int]] = []
                for b in v["services"]:
                    s = services.get(b["servicename"])
                    if s and s.get("ip") and health.service_state(s["name"]) == "UP":
                        backends.append((s["name"], s["ip"], int(s["port"])))
                for g in v["servicegroups"]:
                    for m in app.iter_servicegroup_members(g["servicegroupname"]):
                        if m.get("ip") and health.member_state(g["servicegroupname"], m["member_key"]) == "UP":
                            label = f"{g['servicegroupname']}:{m['member_key'][0]}:{m['port']}"
                            backends.append((label, m["ip"], int(m["port"])))
                plans[(ip, port)] = VipPlan(v["name"], state, rst, backends)
        return plans

    def reconcile(self) -> None:
        plans = self.plan()
        with self._lock:
            if self._stop.is_set():
                return
            self.plans = plans
            wanted = {a for a, p in plans.items() if p.state == "UP" or not p.rst}
            for addr in list(self.listeners):
                if addr not in wanted:
                    self.listeners.pop(addr).close()
            for addr in wanted:
                if addr in self.listeners:
                    continue
                try:
                    self.listeners[addr] = _Listener(self, *addr)
                    self.errors.pop(addr, None)
                except OSError as exc:  # address in use: keep trying on the next turn, report it
                    self.errors[addr] = str(exc)

    # -- connections --------------------------------------------------------------------------------
    def _handle(self, listener: _Listener, client: socket.socket) -> None:
        with self._lock:
            plan = self.plans.get(listener.addr)
            self._conns.add(client)
        try:
            if plan is None or plan.state != "UP" or not plan.backends:
                if plan is not None and plan.rst:
                    _rst_close(client)
                    return
                self._hold(plan, client)
                return
            # A service disabled since the last reconcile (a graceful disable) takes no new connection, even within
            # the RECONCILE_S window; its open connections keep flowing.
            backends = [b for b in plan.backends if self._still_up(b[0])] or plan.backends[:0]
            if not backends:
                self._hold(plan, client)
                return
            choice = backends[listener.rr % len(backends)]
            listener.rr += 1
            self._forward(plan, choice, client)
        finally:
            with self._lock:
                self._conns.discard(client)
            with contextlib.suppress(OSError):
                client.close()

    def _still_up(self, name: str) -> bool:
        services = self.appliance.resource("service")
        if name not in services.objects:
            return True  # a service group member (labelled group:ip:port)
        return not services.disabled(name)

    def _hold(self, plan: VipPlan | None, client: socket.socket) -> None:
        """A DOWN vserver without downstaterst: accept nothing, answer nothing, until the client gives up."""
        vserver = plan.vserver if plan else "?"
        self.counters.open(vserver, None)
        client.settimeout(0.1)
        try:
            while not self._stop.is_set():
                try:
                    if client.recv(65536) == b"":
                        return
                except TimeoutError:
                    continue
                except OSError:
                    return
        finally:
            self.counters.close(vserver, None)

    def _forward(self, plan: VipPlan, choice: tuple[str, str, int], client: socket.socket) -> None:
        name, ip, port = choice
        try:
            upstream = socket.create_connection((ip, port), timeout=CONNECT_TIMEOUT)
        except OSError:
            _rst_close(client)
            return
        self.counters.open(plan.vserver, name)
        with self._lock:
            self._conns.add(upstream)
        sent = [0, 0]

        def pump(src: socket.socket, dst: socket.socket, idx: int) -> None:
            src.settimeout(None)
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
                    sent[idx] += len(data)
            except OSError:
                pass
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

        up = threading.Thread(target=pump, args=(client, upstream, 0), daemon=True)
        up.start()
        pump(upstream, client, 1)
        up.join(timeout=30)
        with self._lock:
            self._conns.discard(upstream)
        with contextlib.suppress(OSError):
            upstream.close()
        self.counters.close(plan.vserver, name, request_bytes=sent[0], response_bytes=sent[1])
