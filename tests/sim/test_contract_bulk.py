"""Contract: bulk arrays, X-NITRO-ONERROR, 207/1243 and the 1,000-service round trip (https://docs.citrix.com/ko-kr/netscaler/11-1/nitro-api/nitro-rest/nitro-rest-usage-scenarios/multiple-nitrocalls-single-request.html)."""

from __future__ import annotations

import time

import pytest
import requests

from tests.sim.conftest import assert_error


def _post(sim, res, items, onerror=None, *, params=None, method="POST"):
    headers = {"X-NITRO-USER": sim.user, "X-NITRO-PASS": sim.password}
    if onerror:
        headers["X-NITRO-ONERROR"] = onerror
    resp = requests.request(method, f"{sim.url}/nitro/v1/config/{res}", json={res: items}, headers=headers,
                            params=params, timeout=60)  # fmt: skip
    return resp.status_code, resp.json()


def _servers(*names):
    return [{"name": n, "ipaddress": f"127.0.1.{i + 1}"} for i, n in enumerate(names)]


def test_bulk_add_all_ok_is_201(sim, api):
    status, body = _post(sim, "server", _servers("a", "b", "c"))
    assert status == 201 and body["errorcode"] == 0
    assert [s["name"] for s in api.get("server")] == ["a", "b", "c"]


def test_bulk_continue_runs_every_item(sim, api):
    api.add("server", name="b", ipaddress="127.0.2.2")
    status, body = _post(sim, "server", _servers("a", "b", "c"), onerror="continue")
    assert (status, body["errorcode"], body["message"], body["severity"]) == (
        207,
        1243,
        "Bulk operation failed",
        "ERROR",
    )
    assert [r["errorcode"] for r in body["response"]] == [0, 273, 0]
    assert sorted(s["name"] for s in api.get("server")) == ["a", "b", "c"]


def test_bulk_exit_stops_at_first_error_and_keeps_earlier(sim, api):
    api.add("server", name="b", ipaddress="127.0.2.2")
    status, body = _post(sim, "server", _servers("a", "b", "c"), onerror="exit")
    assert (status, body["errorcode"]) == (207, 1243)
    assert [r["errorcode"] for r in body["response"]] == [0, 273]
    assert sorted(s["name"] for s in api.get("server")) == ["a", "b"]


def test_bulk_default_onerror_is_exit(sim, api):
    api.add("server", name="b", ipaddress="127.0.2.2")
    status, body = _post(sim, "server", _servers("a", "b", "c"))
    assert status == 207 and len(body["response"]) == 2
    assert "c" not in {s["name"] for s in api.get("server")}


def test_bulk_rollback_undoes_adds(sim, api):
    api.add("server", name="b", ipaddress="127.0.2.2")
    api.call("POST", "nsconfig", {"nsconfig": {}}, action="save")
    status, body = _post(sim, "server", _servers("a", "b", "c"), onerror="rollback")
    assert (status, body["errorcode"]) == (207, 1243)
    assert [r["errorcode"] for r in body["response"]] == [0, 273]
    assert [s["name"] for s in api.get("server")] == ["b"]
    assert api.call("GET", "nsconfig")[1]["nsconfig"]["configchanged"] is False


def test_bulk_rollback_undoes_binds(sim, api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    api.add("service", name="s1", servicetype="HTTP", ip="127.0.0.21", port=80)
    items = [{"name": "vs1", "servicename": "s1"}, {"name": "vs1", "servicename": "missing"}]
    status, body = _post(sim, "lbvserver_service_binding", items, onerror="rollback", method="PUT")
    assert status == 207 and [r["errorcode"] for r in body["response"]] == [0, 344]
    assert api.get("lbvserver_service_binding", "vs1") == []


def test_bulk_rollback_does_not_undo_updates(sim, api):
    api.add("server", name="a", ipaddress="127.0.2.1")
    items = [{"name": "a", "comment": "changed"}, {"name": "nope", "comment": "x"}]
    status, body = _post(sim, "server", items, onerror="rollback", method="PUT")
    assert status == 207 and [r["errorcode"] for r in body["response"]] == [0, 258]
    assert api.one("server", "a")["comment"] == "changed"


def test_onerror_in_params_payload(sim, api):
    api.add("server", name="b", ipaddress="127.0.2.2")
    headers = {"X-NITRO-USER": sim.user, "X-NITRO-PASS": sim.password}
    body = {"params": {"onerror": "continue"}, "server": _servers("a", "b", "c")}
    resp = requests.post(f"{sim.url}/nitro/v1/config/server", json=body, headers=headers)
    assert resp.status_code == 207 and len(resp.json()["response"]) == 3


def test_bulk_update_put_array(sim, api):
    _post(sim, "server", _servers("a", "b"))
    status, body = _post(sim, "server", [{"name": "a", "comment": "x"}, {"name": "b", "comment": "y"}], method="PUT")
    assert status == 200 and body["errorcode"] == 0
    assert [s["comment"] for s in api.get("server")] == ["x", "y"]


def test_bulk_delete_action_rm(sim, api):
    _post(sim, "server", _servers("a", "b", "c"))
    status, body = _post(sim, "server", [{"name": "a"}, {"name": "c"}], params={"action": "rm"})
    assert status == 200 and body["errorcode"] == 0
    assert [s["name"] for s in api.get("server")] == ["b"]


def test_bulk_rm_monitors_with_type(sim, api):
    api.add("lbmonitor", monitorname="m1", type="TCP")
    api.add("lbmonitor", monitorname="m2", type="HTTP")
    items = [{"monitorname": "m1", "type": "TCP"}, {"monitorname": "m2"}]
    status, body = _post(sim, "lbmonitor", items, params={"action": "rm"}, onerror="continue")
    assert status == 207 and [r["errorcode"] for r in body["response"]] == [0, 1095]


def test_bulk_bind_and_unbind(sim, api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    _post(sim, "service", [{"name": f"s{i}", "servicetype": "HTTP", "ip": f"127.0.3.{i}", "port": 80} for i in (1, 2)])
    items = [{"name": "vs1", "servicename": "s1"}, {"name": "vs1", "servicename": "s2"}]
    status, _ = _post(sim, "lbvserver_service_binding", items, method="PUT")
    assert status == 200
    assert [r["servicename"] for r in api.get("lbvserver_service_binding", "vs1")] == ["s1", "s2"]
    status, body = _post(sim, "lbvserver_service_binding", items, params={"action": "unbind"})
    assert status == 200 and body["errorcode"] == 0
    assert api.get("lbvserver_service_binding", "vs1") == []


def test_bulk_enable_disable(sim, api):
    _post(sim, "server", _servers("a", "b"))
    status, _ = _post(sim, "server", [{"name": "a"}, {"name": "b"}], params={"action": "disable"})
    assert status == 200
    assert [s["state"] for s in api.get("server")] == ["DISABLED", "DISABLED"]


def test_invalid_onerror_value(sim):
    status, body = _post(sim, "server", _servers("a"), onerror="sometimes")
    assert_error((status, body), 400, 1097)


@pytest.mark.slow
def test_thousand_services_bulk_round_trip(sim, api):
    items = [
        {"name": f"svc{i:04d}", "servicetype": "HTTP", "ip": f"127.10.{i // 250}.{i % 250 + 1}", "port": 8080}
        for i in range(1000)
    ]
    start = time.perf_counter()
    status, body = _post(sim, "service", items)
    added = time.perf_counter()
    assert status == 201 and body["errorcode"] == 0
    status, body = api.call("GET", "service", count="yes")
    counted = time.perf_counter()
    assert status == 200 and body["service"] == [{"__count": 1000}]
    rows = api.get("service", attrs="name,ipaddress")
    done = time.perf_counter()
    assert len(rows) == 1000 and rows[999] == {"name": "svc0999", "ipaddress": "127.10.3.250"}
    assert api.call("GET", "server", count="yes")[1]["server"] == [{"__count": 1000}]
    print(f"\n1000-service bulk add {added - start:.3f}s, count {counted - added:.3f}s, get-all {done - counted:.3f}s")
    assert added - start < 3.0 and counted - added < 1.0 and done - counted < 3.0
