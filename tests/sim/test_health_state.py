"""Per-binding state machine and the probe scheduler of the health engine (CTX132937 semantics).

The pure tests feed probe results one by one; the engine tests run the real scheduler against real
backends through a minimal configuration source, and assert in probes, not in seconds.
"""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from tests.helpers import backends
from tests.nitro_sim.health import (
    BindingState,
    HealthEngine,
    MonitorSpec,
    OwnerInfo,
    ProbeResult,
    ProbeTarget,
    Snapshot,
)

OK, FAIL = ProbeResult(True, "ok"), ProbeResult(False, "fail")

# Until tests/conftest.py loads tests.helpers.backends as a plugin, expose its fixtures here.
backend_factory = backends.backend_factory
loopback_ip = backends.loopback_ip


def machine(**attrs) -> BindingState:
    return BindingState(spec=MonitorSpec.from_attrs({"monitorname": "m", **attrs}), ip="127.0.0.1", port=80)


def feed(b: BindingState, pattern: str) -> str:
    """Feed 'o' (success) / 'x' (failure) results; return the state after each one as U/D."""
    out = ""
    for c in pattern:
        b.record(OK if c == "o" else FAIL)
        out += b.state[0]
    return out


def test_down_after_retries_consecutive_failures():
    assert feed(machine(retries=3), "xxx") == "UUD"


def test_interrupted_failures_do_not_count():
    # CTX132937: fail, success, fail does not mark the service DOWN.
    assert feed(machine(retries=3), "xxoxxoxx") == "UUUUUUUU"


def test_failureretries_counts_failures_in_last_retries_probes():
    # 2 failures among the last 5 probes mark it DOWN, consecutive or not.
    assert feed(machine(retries=5, failureretries=2), "xoooox") == "UUUUUU"  # first failure left the window
    assert feed(machine(retries=5, failureretries=2), "xoox") == "UUUD"


def test_failureretries_above_retries_is_capped():
    assert feed(machine(retries=2, failureretries=5), "xx") == "UD"


def test_up_after_successretries_consecutive_successes():
    b = machine(retries=1, successretries=3)
    assert feed(b, "x") == "D"
    assert feed(b, "ooxooo") == "DDDDDU"


def test_counters_and_next_delay():
    b = machine(retries=2, interval=5, downtime=30)
    assert b.next_delay() == 5
    feed(b, "oxx")
    assert (b.totalprobes, b.failedprobes, b.state) == (3, 2, "DOWN")
    assert b.next_delay() == 30  # a DOWN binding waits downtime
    b.record(OK)
    assert b.state == "UP"


def test_down_binding_collecting_successes_uses_interval():
    b = machine(retries=1, successretries=2, interval=5, downtime=30)
    feed(b, "xo")
    assert b.state == "DOWN"
    assert b.next_delay() == 5


# ---------------------------------------------------------------------------------------------------
# Engine with a minimal configuration source
# ---------------------------------------------------------------------------------------------------
class Source:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.owners: dict = {}
        self.targets: list[ProbeTarget] = []

    def snapshot(self) -> Snapshot:
        return Snapshot(dict(self.owners), list(self.targets))

    def add_service(self, name, ip, port, monitor, **attrs) -> None:
        self.owners[("service", name)] = OwnerInfo()
        spec = MonitorSpec.from_attrs({"monitorname": monitor, **attrs})
        self.targets.append(ProbeTarget(("service", name), monitor, ip, port, spec))


@pytest.fixture
def engine():
    made = []

    def make(source, scale=0.02):
        e = HealthEngine(source, time_scale=scale)
        e.start()
        made.append(e)
        return e

    yield make
    for e in made:
        e.stop()


def wait(pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.005)
    return pred()


def streak_flip_indexes(history, want_ok: bool, n: int) -> list[int]:
    """Indexes at which a streak of n results equal to want_ok completes."""
    out, streak = [], 0
    for i, (ok, _) in enumerate(history):
        streak = streak + 1 if ok == want_ok else 0
        if streak == n:
            out.append(i)
    return out


def test_engine_flips_down_and_up_exactly_at_the_configured_probe_counts(engine, backend_factory):
    b = backend_factory()
    src = Source()
    src.add_service("svc", b.host, b.port, "mon", type="HTTP", httprequest="GET /healthz", interval=5,
                    resptimeout=2, downtime=5, retries=3, successretries=2)  # fmt: skip
    e = engine(src)
    key = ("service", "svc", "mon")
    assert wait(lambda: e.bindings()[key].totalprobes >= 2)
    assert e.service_state("svc") == "UP"

    b.set_mode("error")
    assert wait(lambda: e.service_state("svc") == "DOWN")
    t = [x for x in e.transitions if x[1] == key]
    assert t[0][2] == "DOWN"
    assert t[0][4] == 3, "DOWN exactly at the 3rd failed probe"
    hist = list(e.bindings()[key].history)
    down_at = next(i for i, (_, s) in enumerate(hist) if s == "DOWN")
    assert down_at == streak_flip_indexes(hist, False, 3)[0]

    before = b.hits
    b.set_mode("ok")
    assert wait(lambda: e.service_state("svc") == "UP")
    hist = list(e.bindings()[key].history)
    up_at = next(i for i in range(down_at, len(hist)) if hist[i][1] == "UP")
    assert up_at == next(i for i in streak_flip_indexes(hist, True, 2) if i > down_at)
    info = e.monitor_binding_info("svc", "mon")
    assert info["monitor_state"] == "UP"
    assert info["totalprobes"] >= up_at + 1
    assert info["failedprobes"] >= 3
    assert info["lastresponse"].startswith("Success - HTTP response code 200")
    assert b.hits >= before + 2  # the successes were real requests


def test_engine_down_binding_waits_downtime_between_probes(engine, backend_factory):
    b = backend_factory(mode="error")
    src = Source()
    # interval 5 s -> 0.05 s; downtime 60 s -> 0.6 s at scale 0.01
    src.add_service("svc", b.host, b.port, "mon", type="HTTP", httprequest="GET /", interval=5, resptimeout=2,
                    downtime=60, retries=2)  # fmt: skip
    e = engine(src, scale=0.01)
    assert wait(lambda: e.service_state("svc") == "DOWN")
    n = b.hits
    assert wait(lambda: b.hits >= n + 2, timeout=5)
    times = [r.time for r in b.requests]
    gaps = [t2 - t1 for t1, t2 in zip(times[n - 1 :], times[n:], strict=False)]
    assert gaps and min(gaps) >= 0.6 * 0.9, gaps
    up_gaps = [t2 - t1 for t1, t2 in itertools.pairwise(times)]
    assert up_gaps[0] < 0.5  # while UP it probed every interval


def test_engine_any_down_monitor_takes_service_down(engine, backend_factory):
    good = backend_factory()
    bad = backend_factory()
    bad.stop()
    src = Source()
    src.add_service("svc", good.host, good.port, "tcp-ok", type="TCP", retries=1)
    src.add_service("svc", good.host, good.port, "tcp-bad", type="TCP", retries=1, destport=bad.port)
    e = engine(src)
    assert wait(lambda: e.service_state("svc") == "DOWN")
    assert e.monitor_binding_info("svc", "tcp-ok")["monitor_state"] == "UP"
    assert e.monitor_binding_info("svc", "tcp-bad")["monitor_state"] == "DOWN"


def test_engine_healthmonitor_no_and_disabled(engine, backend_factory):
    b = backend_factory()
    b.stop()
    src = Source()
    src.add_service("svc", b.host, b.port, "tcp-default", retries=1)
    src.owners[("service", "svc")] = OwnerInfo(healthmonitor=False)
    e = engine(src)
    time.sleep(0.2)
    assert e.service_state("svc") == "UP"
    assert e.monitor_binding_info("svc", "tcp-default")["totalprobes"] == 0
    src.owners[("service", "svc")] = OwnerInfo(disabled=True)
    e.config_changed()
    assert e.service_state("svc") == "OUT OF SERVICE"
    src.owners[("service", "svc")] = OwnerInfo()
    e.config_changed()
    assert wait(lambda: e.service_state("svc") == "DOWN")


def test_engine_unbound_monitor_stops_probing_and_reset_clears(engine, backend_factory):
    b = backend_factory()
    src = Source()
    src.add_service("svc", b.host, b.port, "m", type="TCP")
    e = engine(src)
    assert wait(lambda: b.connections >= 2)
    src.targets = []
    e.config_changed()
    e.sync()
    time.sleep(0.1)  # let an in-flight probe land
    n = b.connections
    time.sleep(0.3)  # 3 intervals at scale 0.02
    assert b.connections == n
    assert e.bindings() == {}
    e.reset()
    assert e.transitions == type(e.transitions)()


def test_engine_time_scale_change_applies_to_next_probe(engine, backend_factory):
    b = backend_factory()
    src = Source()
    src.add_service("svc", b.host, b.port, "m", type="TCP", interval=600)
    e = engine(src, scale=1.0)
    assert wait(lambda: b.connections >= 1)
    time.sleep(0.1)
    assert b.connections == 1  # next probe in 10 minutes
    e.set_time_scale(0.0002)  # 600 s -> 0.12 s
    assert wait(lambda: b.connections >= 3, timeout=3)


def test_engine_many_services_use_few_threads(engine, loopback_ip):
    src = Source()
    ip = loopback_ip()
    for i in range(1000):
        src.add_service(f"s{i}", ip, 1 + i, "m", type="TCP", retries=1)
    before = threading.active_count()
    e = engine(src, scale=0.02)
    assert wait(lambda: sum(1 for x in e.bindings().values() if x.totalprobes) == 1000, timeout=30)
    assert threading.active_count() - before <= 10
    assert e.service_state("s999") == "DOWN"  # nothing listens: refused
