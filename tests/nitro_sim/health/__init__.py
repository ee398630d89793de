"""Real health probing for the NITRO simulator, split by concern: spec.py (MonitorSpec, ProbeResult),
sockets.py (allow-list, connect), probers.py (TCP, HTTP, ECV), icmp.py (PING), machine.py (the per-binding state
machine), scheduler.py (one thread, a heap of due probes), engine.py (HealthEngine, the appliance as source).

The `HealthEngine` implements the runtime health hook of `tests.nitro_sim.runtime` (service_state,
member_state, monitor_binding_info, config_changed, start, stop, set_time_scale). It probes every
(service or servicegroup member) x (bound or default monitor) pair against the real address, from one
scheduler thread with a heap of due probes and a small worker pool, so 1,000 services never means
1,000 threads.

Semantics (after CTX132937 and the NITRO lbmonitor reference; inferred, not verified on an appliance):
- a probe fails when no valid answer arrives within `resptimeout` (+units4);
- UP -> DOWN after `retries` consecutive failures, or, when `failureretries` F > 0, when F of the last
  `retries` probes failed;
- a DOWN binding is probed again after `downtime` (+units2) and comes UP after `successretries`
  consecutive successes (while it is collecting them the next probe follows after `interval`);
- probes run every `interval` (+units3);
- a service is DOWN if any of its enabled monitor bindings is DOWN (`weight`/`monthreshold` are ignored:
  with the appliance defaults, threshold 0 and weight 1, that is the same rule);
- `healthmonitor NO` keeps the service UP (CLI reference "add service"); a disabled service is OUT OF SERVICE and
  not probed; a disabled monitor (`state`) or binding (`monstate`) is not probed and not considered.
- A new binding starts UP (optimistic), so configuration-only tests see the same states as with
  `StaticHealth`; the appliance shows a fresh service DOWN until its first probe answers.

Network rule: a probe to an address outside the allow-list (default 127.0.0.0/8 and ::1) sends
nothing and counts as a failed probe.

Time scale: interval, resptimeout and downtime are multiplied by the factor when a probe is scheduled
(the configuration keeps the real values); socket timeouts have a floor (`TIMEOUT_FLOOR`) so loopback
handshakes on a busy machine do not fail spuriously.
"""

from __future__ import annotations

from .engine import (
    DELAY_FLOOR,
    TIMEOUT_FLOOR,
    ApplianceSource,
    HealthEngine,
    OwnerInfo,
    ProbeTarget,
    Snapshot,
    TargetSource,
    default_factory,
)
from .icmp import probe_ping
from .machine import HISTORY_LEN, BindingState
from .probers import probe_http, probe_tcp, probe_tcp_ecv, respcode_matches, run_probe
from .scheduler import Scheduler
from .sockets import AllowList
from .spec import MonitorSpec, ProbeResult

__all__ = [
    "DELAY_FLOOR", "HISTORY_LEN", "TIMEOUT_FLOOR", "AllowList", "ApplianceSource", "BindingState", "HealthEngine",
    "MonitorSpec", "OwnerInfo", "ProbeResult", "ProbeTarget", "Scheduler", "Snapshot", "TargetSource",
    "default_factory", "probe_http", "probe_ping", "probe_tcp", "probe_tcp_ecv", "respcode_matches", "run_probe",
]  # fmt: skip
