"""lb_healthcheck_info: health read back from real probes of loopback backends through the simulator."""

from __future__ import annotations

import time
from typing import Any

from tests.helpers.backends import backend_factory, loopback_ip  # noqa: F401  (fixtures)
from tests.helpers.runner import connection, run_module
from tests.integration.test_lb_healthcheck import hc, only_gets, seed


def info(sim, **args: Any) -> dict[str, Any]:
    check = args.pop("_check", False)
    return run_module("lb_healthcheck_info", {**connection(sim), **args}, check=check)


def wait_states(sim, vserver: str, want: dict[str, str], timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        res = info(sim, vserver=vserver)
        states = {m["name"]: m["state"] for m in res["healthcheck"]["members"]}
        if all(states.get(k) == v for k, v in want.items()) or time.monotonic() > deadline:
            return res
        time.sleep(0.2)


def test_up_and_down_members_read_back(sim, backend_factory):  # noqa: F811
    sim.set_time_scale(0.02)
    backends = [backend_factory() for _ in range(3)]
    seed(sim, "app", [(f"app-s{i}", b.host, b.port) for i, b in enumerate(backends)], vip="127.9.6.100")
    res = hc(sim, vserver="app", ping_path="/health", wait=True, wait_timeout=20)
    assert res.get("failed") is not True, res

    out = info(sim, vserver="app", query="members[?state=='DOWN'].name")
    assert out["changed"] is False
    entry = out["healthcheck"]
    assert out["healthchecks"] == [entry]
    assert entry["vserver"] == "app"
    assert entry["servicetype"] == "HTTP"
    hcheck = entry["healthcheck"]
    assert (hcheck["name"], hcheck["monitor_type"], hcheck["ping_path"], hcheck["http_method"]) == (
        "app-hc",
        "HTTP",
        "/health",
        "GET",
    )
    assert (
        hcheck["response_time"],
        hcheck["interval"],
        hcheck["healthy_threshold"],
        hcheck["unhealthy_threshold"],
    ) == (
        2,
        5,
        2,
        3,
    )
    assert hcheck["expected_codes"] == ["200"]
    assert entry["monitors"] == ["app-hc"]
    members = {m["name"]: m for m in entry["members"]}
    assert set(members) == {"app-s0", "app-s1", "app-s2"}
    for i, b in enumerate(backends):
        m = members[f"app-s{i}"]
        assert (m["address"], m["port"], m["state"], m["monitor"], m["monitor_state"]) == (
            b.host,
            b.port,
            "UP",
            "app-hc",
            "UP",
        )
        assert m["total_probes"] >= 2 and m["failed_probes"] == 0
        assert "200" in m["last_response"]
    assert all(r.path == "/health" for b in backends for r in b.requests)
    assert out["query_result"] == []

    backends[1].stop()
    res = wait_states(sim, "app", {"app-s1": "DOWN"})
    down = {m["name"]: m for m in res["healthcheck"]["members"]}["app-s1"]
    assert (down["state"], down["monitor_state"]) == ("DOWN", "DOWN")
    assert down["failed_probes"] >= 3
    out = info(sim, vserver="app", query="members[?state=='DOWN'].name")
    assert out["query_result"] == ["app-s1"]


def test_all_vservers_constant_requests_and_check_mode(sim):
    seed(sim, "a", [(f"a{i}", f"127.9.7.{i + 1}", 80) for i in range(3)], vip="127.9.7.100")
    seed(sim, "b", [(f"b{i}", f"127.9.8.{i + 1}", 80) for i in range(30)], vip="127.9.8.100")
    hc(sim, vserver="a")
    sim.clear_requests()
    out = info(sim, _check=True, query="[?healthcheck.name].vserver")
    assert out["changed"] is False
    assert {e["vserver"] for e in out["healthchecks"]} == {"a", "b"}
    by_name = {e["vserver"]: e for e in out["healthchecks"]}
    assert by_name["a"]["healthcheck"]["name"] == "a-hc"
    assert by_name["b"]["healthcheck"] == {}
    assert by_name["b"]["monitors"] == ["tcp-default"]
    assert len(by_name["b"]["members"]) == 30
    assert out["query_result"] == ["a"]
    gets = only_gets(sim)
    # lbvserver, lbmonitor, service_lbmonitor_binding, then one lbvserver_binding per vserver
    assert len(gets) == 3 + 2, [g["path"] for g in gets]
    sim.clear_requests()
    info(sim, vserver="b")
    assert len(only_gets(sim)) == 4


def test_errors(sim):
    sim.clear_requests()
    res = info(sim, vserver="x", query="members[?")
    assert res["failed"] is True
    assert "query: 'members[?' is not a valid JMESPath expression" in res["msg"]
    assert sim.requests() == []
    res = info(sim, vserver="nope")
    assert res["failed"] is True
    assert "vserver: no lbvserver named 'nope'" in res["msg"]
    sim.fault("status", method="GET", path="/nitro/v1/config/lbvserver", status=599, errorcode=257, message="boom")
    res = info(sim)
    assert res["failed"] is True
    assert res["nitro_error"]["errorcode"] == 257


def test_query_failing_on_the_data_names_query_error_and_type(sim):
    """Before: a JMESPathTypeError traceback and no msg."""
    sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "a", "servicetype": "HTTP"}})
    res = info(sim, vserver="a", query="abs(vserver)")
    assert res["failed"] is True and "Traceback" not in res["_stdout"] + res["_stderr"]
    assert res["msg"] == (
        "query: 'abs(vserver)' failed on the data with JMESPathTypeError: abs() takes number, but met a value of "
        "type string"
    )


def test_query_whose_result_explodes_is_stopped(sim):
    """Before: "[@,@]|" repeated 20 times ran unbounded (the result doubles at each step)."""
    sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "a", "servicetype": "HTTP"}})
    started = time.monotonic()
    nested = info(sim, vserver="a", query="[@,@]|" * 20 + "@")
    flat = info(sim, query="[@,@][]|" * 40 + "@")  # a flat list that doubles, 2^40 items if not stopped
    assert time.monotonic() - started < 30
    assert nested["failed"] is True and flat["failed"] is True
    assert "grows without bound: it would return more than 200,000 values" in nested["msg"]
    assert "grows without bound: it built a list of more than 100,000 items" in flat["msg"]
    assert nested["msg"].startswith("query: '[@,@]|[@,@]|")
