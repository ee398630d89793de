"""The health engine: the runtime health hook of the appliance (runtime.HealthHook) with real probes. It keeps
one BindingState per (service or member) x monitor, schedules probes and answers the states."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ..runtime import DEFAULT_ALLOW
from ..stats import TrafficCounters
from .machine import BindingState
from .probers import run_probe
from .scheduler import Scheduler
from .sockets import AllowList
from .spec import MonitorSpec, ProbeResult

TIMEOUT_FLOOR = 0.25  # seconds; a scaled resptimeout never goes below this
DELAY_FLOOR = 0.002  # seconds; a scaled interval/downtime never goes below this


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
            from ..dataplane import DataPlane

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
                attrs = app.monitor(name) or {"monitorname": name}
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
