"""adcops.netscaler.lb_service against the NITRO simulator over HTTP, run the way Ansible runs a module."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.runner import connection, run_module

CONFIG = "/nitro/v1/config/"


def only_reads(sim: Any) -> None:
    """Every request since clear_requests() is a GET or login/logout."""
    requests = sim.requests()
    assert requests, "the module sent no request at all"
    for request in requests:
        assert request["method"] == "GET" or request["path"] in (CONFIG + "login", CONFIG + "logout"), request
    assert sim.writes() == []


def svc(sim: Any, name: str) -> dict[str, Any] | None:
    status, body = sim.nitro("GET", f"service/{name}")
    return body["service"][0] if status == 200 else None


def run(sim: Any, args: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return run_module("lb_service", {**connection(sim), **args}, **kwargs)


WEB = {"name": "web-01", "ip": "127.0.10.1", "servicetype": "HTTP", "port": 80}


def test_create_rerun_update(sim: Any) -> None:
    created = run(sim, {**WEB, "maxclient": 10, "usip": True}, diff=True)
    assert created["changed"] is True, created
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"]["ip"] == "127.0.10.1"
    assert created["service"]["ipaddress"] == "127.0.10.1"
    assert created["service"]["usip"] == "YES"
    have = svc(sim, "web-01")
    assert have["servicetype"] == "HTTP" and have["port"] == "80" and have["maxclient"] == "10"

    sim.clear_requests()
    again = run(sim, {**WEB, "maxclient": 10, "usip": True})
    assert again["changed"] is False, again
    only_reads(sim)

    sim.clear_requests()
    updated = run(sim, {**WEB, "ip": "127.0.10.2", "maxclient": 20, "comment": "moved"}, diff=True)
    assert updated["changed"] is True
    assert updated["diff"]["before"]["ip"] == "127.0.10.1"
    assert updated["diff"]["after"]["ip"] == "127.0.10.2"
    assert updated["diff"]["after"]["maxclient"] == 20
    # NITRO updates the address as `ipaddress` in a PUT (https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/basic/service).
    puts = [w for w in sim.writes() if w["method"] == "PUT"]
    assert len(puts) == 1 and puts[0]["body"]["service"][0]["ipaddress"] == "127.0.10.2"
    have = svc(sim, "web-01")
    assert have["ipaddress"] == "127.0.10.2" and have["maxclient"] == "20" and have["comment"] == "moved"


def test_check_mode_sends_no_write(sim: Any) -> None:
    sim.clear_requests()
    result = run(sim, WEB, check=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["name"] == "web-01"
    only_reads(sim)
    assert svc(sim, "web-01") is None

    run(sim, WEB)
    sim.clear_requests()
    result = run(sim, {**WEB, "maxclient": 5, "state": "disabled"}, check=True)
    assert result["changed"] is True
    only_reads(sim)
    assert svc(sim, "web-01")["maxclient"] == "0"


def test_enable_disable_idempotent(sim: Any) -> None:
    created = run(sim, {**WEB, "state": "disabled"})
    assert created["changed"] is True
    assert svc(sim, "web-01")["svrstate"] == "OUT OF SERVICE"

    sim.clear_requests()
    assert run(sim, {"name": "web-01", "state": "disabled"})["changed"] is False
    only_reads(sim)

    enabled = run(sim, {"name": "web-01", "state": "enabled"}, diff=True)
    assert enabled["changed"] is True
    assert enabled["diff"] == {
        "before": {**enabled["diff"]["before"], "state": "disabled"},
        "after": {**enabled["diff"]["before"], "state": "enabled"},
    }
    assert svc(sim, "web-01")["svrstate"] != "OUT OF SERVICE"
    sim.clear_requests()
    assert run(sim, {"name": "web-01", "state": "enabled"})["changed"] is False
    only_reads(sim)

    sim.clear_requests()
    drained = run(sim, {"name": "web-01", "state": "disabled", "graceful": True, "delay": 30})
    assert drained["changed"] is True
    disables = [w for w in sim.writes() if w["query"].get("action") == "disable"]
    assert len(disables) == 1
    assert disables[0]["body"]["service"] == [{"name": "web-01", "graceful": "YES", "delay": 30}]
    assert svc(sim, "web-01")["svrstate"] in ("OUT OF SERVICE", "GOING OUT OF SERVICE")


def test_absent(sim: Any) -> None:
    run(sim, WEB)
    gone = run(sim, {"name": "web-01", "state": "absent"}, diff=True)
    assert gone["changed"] is True
    assert gone["diff"]["after"] == {} and gone["diff"]["before"]["name"] == "web-01"
    assert svc(sim, "web-01") is None
    sim.clear_requests()
    assert run(sim, {"name": "web-01", "state": "absent"})["changed"] is False
    only_reads(sim)


def test_immutable_change_fails_without_recreate(sim: Any) -> None:
    run(sim, WEB)
    sim.clear_requests()
    result = run(sim, {**WEB, "port": 8080})
    assert result["failed"] is True
    assert "port" in result["msg"] and "'80'" in result["msg"] and "8080" in result["msg"]
    assert "recreate" in result["msg"]
    assert sim.writes() == []
    assert svc(sim, "web-01")["port"] == "80"


def test_recreate_restores_bindings(sim: Any) -> None:
    run(sim, {**WEB, "maxclient": 7, "comment": "keep me"})
    assert sim.nitro("POST", "lbmonitor", {"lbmonitor": {"monitorname": "mon-http", "type": "HTTP"}})[0] == 201
    body = {"lbvserver": {"name": "vs1", "servicetype": "HTTP", "ipv46": "127.0.20.1", "port": 80}}
    assert sim.nitro("POST", "lbvserver", body)[0] == 201
    bind = {"lbvserver_service_binding": {"name": "vs1", "servicename": "web-01", "weight": 7}}
    assert sim.nitro("PUT", "lbvserver_service_binding", bind)[0] == 200
    mon = {"service_lbmonitor_binding": {"name": "web-01", "monitor_name": "mon-http", "weight": 2}}
    assert sim.nitro("PUT", "service_lbmonitor_binding", mon)[0] == 200

    sim.clear_requests()
    result = run(sim, {"name": "web-01", "port": 8080, "recreate": True}, diff=True)
    assert result["changed"] is True, result
    assert result["recreated"] == ["web-01"]
    assert result["diff"]["before"]["port"] == "80" and result["diff"]["after"]["port"] == 8080
    have = svc(sim, "web-01")
    assert have["port"] == "8080" and have["ipaddress"] == "127.0.10.1"
    assert have["maxclient"] == "7" and have["comment"] == "keep me"
    rows = sim.nitro("GET", "lbvserver_service_binding/vs1")[1]["lbvserver_service_binding"]
    assert [(r["servicename"], r["weight"]) for r in rows] == [("web-01", "7")]
    monitors = sim.nitro("GET", "service_lbmonitor_binding/web-01")[1]["service_lbmonitor_binding"]
    assert [(m["monitor_name"], m["weight"]) for m in monitors] == [("mon-http", "2")]
    # another port: make-before-break, one bulk request per step (a constant number of writes). The replacement is
    # added and bound beside the original, then the original deleted and the replacement renamed.
    assert result["recreated_beside"] == ["web-01"]
    assert write_steps(sim) == [
        ("POST", "service", None, ["web-01-recreate"]),
        ("PUT", "service_lbmonitor_binding", None, ["web-01-recreate"]),
        ("PUT", "lbvserver_service_binding", None, ["vs1"]),
        ("POST", "service", "rm", ["web-01"]),
        ("POST", "service", "rename", ["web-01-recreate"]),
    ]

    sim.clear_requests()
    assert run(sim, {"name": "web-01", "port": 8080, "recreate": True})["changed"] is False
    only_reads(sim)

    # another service type on the same server and port: delete-first (delete, add, two bulk binds)
    sim.clear_requests()
    result = run(sim, {"name": "web-01", "servicetype": "TCP", "recreate": True})
    assert result["changed"] is True and result["recreated"] == ["web-01"] and result["recreated_beside"] == []
    assert svc(sim, "web-01")["servicetype"] == "TCP"
    rows = sim.nitro("GET", "lbvserver_service_binding/vs1")[1]["lbvserver_service_binding"]
    assert [(r["servicename"], r["weight"]) for r in rows] == [("web-01", "7")]
    assert [step[:3] for step in write_steps(sim)] == [
        ("POST", "service", "rm"),
        ("POST", "service", None),
        ("PUT", "service_lbmonitor_binding", None),
        ("PUT", "lbvserver_service_binding", None),
    ]


def test_recreate_beside_many_services_is_constant(sim: Any) -> None:
    names = [f"m{i}" for i in range(1, 7)]
    items = [{"name": n, "ip": f"127.0.12.{i}"} for i, n in enumerate(names, 1)]
    run(sim, {"servicetype": "HTTP", "port": 80, "services": items})
    assert sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "vs1", "servicetype": "HTTP"}})[0] == 201
    for n in names:
        bind = {"lbvserver_service_binding": {"name": "vs1", "servicename": n, "weight": 2}}
        assert sim.nitro("PUT", "lbvserver_service_binding", bind)[0] == 200
    sim.clear_requests()
    result = run(sim, {"servicetype": "HTTP", "port": 8080, "recreate": True, "services": items})
    assert result["changed"] is True and result["recreated_beside"] == names
    assert [step[:3] for step in write_steps(sim)] == [
        ("POST", "service", None),
        ("PUT", "lbvserver_service_binding", None),
        ("POST", "service", "rm"),
        ("POST", "service", "rename"),
    ]
    assert {n: svc(sim, n)["port"] for n in names} == dict.fromkeys(names, "8080")
    rows = sim.nitro("GET", "lbvserver_service_binding/vs1")[1]["lbvserver_service_binding"]
    assert sorted((r["servicename"], r["weight"]) for r in rows) == [(n, "2") for n in names]


def write_steps(sim: Any) -> list[tuple[str, str, str | None, list[Any]]]:
    """Each write as (method, path after config/, action, the names in its body)."""
    steps = []
    for write in sim.writes():
        body = next(iter((write.get("body") or {}).values()), None)
        items = body if isinstance(body, list) else [body]
        names = [item.get("name") for item in items if isinstance(item, dict)]
        steps.append((write["method"], write["path"].removeprefix(CONFIG), write["query"].get("action"), names))
    return steps


def test_list_mode_defaults_and_bulk(sim: Any) -> None:
    members = [{"name": f"dsr-{i:02d}", "ip": f"127.0.30.{i}"} for i in range(1, 21)]
    members[3]["state"] = "disabled"
    members[4]["maxclient"] = 99
    args = {"servicetype": "ANY", "port": "*", "usip": True, "services": members}
    sim.clear_requests()
    created = run(sim, args, diff=True)
    assert created["changed"] is True, created
    assert created["summary"]["added"] == 20
    assert len(created["services"]) == 20
    writes = sim.writes()
    assert [(w["method"], w["query"].get("action")) for w in writes] == [("POST", None)]
    assert writes[0]["onerror"] == "rollback"
    assert len(sim.requests()) <= 5  # login, GET all, bulk add, GET all, logout
    state = sim.state()["service"]
    assert state["dsr-04"]["svrstate"] == "OUT OF SERVICE"
    assert state["dsr-05"]["maxclient"] == "99"
    assert all(s["port"] == "65535" and s["usip"] == "YES" and s["servicetype"] == "ANY" for s in state.values())

    sim.clear_requests()
    assert run(sim, args)["changed"] is False
    only_reads(sim)
    assert len(sim.requests()) == 3

    # update some, enable one, disable one, delete two: one bulk request per kind of change.
    members[3]["state"] = "enabled"
    members[5]["state"] = "disabled"
    members[6]["maxclient"] = 5
    members[7]["ip"] = "127.0.31.8"
    members[8]["state"] = "absent"
    members[9]["state"] = "absent"
    sim.clear_requests()
    changed = run(sim, args)
    assert changed["summary"] == {
        "added": 0, "updated": 2, "deleted": 2, "enabled": 1, "disabled": 1, "recreated": 0
    }  # fmt: skip
    kinds = sorted((w["method"], w["query"].get("action") or "") for w in sim.writes())
    assert kinds == [("POST", "disable"), ("POST", "enable"), ("POST", "rm"), ("PUT", "")]
    state = sim.state()["service"]
    assert "dsr-09" not in state and "dsr-10" not in state
    assert state["dsr-08"]["ipaddress"] == "127.0.31.8"
    assert state["dsr-06"]["svrstate"] == "OUT OF SERVICE"
    assert state["dsr-04"]["svrstate"] != "OUT OF SERVICE"
    assert len(changed["services"]) == 18


def test_list_mode_failed_add_rolls_back(sim: Any) -> None:
    members = [{"name": f"rb-{i}", "ip": f"127.0.40.{i}"} for i in range(1, 6)]
    sim.fault("bulk_fail", method="POST", path=CONFIG + "service", at_item=3, errorcode=1097)
    result = run(sim, {"servicetype": "HTTP", "port": 80, "services": members})
    assert result["failed"] is True
    assert result["changed"] is False  # NITRO rolled the add back: nothing was kept
    assert result["nitro_error"]["errorcode"] == 1097
    assert "rolled back" in result["msg"]
    assert result["applied"] == [] and result["not_applied"] == [m["name"] for m in members]
    assert sim.state()["service"] == {}


def test_nitro_error_passthrough(sim: Any) -> None:
    sim.fault(
        "status", method="POST", path=CONFIG + "service", status=599, errorcode=356, message="Feature(s) not licensed"
    )
    result = run(sim, WEB)
    assert result["failed"] is True
    assert result["nitro_error"]["errorcode"] == 356 and result["nitro_error"]["http_status"] == 599
    assert "Feature(s) not licensed" in result["msg"]
    # servername of a server that does not exist: NITRO's own answer comes back.
    result = run(sim, {"name": "web-02", "servername": "nosuch", "servicetype": "HTTP", "port": 80})
    assert result["failed"] is True and result["nitro_error"]["errorcode"] is not None


def test_missing_create_options_fail_before_writes(sim: Any) -> None:
    sim.clear_requests()
    result = run(sim, {"name": "web-01", "ip": "127.0.10.1"})
    assert result["failed"] is True
    assert "web-01 (servicetype, port)" in result["msg"]
    assert sim.writes() == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({**WEB, "port": 70000}, "port: 70000 is not a valid port"),
        ({**WEB, "port": "http"}, "port: 'http' is not a valid port"),
        ({**WEB, "ip": "10.0.0.300"}, "ip: '10.0.0.300' is not a valid IP address"),
        ({**WEB, "servername": "srv1"}, "ip and servername are mutually exclusive"),
        ({**WEB, "name": "-bad"}, "name: '-bad' is not a valid NetScaler name"),
        ({**WEB, "graceful": True}, "graceful and delay apply only to state=disabled"),
        ({**WEB, "maxclient": -1}, "maxclient: -1 is out of range"),
        ({"services": [WEB, WEB]}, "'web-01' is listed more than once"),
        ({"services": [{**WEB, "port": 0}]}, "services[0].port: 0 is not a valid port"),
        ({**WEB, "services": [WEB]}, "mutually exclusive"),
        ({"servicetype": "HTTP"}, "one of the following is required: name, services"),
    ],
)
def test_validation_fails_before_any_request(sim: Any, args: dict[str, Any], fragment: str) -> None:
    sim.clear_requests()
    result = run(sim, args)
    assert result["failed"] is True
    assert fragment in result["msg"], result["msg"]
    assert sim.requests() == []
