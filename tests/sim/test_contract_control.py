"""Contract: control API odds and ends, thread safety and keep-alive under concurrency."""

from __future__ import annotations

import threading

import requests


def test_time_scale_control(sim):
    assert requests.get(sim.url + "/sim/v1/time-scale").json() == {"factor": 1.0}
    sim.set_time_scale(0.25)
    assert requests.get(sim.url + "/sim/v1/time-scale").json() == {"factor": 0.25}
    sim.reset()
    assert requests.get(sim.url + "/sim/v1/time-scale").json() == {"factor": 1.0}
    assert requests.post(sim.url + "/sim/v1/time-scale", json={"factor": 0}).status_code == 400


def test_vip_control_endpoint(sim, api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    vip = sim.vip("127.0.0.10")
    assert vip["ip"] == "127.0.0.10"
    assert [v["name"] for v in vip["vservers"]] == ["vs1"]
    assert vip["vservers"][0]["curstate"] == "DOWN"  # no service bound


def test_unknown_control_endpoint_is_404(sim):
    assert requests.get(sim.url + "/sim/v1/nope").status_code == 404


def test_unknown_nitro_resource(api):
    status, body = api.call("GET", "csvserver")
    assert (status, body["errorcode"]) == (404, 258)
    status, body = api.call("POST", "csvserver", {"csvserver": {"name": "x"}})
    assert (status, body["errorcode"]) == (400, 1074)


def test_concurrent_writers_are_serialised(sim, api):
    errors: list[object] = []

    def worker(n: int) -> None:
        with requests.Session() as http:
            http.auth = (sim.user, sim.password)
            for i in range(25):
                body = {"server": {"name": f"w{n}-{i}", "ipaddress": f"127.0.{n + 100}.{i + 1}"}}
                resp = http.post(sim.url + "/nitro/v1/config/server", json=body, timeout=30)
                if resp.status_code != 201:
                    errors.append(resp.text)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert api.call("GET", "server", count="yes")[1]["server"] == [{"__count": 200}]
    assert len(sim.writes()) == 200
    assert sorted(r["seq"] for r in sim.requests()) == [r["seq"] for r in sim.requests()]
