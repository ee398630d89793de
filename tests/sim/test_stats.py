"""NITRO stat endpoints for lbvserver and service: state from real probes, counters as strings."""

from __future__ import annotations

import time

import requests

from tests.helpers import backends

backend_factory = backends.backend_factory


def _wait(pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def _ok(sim, method, path, body=None, *, expect=200):
    status, payload = sim.nitro(method, path, body)
    assert status == expect, payload
    return payload


def _setup(sim, backend_factory):
    sim.set_time_scale(0.02)
    b1, b2 = backend_factory(), backend_factory()
    for name, b in (("st1", b1), ("st2", b2)):
        _ok(sim, "POST", "service", {"service": {"name": name, "ip": b.host, "port": b.port, "servicetype": "HTTP"}},
            expect=201)  # fmt: skip
    _ok(sim, "POST", "lbvserver", {"lbvserver": {"name": "stv", "servicetype": "HTTP", "ipv46": "127.0.0.60",
        "port": 8080}}, expect=201)  # fmt: skip
    _ok(sim, "POST", "lbvserver", {"lbvserver": {"name": "empty", "servicetype": "TCP", "ipv46": "127.0.0.61",
        "port": 9000}}, expect=201)  # fmt: skip
    for svc in ("st1", "st2"):
        _ok(sim, "PUT", "lbvserver_service_binding", {"lbvserver_service_binding": {"name": "stv", "servicename": svc}})
    return b1, b2


def test_stat_lbvserver_one_and_all(sim, backend_factory):
    b1, _ = _setup(sim, backend_factory)
    body = _ok(sim, "GET", "/nitro/v1/stat/lbvserver/stv")
    assert (body["errorcode"], body["message"]) == (0, "Done")
    row = body["lbvserver"][0]
    assert row["name"] == "stv"
    assert (row["state"], row["actsvcs"], row["inactsvcs"], row["vslbhealth"]) == ("UP", "2", "0", "100")
    assert (row["primaryipaddress"], row["primaryport"], row["type"]) == ("127.0.0.60", 8080, "HTTP")
    assert row["tothits"] == "0" and row["curclntconnections"] == "0"

    b1.stop()
    assert _wait(lambda: _ok(sim, "GET", "/nitro/v1/stat/lbvserver/stv")["lbvserver"][0]["actsvcs"] == "1")
    row = _ok(sim, "GET", "/nitro/v1/stat/lbvserver/stv")["lbvserver"][0]
    assert (row["state"], row["inactsvcs"], row["vslbhealth"]) == ("UP", "1", "50")

    rows = _ok(sim, "GET", "/nitro/v1/stat/lbvserver")["lbvserver"]
    assert {r["name"]: r["state"] for r in rows} == {"stv": "UP", "empty": "DOWN"}


def test_stat_service_follows_probes(sim, backend_factory):
    b1, b2 = _setup(sim, backend_factory)
    row = _ok(sim, "GET", "/nitro/v1/stat/service/st1")["service"][0]
    assert (row["name"], row["state"], row["servicetype"]) == ("st1", "UP", "HTTP")
    assert (row["primaryipaddress"], row["primaryport"]) == (b1.host, b1.port)
    assert row["totalrequests"] == "0"
    b2.stop()
    assert _wait(lambda: _ok(sim, "GET", "/nitro/v1/stat/service/st2")["service"][0]["state"] == "DOWN")
    rows = _ok(sim, "GET", "/nitro/v1/stat/service")["service"]
    assert {r["name"]: r["state"] for r in rows} == {"st1": "UP", "st2": "DOWN"}


def test_stat_missing_names_answer_like_config(sim):
    status, body = sim.nitro("GET", "/nitro/v1/stat/lbvserver/nope")
    assert (status, body["errorcode"]) == (404, 258)
    status, body = sim.nitro("GET", "/nitro/v1/stat/service/nope")
    assert (status, body["errorcode"]) == (404, 344)


def test_stat_empty_list_has_no_resource_key(sim):
    body = _ok(sim, "GET", "/nitro/v1/stat/service")
    assert "service" not in body
    assert body["errorcode"] == 0


def test_stat_needs_authentication(sim):
    resp = requests.get(f"{sim.url}/nitro/v1/stat/lbvserver", timeout=10)
    assert resp.status_code == 401
