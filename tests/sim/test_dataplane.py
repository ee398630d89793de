"""Optional data plane: real TCP clients against VIP:port, round-robin to UP services, quiet VIPs as RST or drop."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from tests.helpers import backends

backend_factory = backends.backend_factory
loopback_ip = backends.loopback_ip

PORT = 8080


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


def _connect_outcome(ip, port, timeout=0.5):
    """'refused' | 'silent' (connected, no answer) | 'answered'."""
    try:
        s = socket.create_connection((ip, port), timeout=timeout)
    except (ConnectionRefusedError, ConnectionResetError):  # both are a TCP RST to the SYN
        return "refused"
    try:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return "answered" if s.recv(1) else "closed"
    except TimeoutError:
        return "silent"
    except ConnectionResetError:
        return "refused"
    finally:
        s.close()


@pytest.fixture
def plane(sim, backend_factory, loopback_ip):
    sim.set_time_scale(0.02)
    vip = loopback_ip()
    made = [backend_factory(name="alpha"), backend_factory(name="beta")]
    for b in made:
        _ok(sim, "POST", "service", {"service": {"name": b.name, "ip": b.host, "port": b.port, "servicetype": "HTTP"}},
            expect=201)  # fmt: skip
    _ok(sim, "POST", "lbvserver", {"lbvserver": {"name": "web", "servicetype": "HTTP", "ipv46": vip, "port": PORT}},
        expect=201)  # fmt: skip
    for b in made:
        _ok(sim, "PUT", "lbvserver_service_binding", {"lbvserver_service_binding": {"name": "web",
            "servicename": b.name}})  # fmt: skip
    engine = sim.simulator.health
    dp = engine.enable_dataplane()
    assert _wait(lambda: (vip, PORT) in dp.listeners)
    yield vip, made
    engine.enable_dataplane(False)


def test_round_robin_to_up_services_and_hit_counters(sim, plane):
    vip, _ = plane
    seen = [requests.get(f"http://{vip}:{PORT}/", timeout=5).headers["X-Backend"] for _ in range(4)]
    assert sorted(seen) == ["alpha", "alpha", "beta", "beta"]
    assert seen[0] != seen[1] and seen[1] != seen[2]
    stat = _ok(sim, "GET", "/nitro/v1/stat/lbvserver/web")["lbvserver"][0]
    assert stat["tothits"] == "4"
    assert int(stat["totalresponsebytes"]) > 0
    svc = _ok(sim, "GET", "/nitro/v1/stat/service/alpha")["service"][0]
    assert svc["totalrequests"] == "2"


def test_down_service_gets_no_traffic(sim, plane):
    vip, (alpha, _) = plane
    alpha.stop()
    assert _wait(lambda: _ok(sim, "GET", "service/alpha")["service"][0]["svrstate"] == "DOWN")
    time.sleep(0.1)  # one reconcile turn
    seen = {requests.get(f"http://{vip}:{PORT}/", timeout=5).headers["X-Backend"] for _ in range(3)}
    assert seen == {"beta"}


def test_down_vserver_drops_without_downstaterst(sim, plane):
    vip, made = plane
    for b in made:
        b.stop()
    assert _wait(lambda: sim.vip(vip)["vservers"][0]["curstate"] == "DOWN")
    assert sim.vip(vip)["tcp_to_down_vserver"] == "drop"
    assert _wait(lambda: _connect_outcome(vip, PORT) == "silent", timeout=5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"http://{vip}:{PORT}/", timeout=0.5)


def test_down_vserver_resets_with_downstaterst(sim, plane):
    vip, made = plane
    _ok(sim, "PUT", "nstcpparam", {"nstcpparam": {"downstaterst": "ENABLED"}})
    assert _connect_outcome(vip, PORT) == "answered"  # still UP
    for b in made:
        b.stop()
    assert _wait(lambda: sim.vip(vip)["vservers"][0]["curstate"] == "DOWN")
    assert sim.vip(vip)["tcp_to_down_vserver"] == "rst"
    assert _wait(lambda: _connect_outcome(vip, PORT) == "refused", timeout=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://{vip}:{PORT}/", timeout=2)
    made[0].start()
    assert _wait(lambda: _connect_outcome(vip, PORT) == "answered", timeout=5)


def test_disabling_the_data_plane_closes_the_vip(sim, plane):
    vip, _ = plane
    assert _connect_outcome(vip, PORT) == "answered"
    sim.simulator.health.enable_dataplane(False)
    assert _connect_outcome(vip, PORT) == "refused"
