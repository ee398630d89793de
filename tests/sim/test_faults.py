"""Fault injection and session control, each observable by a plain `requests` client (issue 4)."""

from __future__ import annotations

import time

import pytest
import requests

AUTH = ("nsroot", "nsroot")


def _get(sim, res="lbvserver", timeout=30, **kw):
    return requests.get(f"{sim.url}/nitro/v1/config/{res}", auth=AUTH, timeout=timeout, **kw)


@pytest.mark.parametrize(("status", "errorcode"), [(503, None), (500, 1), (599, 2164)])
def test_status_fault_answers_status_and_errorcode_then_recovers(sim, status, errorcode):
    fault = sim.fault("status", status=status, errorcode=errorcode, message="injected")
    assert fault["kind"] == "status" and fault["count"] == 1
    resp = _get(sim)
    assert resp.status_code == status
    body = resp.json()
    assert body["errorcode"] == (errorcode if errorcode is not None else 256)
    assert body["severity"] == "ERROR" and "injected" in body["message"]
    assert _get(sim).status_code == 200  # count=1: the next request is normal
    log = sim.requests()
    assert [r["status"] for r in log] == [status, 200]


def test_status_fault_does_not_execute_the_write(sim, api):
    sim.fault("status", status=503)
    status, _ = api.call("POST", "server", {"server": {"name": "s1", "ipaddress": "127.0.0.5"}})
    assert status == 503
    assert api.get("server") == []


def test_fault_matches_method_and_path_regex(sim, api):
    sim.fault("status", count=2, method="POST", path=r"/lbvserver$", status=599, errorcode=257)
    assert _get(sim).status_code == 200  # GET: not matched
    assert api.call("POST", "server", {"server": {"name": "s1", "ipaddress": "127.0.0.5"}})[0] == 201
    body = {"lbvserver": {"name": "v", "servicetype": "HTTP"}}
    assert api.call("POST", "lbvserver", body)[0] == 599
    assert api.call("POST", "lbvserver", body)[0] == 599
    assert api.call("POST", "lbvserver", body)[0] == 201
    assert sim.faults()[0]["fired"] == 2 and sim.faults()[0]["count"] == 0


def test_unlimited_fault_until_cleared(sim):
    sim.fault("status", count=-1, status=503)
    assert [_get(sim).status_code for _ in range(3)] == [503, 503, 503]
    sim.clear_faults()
    assert _get(sim).status_code == 200


def test_disconnect_mid_response(sim, api):
    sim.fault("disconnect", method="POST")
    # requests reports the truncated body as ChunkedEncodingError (IncompleteRead).
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        requests.post(f"{sim.url}/nitro/v1/config/server", json={"server": {"name": "s1", "ipaddress": "127.0.0.5"}},
                      auth=AUTH, timeout=10)  # fmt: skip
    # The request was executed before the answer was cut: a retry sees 409/273.
    assert api.one("server", "s1")["ipaddress"] == "127.0.0.5"
    assert api.call("POST", "server", {"server": {"name": "s1", "ipaddress": "127.0.0.5"}})[0] == 409


def test_stall_delays_the_answer(sim):
    sim.fault("stall", seconds=0.6)
    start = time.perf_counter()
    assert _get(sim).status_code == 200
    assert time.perf_counter() - start >= 0.6
    start = time.perf_counter()
    assert _get(sim).status_code == 200
    assert time.perf_counter() - start < 0.5


def test_stall_triggers_client_timeout(sim):
    sim.fault("stall", seconds=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        _get(sim, timeout=0.3)


def _bulk(sim, items, onerror):
    headers = {"X-NITRO-ONERROR": onerror}
    return requests.post(f"{sim.url}/nitro/v1/config/server", json={"server": items}, auth=AUTH, headers=headers)


ITEMS = [{"name": f"s{i}", "ipaddress": f"127.0.4.{i + 1}"} for i in range(4)]


def test_bulk_fail_at_item_with_continue(sim, api):
    sim.fault("bulk_fail", at_item=1)
    resp = _bulk(sim, ITEMS, "continue")
    assert resp.status_code == 207
    body = resp.json()
    assert body["errorcode"] == 1243 and [r["errorcode"] for r in body["response"]] == [0, 1097, 0, 0]
    assert [s["name"] for s in api.get("server")] == ["s0", "s2", "s3"]


def test_bulk_fail_at_item_with_exit_and_custom_code(sim, api):
    sim.fault("bulk_fail", at_item=2, errorcode=273, status=409)
    body = _bulk(sim, ITEMS, "exit").json()
    assert [r["errorcode"] for r in body["response"]] == [0, 0, 273]
    assert [s["name"] for s in api.get("server")] == ["s0", "s1"]


def test_bulk_fail_at_item_with_rollback(sim, api):
    sim.fault("bulk_fail", at_item=3)
    resp = _bulk(sim, ITEMS, "rollback")
    assert resp.status_code == 207 and len(resp.json()["response"]) == 4
    assert api.get("server") == []


def test_bulk_fail_ignores_single_requests(sim, api):
    sim.fault("bulk_fail", at_item=0)
    assert api.call("POST", "server", {"server": {"name": "x", "ipaddress": "127.0.0.9"}})[0] == 201
    assert _bulk(sim, ITEMS[:1], "continue").status_code == 207


def _session(sim):
    body = {"login": {"username": "nsroot", "password": "nsroot"}}
    token = requests.post(f"{sim.url}/nitro/v1/config/login", json=body).json()["sessionid"]
    return {"Cookie": f"NITRO_AUTH_TOKEN={token}"}


def test_expire_sessions_gives_444(sim):
    cookie = _session(sim)
    assert requests.get(f"{sim.url}/nitro/v1/config/lbvserver", headers=cookie).status_code == 200
    assert sim.expire_sessions() == 1
    resp = requests.get(f"{sim.url}/nitro/v1/config/lbvserver", headers=cookie)
    assert (resp.status_code, resp.json()["errorcode"]) == (401, 444)
    assert "expired" in resp.json()["message"].lower()
    fresh = _session(sim)  # logging in again works
    assert requests.get(f"{sim.url}/nitro/v1/config/lbvserver", headers=fresh).status_code == 200


def test_kill_sessions_gives_444(sim):
    cookie = _session(sim)
    assert sim.kill_sessions() == 1
    resp = requests.get(f"{sim.url}/nitro/v1/config/lbvserver", headers=cookie)
    assert (resp.status_code, resp.json()["errorcode"]) == (401, 444)


def test_header_auth_is_unaffected_by_session_kill(sim):
    _session(sim)
    sim.kill_sessions()
    assert _get(sim).status_code == 200


def test_bad_fault_spec_is_rejected(sim):
    resp = requests.post(f"{sim.url}/sim/v1/faults", json={"kind": "explode"})
    assert resp.status_code == 400
    resp = requests.post(f"{sim.url}/sim/v1/faults", json={"kind": "stall"})
    assert resp.status_code == 400


def test_faults_are_reset_between_tests_via_reset(sim):
    sim.fault("status", count=-1)
    sim.reset()
    assert sim.faults() == [] and _get(sim).status_code == 200
