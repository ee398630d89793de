"""Runtime hooks between the configuration store (appliance.py) and the behaviour engine.

The Appliance owns ``self.health``, any object implementing :class:`HealthHook`. GET renderers take
``svrstate`` (service), ``curstate`` (bindings/members) and the lbvserver state fields from it.
``StaticHealth`` is the trivial default: a disabled service/member (or one whose server is disabled) is
"OUT OF SERVICE", everything else is "UP". The simulator accepts ``health_factory(appliance) -> hook`` to
switch to real probing (tests/nitro_sim/health/).

Optional extras a hook may provide (looked up with getattr):
- ``member_monitor_info(servicegroup, member_key, monitor_name) -> dict``
- ``reset()``: called when the appliance configuration is reset.
- ``vip(ip) -> dict``: answer for ``GET /sim/v1/vips/<ip>`` (otherwise vips.py / a static view is used).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .appliance import Appliance

# The networks health probes and the data plane may contact unless told otherwise (--probe-allow).
DEFAULT_ALLOW = ("127.0.0.0/8", "::1/128")


class HealthHook(Protocol):
    def service_state(self, service_name: str) -> str: ...  # "UP" | "DOWN" | "OUT OF SERVICE" ...

    def member_state(self, servicegroup: str, member_key: Any) -> str: ...  # member_key = (servername, port)

    def monitor_binding_info(self, service_name: str, monitor_name: str) -> dict[str, Any]: ...

    def config_changed(self) -> None: ...  # called under the appliance lock after every successful write

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def set_time_scale(self, factor: float) -> None: ...


class StaticHealth:
    """Everything enabled is UP; disabled is OUT OF SERVICE. No probing, no threads."""

    def __init__(self, appliance: Appliance) -> None:
        self.appliance = appliance
        self.time_scale = 1.0

    def service_state(self, service_name: str) -> str:
        return "OUT OF SERVICE" if self.appliance.service_disabled(service_name) else "UP"

    def member_state(self, servicegroup: str, member_key: Any) -> str:
        return "OUT OF SERVICE" if self.appliance.member_disabled(servicegroup, member_key) else "UP"

    def monitor_binding_info(self, service_name: str, monitor_name: str) -> dict[str, Any]:
        state = "OUT OF SERVICE" if self.appliance.service_disabled(service_name) else "UP"
        return {"monitor_state": state, "lastresponse": "", "responsetime": 0, "totalprobes": 0, "failedprobes": 0}

    def member_monitor_info(self, servicegroup: str, member_key: Any, monitor_name: str) -> dict[str, Any]:
        state = "OUT OF SERVICE" if self.appliance.member_disabled(servicegroup, member_key) else "UP"
        return {"monitor_state": state, "lastresponse": "", "responsetime": 0, "totalprobes": 0, "failedprobes": 0}

    def config_changed(self) -> None:
        return None

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def set_time_scale(self, factor: float) -> None:
        self.time_scale = factor


class SimClock:
    """Simulated time: advances ``time_scale`` times slower than the wall clock (a factor of 0.01 makes a
    1,800 s session timeout elapse in 18 s). Used for session idle timeouts and timestamps."""

    def __init__(self, time_scale: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._scale = float(time_scale)
        self._base_real = time.monotonic()
        self._base_sim = 0.0
        self._offset = 0.0

    @property
    def scale(self) -> float:
        return self._scale

    def set_scale(self, factor: float) -> None:
        if factor <= 0:
            raise ValueError("time scale must be > 0")
        with self._lock:
            self._base_sim = self._now_unlocked()
            self._base_real = time.monotonic()
            self._scale = float(factor)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def _now_unlocked(self) -> float:
        # time_scale multiplies durations (health engine convention): sim seconds = real seconds / scale.
        return self._base_sim + (time.monotonic() - self._base_real) / self._scale + self._offset

    def now(self) -> float:
        with self._lock:
            return self._now_unlocked()
