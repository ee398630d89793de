"""Health behaviour end to end: configuration written over NITRO, real backends on loopback, states read back.

Time scale 0.02 makes a 5 s interval 0.1 s; assertions count probes (the binding's totalprobes/failedprobes,
the backend's hit counter), and waits are bounded polls.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers import backends

backend_factory = backends.backend_factory
loopback_ip = backends.loopback_ip

SCALE = 0.02


class Nitro:
    def __init__(self, sim) -> None:
        self.sim = sim

    def add(self, res, **attrs):
        status, body = self.sim.nitro("POST", res, {res: attrs})
        assert status == 201, body

    def bind(self, binding, **attrs):
        status, body = self.sim.nitro("PUT", binding, {binding: attrs})
        assert status == 200, body

    def put(self, res, **attrs):
        status, body = self.sim.nitro("PUT", res, {res: attrs})
        assert status == 200, body

    def action(self, res, verb, **attrs):
        status, body = self.sim.nitro("POST", res, {res: attrs}, {"action": verb})
        assert status == 200, body

    def get(self, path, **params):
        status, body = self.sim.nitro("GET", path, None, params or None)
        assert status == 200, body
        return body

    def one(self, res, name, **params):
        rows = self.get(f"{res}/{name}", **params).get(res, [])
        assert len(rows) == 1, rows
        return rows[0]

    def svrstate(self, svc):
        return self.one("service", svc)["svrstate"]

    def binding(self, svc, monitor):
        rows = self.get(f"service_lbmonitor_binding/{svc}").get("service_lbmonitor_binding", [])
        return next(r for r in rows if r["monitor_name"] == monitor)


@pytest.fixture
def nitro(sim):
    sim.set_time_scale(SCALE)
    return Nitro(sim)


def wait(pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def http_service(nitro, name, backend, monitor=None, **monitor_attrs):
    nitro.add("service", name=name, ip=backend.host, port=backend.port, servicetype="HTTP")
    if monitor:
        nitro.add("lbmonitor", monitorname=monitor, type="HTTP", httprequest="GET /healthz", **monitor_attrs)
        nitro.bind("service_lbmonitor_binding", name=name, monitor_name=monitor)


def test_service_down_after_retries_failed_probes_and_up_after_successretries(sim, nitro, backend_factory):
    b = backend_factory()
    http_service(nitro, "web1", b, "hc", retries=3, successretries=2, downtime=5)
    assert wait(lambda: int(nitro.binding("web1", "hc")["totalprobes"]) >= 2)
    row = nitro.binding("web1", "hc")
    assert (row["monitor_state"], row["failedprobes"]) == ("UP", "0")
    assert row["lastresponse"] == "Success - HTTP response code 200 received."
    assert b.requests[0].path == "/healthz"

    b.set_mode("error")
    assert wait(lambda: nitro.svrstate("web1") == "DOWN")
    engine = sim.simulator.health
    flips = [t for t in engine.transitions if t[1] == ("service", "web1", "hc")]
    assert flips[0][2:] == ("DOWN", flips[0][3], 3), "DOWN at exactly the 3rd failed probe"
    row = nitro.binding("web1", "hc")
    assert row["monitor_state"] == "DOWN"
    assert int(row["failedprobes"]) >= 3
    assert row["lastresponse"] == "Failure - HTTP response code 500 received."

    b.set_mode("ok")
    assert wait(lambda: nitro.svrstate("web1") == "UP")
    flips = [t for t in engine.transitions if t[1] == ("service", "web1", "hc")]
    assert [f[2] for f in flips] == ["DOWN", "UP"]
    hist = list(engine.binding(("service", "web1"), "hc").history)
    up_at = flips[1][3] - 1  # totalprobes at the flip -> index in the history
    assert hist[up_at] == (True, "UP")
    assert hist[up_at - 1] == (True, "DOWN"), "the first success alone did not bring it UP (successretries 2)"
    assert hist[up_at - 2][0] is False


def test_hanging_backend_fails_by_resptimeout(sim, nitro, backend_factory):
    b = backend_factory(mode="hang")
    http_service(nitro, "slow", b, "hc", retries=2, resptimeout=2, interval=5)
    assert wait(lambda: nitro.svrstate("slow") == "DOWN")
    row = nitro.binding("slow", "hc")
    assert row["lastresponse"] == "Failure - Time out during HTTP response stage"
    assert int(row["failedprobes"]) == int(row["totalprobes"]) >= 2
    assert b.hits >= 2  # the requests did arrive; no answer came


def test_default_monitor_is_probed_with_tcp(sim, nitro, backend_factory):
    b = backend_factory()
    http_service(nitro, "plain", b)
    row = nitro.binding("plain", "tcp-default")
    assert row["monitor_state"] == "UP"
    assert wait(lambda: b.connections >= 2)
    assert b.hits == 0  # a TCP monitor connects, it sends no request
    b.stop()
    assert wait(lambda: nitro.svrstate("plain") == "DOWN")
    assert nitro.binding("plain", "tcp-default")["lastresponse"] == "Failure - TCP syn sent, reset received."


def test_vserver_down_when_its_last_service_goes_down(sim, nitro, backend_factory):
    b1, b2 = backend_factory(), backend_factory()
    http_service(nitro, "s1", b1)
    http_service(nitro, "s2", b2)
    nitro.add("lbvserver", name="vs", servicetype="HTTP", ipv46="127.0.0.50", port=80)
    nitro.bind("lbvserver_service_binding", name="vs", servicename="s1")
    nitro.bind("lbvserver_service_binding", name="vs", servicename="s2")
    vs = nitro.one("lbvserver", "vs")
    assert (vs["curstate"], vs["effectivestate"], vs["health"], vs["activeservices"]) == ("UP", "UP", "100", "2")

    b1.stop()
    assert wait(lambda: nitro.svrstate("s1") == "DOWN")
    vs = nitro.one("lbvserver", "vs")
    assert (vs["curstate"], vs["health"], vs["activeservices"], vs["totalservices"]) == ("UP", "50", "1", "2")
    rows = nitro.get("lbvserver_service_binding/vs")["lbvserver_service_binding"]
    assert {r["servicename"]: r["curstate"] for r in rows} == {"s1": "DOWN", "s2": "UP"}

    b2.stop()
    assert wait(lambda: nitro.one("lbvserver", "vs")["curstate"] == "DOWN")
    vs = nitro.one("lbvserver", "vs")
    assert (vs["effectivestate"], vs["health"], vs["activeservices"]) == ("DOWN", "0", "0")
    stat = nitro.get("/nitro/v1/stat/lbvserver/vs")["lbvserver"][0]
    assert (stat["state"], stat["actsvcs"], stat["inactsvcs"]) == ("DOWN", "0", "2")

    b2.start()
    assert wait(lambda: nitro.one("lbvserver", "vs")["curstate"] == "UP")


def test_several_monitors_any_down_takes_service_down(sim, nitro, backend_factory):
    b = backend_factory()
    http_service(nitro, "multi", b, "hc-ok")
    nitro.add("lbmonitor", monitorname="hc-bad", type="HTTP", httprequest="GET /x", respcode=["404"], retries=1)
    nitro.bind("service_lbmonitor_binding", name="multi", monitor_name="hc-bad")
    assert wait(lambda: nitro.svrstate("multi") == "DOWN")
    assert nitro.binding("multi", "hc-ok")["monitor_state"] == "UP"
    assert nitro.binding("multi", "hc-bad")["monitor_state"] == "DOWN"
    status, body = sim.nitro("DELETE", "service_lbmonitor_binding/multi", params={"args": "monitor_name:hc-bad"})
    assert status == 200, body
    assert nitro.svrstate("multi") == "UP"


def test_healthmonitor_no_keeps_service_up(sim, nitro, backend_factory):
    b = backend_factory()
    b.stop()
    nitro.add("service", name="nohm", ip=b.host, port=b.port, servicetype="HTTP", healthmonitor="NO")
    time.sleep(0.3)  # 3 intervals of tcp-default at this scale
    assert nitro.svrstate("nohm") == "UP"
    assert nitro.binding("nohm", "tcp-default")["totalprobes"] == "0"


def test_disabled_service_and_vserver_are_out_of_service(sim, nitro, backend_factory):
    b = backend_factory()
    http_service(nitro, "svc", b)
    nitro.add("lbvserver", name="vs", servicetype="HTTP", ipv46="127.0.0.51", port=80)
    nitro.bind("lbvserver_service_binding", name="vs", servicename="svc")
    nitro.action("service", "disable", name="svc")
    assert nitro.svrstate("svc") == "OUT OF SERVICE"
    assert nitro.one("lbvserver", "vs")["curstate"] == "DOWN"
    n = b.connections
    time.sleep(0.3)
    assert b.connections == n, "a disabled service is not probed"
    nitro.action("service", "enable", name="svc")
    nitro.action("lbvserver", "disable", name="vs")
    assert nitro.one("lbvserver", "vs")["curstate"] == "OUT OF SERVICE"
    assert wait(lambda: b.connections > n)


def test_servicegroup_members_are_probed(sim, nitro, backend_factory):
    up, down = backend_factory(), backend_factory()
    down.stop()
    nitro.add("servicegroup", servicegroupname="sg", servicetype="HTTP")
    nitro.bind("servicegroup_servicegroupmember_binding", servicegroupname="sg", ip=up.host, port=up.port)
    nitro.bind("servicegroup_servicegroupmember_binding", servicegroupname="sg", ip=down.host, port=down.port)
    nitro.add("lbvserver", name="vsg", servicetype="HTTP", ipv46="127.0.0.52", port=80)
    nitro.bind("lbvserver_servicegroup_binding", name="vsg", servicegroupname="sg")

    def member_states():
        rows = nitro.get("servicegroup_servicegroupmember_binding/sg")["servicegroup_servicegroupmember_binding"]
        return {int(r["port"]): r.get("svrstate") or r.get("curstate") for r in rows}

    assert wait(lambda: member_states() == {up.port: "UP", down.port: "DOWN"}), member_states()
    vs = nitro.one("lbvserver", "vsg")
    assert (vs["curstate"], vs["activeservices"], vs["totalservices"]) == ("UP", "1", "2")
    up.stop()
    assert wait(lambda: nitro.one("lbvserver", "vsg")["curstate"] == "DOWN")


def test_probe_outside_allow_list_counts_as_failure(sim, nitro):
    # 192.0.2.0/24 is TEST-NET-1; the prober must not send anything there (allow-list: 127/8, ::1).
    nitro.add("service", name="far", ip="192.0.2.10", port=80, servicetype="HTTP")
    assert wait(lambda: nitro.svrstate("far") == "DOWN")
    row = nitro.binding("far", "tcp-default")
    assert "allow-list" in row["lastresponse"]
    assert row["failedprobes"] == row["totalprobes"]


def test_time_scale_control_keeps_configured_values(sim, nitro, backend_factory):
    b = backend_factory()
    http_service(nitro, "ts", b, "slowmon", interval=300, resptimeout=2)
    sim.set_time_scale(1.0)
    assert wait(lambda: b.hits >= 1)
    time.sleep(0.2)
    assert b.hits == 1, "at scale 1 the next probe is 300 s away"
    sim.set_time_scale(0.001)  # 300 s -> 0.3 s
    assert wait(lambda: b.hits >= 3, timeout=5)
    mon = nitro.one("lbmonitor", "slowmon")
    assert (mon["interval"], mon["units3"]) == ("5", "MIN"), "the configuration keeps the real value"


def test_reset_clears_runtime_state(sim, nitro, backend_factory):
    b = backend_factory()
    b.stop()
    http_service(nitro, "gone", b)
    assert wait(lambda: nitro.svrstate("gone") == "DOWN")
    sim.reset()
    assert sim.simulator.health.bindings() == {}
    assert list(sim.simulator.health.transitions) == []


def test_ping_monitor_sends_real_icmp(sim, nitro, loopback_ip):
    ip = loopback_ip()
    nitro.add("service", name="pinged", ip=ip, port=80, servicetype="HTTP")
    nitro.add("lbmonitor", monitorname="png", type="PING", retries=1)
    nitro.bind("service_lbmonitor_binding", name="pinged", monitor_name="png")
    nitro.add("lbmonitor", monitorname="png-rev", type="PING", retries=1, reverse="YES")
    assert wait(lambda: int(nitro.binding("pinged", "png")["totalprobes"]) >= 2)
    row = nitro.binding("pinged", "png")
    assert row["monitor_state"] == "UP"
    # Port 80 on this address is closed: only an ICMP echo (or the documented TCP fallback) can succeed.
    assert "ICMP echo reply" in row["lastresponse"] or "TCP fallback" in row["lastresponse"]
    nitro.bind("service_lbmonitor_binding", name="pinged", monitor_name="png-rev")
    assert wait(lambda: nitro.svrstate("pinged") == "DOWN")
    assert nitro.binding("pinged", "png-rev")["lastresponse"].endswith("(reverse)")


def test_tcp_ecv_monitor_against_raw_backend(sim, nitro, backend_factory):
    b = backend_factory(raw=True, expect=b"HELLO\r\n", reply=b"+READY\r\n")
    nitro.add("service", name="ecv", ip=b.host, port=b.port, servicetype="TCP")
    nitro.add("lbmonitor", monitorname="ecvmon", type="TCP-ECV", send="HELLO\\r\\n", recv="+READY", retries=2)
    nitro.bind("service_lbmonitor_binding", name="ecv", monitor_name="ecvmon")
    assert wait(lambda: b.hits >= 2)
    assert nitro.binding("ecv", "ecvmon")["lastresponse"] == "Success - Pattern found in response."
    b.set_mode("error")
    assert wait(lambda: nitro.svrstate("ecv") == "DOWN")
    assert nitro.binding("ecv", "ecvmon")["lastresponse"] == "Failure - Pattern not found in response."
