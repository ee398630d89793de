"""The per-binding health state machine (UP/DOWN after retries, failureretries, successretries; next probe
after interval or downtime). Semantics in the package docstring."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .spec import MonitorSpec, ProbeResult

HISTORY_LEN = 256  # probe results kept per binding, for tests and debugging


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
