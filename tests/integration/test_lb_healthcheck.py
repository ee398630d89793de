"""lb_healthcheck against the NITRO simulator: real HTTP, real probes to loopback backends."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.helpers.backends import backend_factory, loopback_ip  # noqa: F401  (fixtures)
from tests.helpers.runner import connection, run_module

LOGIN_LOGOUT = ("/nitro/v1/config/login", "/nitro/v1/config/logout")


def ok(status_body: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    status, body = status_body
    assert status in (200, 201), body
    assert body.get("errorcode", 0) == 0, body
    return body


def seed(sim, vserver: str, services: list[tuple[str, str, Any]], servicetype: str = "HTTP", vip: str = "127.9.0.1"):
    """A vserver and its services, created with raw NITRO calls (lb_vserver is written in parallel)."""
    port = "*" if servicetype == "ANY" else 80
    ok(
        sim.nitro(
            "POST",
            "lbvserver",
            {"lbvserver": {"name": vserver, "servicetype": servicetype, "ipv46": vip, "port": port}},
        )
    )
    add_services(sim, vserver, services, servicetype)


def add_services(sim, vserver: str, services: list[tuple[str, str, Any]], servicetype: str = "HTTP") -> None:
    if not services:
        return
    ok(
        sim.nitro(
            "POST",
            "service",
            {"service": [{"name": n, "ip": ip, "port": p, "servicetype": servicetype} for n, ip, p in services]},
        )
    )
    ok(
        sim.nitro(
            "PUT",
            "lbvserver_service_binding",
            {"lbvserver_service_binding": [{"name": vserver, "servicename": n} for n, _, _ in services]},
        )
    )


def monitors_of(sim, service: str) -> list[str]:
    body = ok(sim.nitro("GET", f"service_lbmonitor_binding/{service}"))
    return [row["monitor_name"] for row in body.get("service_lbmonitor_binding", [])]


def get_monitor(sim, name: str) -> dict[str, Any] | None:
    status, body = sim.nitro("GET", f"lbmonitor/{name}")
    if status == 404:
        return None
    assert status == 200, body
    return body["lbmonitor"][0]


def hc(sim, **args: Any) -> dict[str, Any]:
    check = args.pop("_check", False)
    diff = args.pop("_diff", False)
    return run_module("lb_healthcheck", {**connection(sim), **args}, check=check, diff=diff)


def only_gets(sim) -> list[dict[str, Any]]:
    reqs = sim.requests()
    assert all(r["method"] == "GET" or r["path"].rstrip("/") in LOGIN_LOGOUT for r in reqs), [
        (r["method"], r["path"]) for r in reqs if r["method"] != "GET"
    ]
    return [r for r in reqs if r["method"] == "GET"]


def three(sim, vs: str = "web") -> list[str]:
    names = [f"{vs}-s{i}" for i in range(3)]
    seed(sim, vs, [(n, f"127.9.1.{i + 1}", 80) for i, n in enumerate(names)])
    return names


def test_create_idempotent_update_and_diff(sim):
    names = three(sim)
    sim.clear_requests()
    res = hc(sim, vserver="web", ping_path="/healthz", _diff=True)
    assert res.get("failed") is not True, res
    assert res["changed"] is True
    mon = get_monitor(sim, "web-hc")
    assert mon["type"] == "HTTP"
    assert mon["httprequest"] == "GET /healthz"
    assert mon["respcode"] == ["200"]
    assert (int(mon["interval"]), mon["units3"], int(mon["resptimeout"]), mon["units4"]) == (5, "SEC", 2, "SEC")
    assert (int(mon["retries"]), int(mon["failureretries"]), int(mon["successretries"])) == (3, 0, 2)
    for name in names:
        assert monitors_of(sim, name) == ["web-hc"]  # the default monitor is gone
    assert res["bound_services"] == sorted(names)
    assert res["healthcheck"]["ping_path"] == "/healthz"
    assert res["diff"]["before"] == {}
    assert res["diff"]["after"]["healthcheck"]["unhealthy_threshold"] == 3
    # create + one bulk bind
    assert [(w["method"], w["path"]) for w in sim.writes()] == [
        ("POST", "/nitro/v1/config/lbmonitor"),
        ("PUT", "/nitro/v1/config/service_lbmonitor_binding"),
    ]

    sim.clear_requests()
    again = hc(sim, vserver="web", ping_path="/healthz")
    assert again["changed"] is False, again
    assert sim.writes() == []
    assert len(only_gets(sim)) == 4

    # update in place: interval 60 reads back as 1 MIN and must compare equal afterwards
    # (https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/lb/lbmonitor)
    sim.clear_requests()
    upd = hc(sim, vserver="web", ping_path="/ready", interval=60, response_time=10, unhealthy_threshold=5, _diff=True)
    assert upd["changed"] is True, upd
    writes = sim.writes()
    assert [(w["method"], w["path"]) for w in writes] == [("PUT", "/nitro/v1/config/lbmonitor")]
    mon = get_monitor(sim, "web-hc")
    assert mon["httprequest"] == "GET /ready"
    assert (int(mon["interval"]), mon["units3"]) == (1, "MIN")
    assert int(mon["retries"]) == 5
    assert upd["diff"]["before"]["healthcheck"]["ping_path"] == "/healthz"
    assert upd["diff"]["after"]["healthcheck"]["ping_path"] == "/ready"
    assert upd["healthcheck"]["interval"] == 60
    sim.clear_requests()
    same = hc(sim, vserver="web", ping_path="/ready", interval=60, response_time=10, unhealthy_threshold=5)
    assert same["changed"] is False, same
    assert sim.writes() == []


def test_check_mode_sends_only_gets(sim):
    three(sim)
    sim.clear_requests()
    res = hc(sim, vserver="web", _check=True, _diff=True)
    assert res["changed"] is True
    assert sim.writes() == []
    assert get_monitor(sim, "web-hc") is None
    assert res["diff"]["after"]["services"] == ["web-s0", "web-s1", "web-s2"]
    hc(sim, vserver="web")
    sim.clear_requests()
    res = hc(sim, vserver="web", interval=7, monitor_type="TCP", _check=True)
    assert res["changed"] is True
    assert sim.writes() == []
    assert get_monitor(sim, "web-hc")["type"] == "HTTP"


@pytest.mark.parametrize("count", [3, 30])
def test_noop_rerun_constant_gets(sim, count):
    names = [f"svc{i}" for i in range(count)]
    seed(sim, "big", [(n, f"127.9.2.{i + 1}", 80) for i, n in enumerate(names)])
    assert hc(sim, vserver="big")["changed"] is True
    sim.clear_requests()
    res = hc(sim, vserver="big")
    assert res["changed"] is False
    gets = only_gets(sim)
    assert len(gets) == 4, [g["path"] for g in gets]
    assert len(res["bound_services"]) == count


def test_member_added_and_removed_are_rebound(sim):
    three(sim)
    hc(sim, vserver="web")
    add_services(sim, "web", [("web-s3", "127.9.1.4", 80)])
    ok(sim.nitro("DELETE", "lbvserver_service_binding/web", params={"args": "servicename:web-s0"}))
    assert monitors_of(sim, "web-s3") == ["tcp-default"]
    sim.clear_requests()
    res = hc(sim, vserver="web")
    assert res["changed"] is True
    assert monitors_of(sim, "web-s3") == ["web-hc"]
    assert monitors_of(sim, "web-s0") == ["tcp-default"]  # left the vserver: unbound, default back
    assert res["bound_services"] == ["web-s1", "web-s2", "web-s3"]
    methods = [(w["method"], w["path"], (w.get("query") or {}).get("action")) for w in sim.writes()]
    assert methods == [
        ("PUT", "/nitro/v1/config/service_lbmonitor_binding", None),
        ("POST", "/nitro/v1/config/service_lbmonitor_binding", "unbind"),
    ]


def test_servicegroups_are_bound_like_services(sim):
    seed(sim, "mix", [("mix-s0", "127.9.3.1", 80)])
    ok(sim.nitro("POST", "servicegroup", {"servicegroup": {"servicegroupname": "mix-sg", "servicetype": "HTTP"}}))
    ok(
        sim.nitro(
            "PUT",
            "servicegroup_servicegroupmember_binding",
            {"servicegroup_servicegroupmember_binding": {"servicegroupname": "mix-sg", "ip": "127.9.3.2", "port": 80}},
        )
    )
    ok(
        sim.nitro(
            "PUT",
            "lbvserver_servicegroup_binding",
            {"lbvserver_servicegroup_binding": {"name": "mix", "servicegroupname": "mix-sg"}},
        )
    )
    res = hc(sim, vserver="mix")
    assert res["changed"] is True, res
    assert res["bound_servicegroups"] == ["mix-sg"]
    body = ok(sim.nitro("GET", "servicegroup_lbmonitor_binding/mix-sg"))
    assert [r["monitor_name"] for r in body["servicegroup_lbmonitor_binding"]] == ["mix-hc"]
    sim.clear_requests()
    assert hc(sim, vserver="mix")["changed"] is False
    assert sim.writes() == []
    assert hc(sim, vserver="mix", state="absent")["changed"] is True
    body = ok(sim.nitro("GET", "servicegroup_lbmonitor_binding/mix-sg"))
    assert body.get("servicegroup_lbmonitor_binding", []) == []


def replay_custom_monitors(requests: list[dict[str, Any]], initial: dict[str, set[str]]) -> list[str]:
    """Replay binds/unbinds in request order; return every moment a service had no custom monitor."""
    bound = {svc: set(mons) for svc, mons in initial.items()}
    gaps = []
    for req in requests:
        if req["status"] not in (200, 201) or not req["path"].endswith("/service_lbmonitor_binding"):
            continue
        items = req["body"]["service_lbmonitor_binding"]
        items = items if isinstance(items, list) else [items]
        action = (req.get("query") or {}).get("action")
        for item in items:
            mons = bound.setdefault(item["name"], set())
            if req["method"] == "PUT":
                mons.add(item["monitor_name"])
            elif action == "unbind":
                mons.discard(item["monitor_name"])
            if not mons:
                gaps.append(f"seq {req['seq']}: {item['name']}")
    return gaps


def test_type_change_without_a_gap(sim):
    names = three(sim)
    hc(sim, vserver="web")
    sim.clear_requests()
    res = hc(sim, vserver="web", monitor_type="TCP", _diff=True)
    assert res["changed"] is True, res
    assert get_monitor(sim, "web-hc")["type"] == "TCP"
    assert get_monitor(sim, "web-hc-next") is None
    for name in names:
        assert monitors_of(sim, name) == ["web-hc"]
    reqs = sim.requests()
    assert replay_custom_monitors(reqs, {n: {"web-hc"} for n in names}) == []
    # and the replay really tracks bindings: the default monitor never came back in between
    binds = [r for r in reqs if r["path"].endswith("service_lbmonitor_binding")]
    assert len(binds) == 4  # bind temp, unbind old, bind new, unbind temp
    assert res["diff"]["before"]["healthcheck"]["monitor_type"] == "HTTP"
    assert res["diff"]["after"]["healthcheck"]["monitor_type"] == "TCP"
    sim.clear_requests()
    assert hc(sim, vserver="web", monitor_type="TCP")["changed"] is False


def test_gap_replay_detects_delete_then_create(sim):
    """The gap check must be able to fail: the CloudStack order (unbind, then bind) is caught."""
    names = three(sim)
    hc(sim, vserver="web")
    sim.clear_requests()
    ok(
        sim.nitro(
            "POST",
            "service_lbmonitor_binding",
            {"service_lbmonitor_binding": [{"name": n, "monitor_name": "web-hc"} for n in names]},
            params={"action": "unbind"},
        )
    )
    ok(
        sim.nitro(
            "PUT",
            "service_lbmonitor_binding",
            {"service_lbmonitor_binding": [{"name": n, "monitor_name": "web-hc"} for n in names]},
        )
    )
    assert len(replay_custom_monitors(sim.requests(), {n: {"web-hc"} for n in names})) == 3


def test_absent_restores_default_monitor(sim):
    names = three(sim)
    hc(sim, vserver="web")
    sim.clear_requests()
    res = hc(sim, vserver="web", state="absent", _diff=True)
    assert res["changed"] is True
    assert get_monitor(sim, "web-hc") is None
    for name in names:
        assert monitors_of(sim, name) == ["tcp-default"]
    assert res["diff"]["after"] == {}
    assert res["diff"]["before"]["services"] == sorted(names)
    sim.clear_requests()
    again = hc(sim, vserver="web", state="absent")
    assert again["changed"] is False
    assert sim.writes() == []


def test_monitor_type_derivation_and_wildcard_port(sim):
    seed(sim, "dsr", [("dsr-s0", "127.9.4.1", "*")], servicetype="ANY", vip="127.9.4.100")
    res = hc(sim, vserver="dsr")
    assert res["changed"] is True, res
    assert get_monitor(sim, "dsr-hc")["type"] == "PING"
    err = hc(sim, vserver="dsr", monitor_type="TCP")
    assert err["failed"] is True
    assert "port" in err["msg"] and "dsr-s0" in err["msg"]
    res = hc(sim, vserver="dsr", monitor_type="TCP", port=8080)
    assert res["changed"] is True, res
    mon = get_monitor(sim, "dsr-hc")
    assert (mon["type"], int(mon["destport"])) == ("TCP", 8080)
    ok(
        sim.nitro(
            "POST",
            "lbvserver",
            {"lbvserver": {"name": "plain", "servicetype": "TCP", "ipv46": "127.9.4.101", "port": 22}},
        )
    )
    assert hc(sim, vserver="plain")["healthcheck"]["monitor_type"] == "TCP"


VALIDATION = [
    ({"response_time": 5, "interval": 5}, "response_time: 5 must be less than interval (5)"),
    ({"response_time": 0}, "response_time: 0 is out of range; allowed 1-60"),
    ({"interval": 301, "response_time": 2}, "interval: 301 is out of range; allowed 1-300"),
    ({"healthy_threshold": 33}, "healthy_threshold: 33 is out of range; allowed 1-32"),
    ({"unhealthy_threshold": 0}, "unhealthy_threshold: 0 is out of range; allowed 1-127"),
    ({"ping_path": "healthz"}, "ping_path: 'healthz' must start with '/'"),
    ({"expected_codes": ["2xx"]}, "expected_codes: '2xx' is not an HTTP status code"),
    ({"expected_codes": ["299-200"]}, "expected_codes: '299-200'"),
    ({"port": 70000}, "port: 70000 is out of range"),
    ({"wait_timeout": 0}, "wait_timeout: 0 must be at least 1 second"),
]


@pytest.mark.parametrize(("args", "message"), VALIDATION)
def test_validation_sends_nothing(sim, args, message):
    sim.clear_requests()
    res = hc(sim, vserver="web", **args)
    assert res["failed"] is True
    assert message in res["msg"], res["msg"]
    assert sim.requests() == []


def test_missing_vserver_is_named(sim):
    res = hc(sim, vserver="nope")
    assert res["failed"] is True
    assert "vserver: no lbvserver named 'nope'" in res["msg"]
    assert sim.writes() == []


def test_nitro_error_passthrough(sim):
    three(sim)
    sim.fault(
        "status",
        method="POST",
        path="/nitro/v1/config/lbmonitor",
        status=599,
        errorcode=257,
        message="Operation not permitted",
    )
    res = hc(sim, vserver="web")
    assert res["failed"] is True
    assert res["nitro_error"]["errorcode"] == 257
    assert get_monitor(sim, "web-hc") is None


def test_wait_succeeds_and_times_out(sim, backend_factory):  # noqa: F811
    sim.set_time_scale(0.02)
    backends = [backend_factory() for _ in range(2)]
    seed(sim, "live", [(f"live-s{i}", b.host, b.port) for i, b in enumerate(backends)], vip="127.9.5.100")
    start = time.monotonic()
    res = hc(sim, vserver="live", wait=True, wait_timeout=20)
    assert res.get("failed") is not True, res
    assert {m["state"] for m in res["members"]} == {"UP"}
    assert time.monotonic() - start < 15
    assert all(b.hits > 0 for b in backends)
    backends[1].stop()
    # The appliance keeps a member UP until `retries` probes have failed; wait for that, or the
    # wait below could rightly succeed on a read taken before the third failed probe.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        _status, body = sim.nitro("GET", "service/live-s1")
        if body["service"][0]["svrstate"] == "DOWN":
            break
        time.sleep(0.05)
    else:
        raise AssertionError("live-s1 never went DOWN after its backend stopped")
    res = hc(sim, vserver="live", wait=True, wait_timeout=3, wait_for="all", unhealthy_threshold=2)
    # a change of thresholds converges, then the wait fails naming the DOWN member
    assert res["failed"] is True, res
    assert "live-s1 (DOWN)" in res["msg"] and "live-s0" not in res["msg"]
    res = hc(sim, vserver="live", wait=True, wait_timeout=5, wait_for="any", unhealthy_threshold=2)
    assert res.get("failed") is not True, res
    assert res["changed"] is False
