"""Quiet VIPs: the ICMP response rules of
configure-icmp-responses-for-virtual-servers (NetScaler docs), one test per row, first on the pure function."""

from __future__ import annotations

import pytest

from tests.helpers import backends
from tests.nitro_sim.vips import vip_answer

backend_factory = backends.backend_factory
loopback_ip = backends.loopback_ip

IP = "127.0.0.10"


def vs(name, curstate, icmpvsrresponse="PASSIVE"):
    return {"name": name, "port": 80, "servicetype": "HTTP", "curstate": curstate, "icmpvsrresponse": icmpvsrresponse}


def nsip(**kw):
    return {"ipaddress": IP, "type": "VIP", **kw}


# (id, nsip attrs, vservers, expected answers_icmp)
ROWS = [
    ("icmp-disabled-never-answers", {"icmp": "DISABLED"}, [vs("a", "UP")], False),
    ("none-always-answers-even-all-down", {"icmpresponse": "NONE"}, [vs("a", "DOWN"), vs("b", "DOWN")], True),
    ("one-vserver-one-up", {"icmpresponse": "ONE_VSERVER"}, [vs("a", "UP"), vs("b", "DOWN")], True),
    ("one-vserver-none-up", {"icmpresponse": "ONE_VSERVER"}, [vs("a", "DOWN"), vs("b", "DOWN")], False),
    ("all-vservers-all-up", {"icmpresponse": "ALL_VSERVERS"}, [vs("a", "UP"), vs("b", "UP")], True),
    ("all-vservers-one-down", {"icmpresponse": "ALL_VSERVERS"}, [vs("a", "UP"), vs("b", "DOWN")], False),
    ("vsvr-cntrld-all-passive-all-down", {"icmpresponse": "VSVR_CNTRLD"}, [vs("a", "DOWN"), vs("b", "DOWN")], True),
    ("vsvr-cntrld-all-active-one-up", {"icmpresponse": "VSVR_CNTRLD"},
     [vs("a", "UP", "ACTIVE"), vs("b", "DOWN", "ACTIVE")], True),
    ("vsvr-cntrld-all-active-none-up", {"icmpresponse": "VSVR_CNTRLD"},
     [vs("a", "DOWN", "ACTIVE"), vs("b", "DOWN", "ACTIVE")], False),
    ("vsvr-cntrld-mixed-active-up", {"icmpresponse": "VSVR_CNTRLD"},
     [vs("a", "UP", "ACTIVE"), vs("b", "DOWN", "PASSIVE")], True),
    ("vsvr-cntrld-mixed-only-passive-up", {"icmpresponse": "VSVR_CNTRLD"},
     [vs("a", "DOWN", "ACTIVE"), vs("b", "UP", "PASSIVE")], False),
    ("icmpvsrresponse-ignored-under-none", {"icmpresponse": "NONE"}, [vs("a", "DOWN", "ACTIVE")], True),
    ("icmpvsrresponse-ignored-under-one-vserver", {"icmpresponse": "ONE_VSERVER"},
     [vs("a", "DOWN", "ACTIVE"), vs("b", "UP", "PASSIVE")], True),
    ("out-of-service-is-not-up", {"icmpresponse": "ONE_VSERVER"}, [vs("a", "OUT OF SERVICE")], False),
    ("vip-state-disabled-never-answers", {"state": "DISABLED"}, [vs("a", "UP")], False),
]  # fmt: skip


@pytest.mark.parametrize(("entry", "servers", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_icmp_rule_row(entry, servers, expected):
    got = vip_answer(IP, nsip(**entry), servers, "DISABLED")
    assert got["answers_icmp"] is expected, got["reason"]
    assert [v["curstate"] for v in got["vservers"]] == [v["curstate"] for v in servers]


def test_missing_nsip_entry_uses_defaults():
    got = vip_answer(IP, None, [vs("a", "DOWN", "ACTIVE")], None)
    assert got["answers_icmp"] is True
    assert got["nsip"] == {"present": False, "icmp": "ENABLED", "icmpresponse": "NONE", "arp": "ENABLED",
                           "arpresponse": "NONE", "state": "ENABLED"}  # fmt: skip
    assert got["tcp_to_down_vserver"] == "drop"


@pytest.mark.parametrize(("downstaterst", "expected"), [("DISABLED", "drop"), ("ENABLED", "rst"), ("enabled", "rst")])
def test_tcp_to_down_vserver(downstaterst, expected):
    got = vip_answer(IP, nsip(), [vs("a", "DOWN")], downstaterst)
    assert got["tcp_to_down_vserver"] == expected
    assert got["downstaterst"] == downstaterst.upper()


def test_enum_values_are_case_insensitive():
    got = vip_answer(IP, nsip(icmpresponse="one_vserver"), [vs("a", "DOWN")], "DISABLED")
    assert got["answers_icmp"] is False


@pytest.mark.parametrize(
    ("entry", "states", "expected"),
    [
        ({"arp": "DISABLED"}, ["UP"], False),
        ({"arpresponse": "NONE"}, ["DOWN"], True),
        ({"arpresponse": "ONE_VSERVER"}, ["DOWN", "UP"], True),
        ({"arpresponse": "ONE_VSERVER"}, ["DOWN"], False),
        ({"arpresponse": "ALL_VSERVERS"}, ["DOWN", "UP"], False),
    ],
)
def test_arp_follows_the_same_rules(entry, states, expected):
    got = vip_answer(IP, nsip(**entry), [vs(f"v{i}", s) for i, s in enumerate(states)], "DISABLED")
    assert got["answers_arp"] is expected


# ---------------------------------------------------------------------------------------------------
# End to end: configuration over NITRO, vserver states from real probes, answer from GET /sim/v1/vips/<ip>
# ---------------------------------------------------------------------------------------------------
def _wait(pred, timeout=10.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def _call(sim, method, path, body=None, params=None, *, expect=200):
    status, payload = sim.nitro(method, path, body, params)
    assert status == expect, payload
    return payload


def build_vip(sim, backend_factory, ip, entry, servers):
    """Vservers on `ip` whose curstate comes from real backends (running = UP, stopped = DOWN)."""
    sim.set_time_scale(0.02)
    made = {}
    for v in servers:
        b = made[v["name"]] = backend_factory()
        if v["curstate"] == "DOWN":
            b.stop()
        svc = f"svc-{v['name']}"
        _call(sim, "POST", "service", {"service": {"name": svc, "ip": b.host, "port": b.port, "servicetype": "HTTP"}},
              expect=201)  # fmt: skip
        _call(sim, "POST", "lbvserver", {"lbvserver": {"name": v["name"], "servicetype": "HTTP", "ipv46": ip,
              "port": 8000 + len(v["name"]) + ord(v["name"][-1]), "icmpvsrresponse": v["icmpvsrresponse"]}},
              expect=201)  # fmt: skip
        _call(sim, "PUT", "lbvserver_service_binding", {"lbvserver_service_binding": {"name": v["name"],
              "servicename": svc}})  # fmt: skip
        if v["curstate"] == "OUT OF SERVICE":
            _call(sim, "POST", "lbvserver", {"lbvserver": {"name": v["name"]}}, {"action": "disable"})
    attrs = {k: v for k, v in entry.items() if k != "state"}
    if attrs:
        _call(sim, "PUT", "nsip", {"nsip": {"ipaddress": ip, **attrs}})
    if entry.get("state") == "DISABLED":
        _call(sim, "POST", "nsip", {"nsip": {"ipaddress": ip}}, {"action": "disable"})
    want = {v["name"]: v["curstate"] for v in servers}
    assert _wait(lambda: {v["name"]: v["curstate"] for v in sim.vip(ip)["vservers"]} == want), sim.vip(ip)
    return made


@pytest.mark.parametrize("row", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_icmp_rule_row_end_to_end(sim, backend_factory, loopback_ip, row):
    entry, servers, expected = row
    ip = loopback_ip()
    build_vip(sim, backend_factory, ip, entry, servers)
    got = sim.vip(ip)
    assert got["answers_icmp"] is expected, got
    assert got["nsip"]["present"] is True  # adding the lbvserver created the VIP entry
    assert got["tcp_to_down_vserver"] == "drop"


def test_answers_icmp_flips_when_the_last_backend_dies(sim, backend_factory, loopback_ip):
    ip = loopback_ip()
    made = build_vip(sim, backend_factory, ip, {"icmpresponse": "ONE_VSERVER"}, [vs("a", "UP"), vs("b", "UP")])
    assert sim.vip(ip)["answers_icmp"] is True
    made["a"].stop()
    assert _wait(lambda: [v["curstate"] for v in sim.vip(ip)["vservers"]] == ["DOWN", "UP"]), sim.vip(ip)
    assert sim.vip(ip)["answers_icmp"] is True
    made["b"].stop()
    assert _wait(lambda: sim.vip(ip)["answers_icmp"] is False), sim.vip(ip)
    assert [v["curstate"] for v in sim.vip(ip)["vservers"]] == ["DOWN", "DOWN"]
    made["b"].start()
    assert _wait(lambda: sim.vip(ip)["answers_icmp"] is True), sim.vip(ip)


@pytest.mark.parametrize(("downstaterst", "expected"), [("DISABLED", "drop"), ("ENABLED", "rst")])
def test_tcp_to_down_vserver_end_to_end(sim, backend_factory, loopback_ip, downstaterst, expected):
    ip = loopback_ip()
    build_vip(sim, backend_factory, ip, {}, [vs("dead", "DOWN")])
    _call(sim, "PUT", "nstcpparam", {"nstcpparam": {"downstaterst": downstaterst}})
    got = sim.vip(ip)
    assert got["tcp_to_down_vserver"] == expected
    assert got["downstaterst"] == downstaterst


def test_vip_without_nsip_entry(sim):
    got = sim.vip("127.0.0.99")
    assert got["nsip"]["present"] is False
    assert got["answers_icmp"] is True
    assert got["vservers"] == []
