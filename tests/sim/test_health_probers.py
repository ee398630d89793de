"""Probers of the simulator's health engine, each against a real backend on loopback."""

from __future__ import annotations

import socket

import pytest

from tests.helpers import backends
from tests.nitro_sim.health import AllowList, MonitorSpec, icmp, run_probe

ALLOW = AllowList()
TIMEOUT = 0.5

# Until tests/conftest.py loads tests.helpers.backends as a plugin, expose its fixtures here.
backend_factory = backends.backend_factory
loopback_ip = backends.loopback_ip


def free_port(ip: str) -> int:
    """A port nobody listens on at `ip` (bind, read, close: connects get RST)."""
    s = socket.socket()
    s.bind((ip, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def spec(**attrs) -> MonitorSpec:
    return MonitorSpec.from_attrs({"monitorname": "m", **attrs})


def test_tcp_up_on_listening_backend(backend_factory):
    b = backend_factory()
    r = run_probe(spec(type="TCP"), b.host, b.port, TIMEOUT, ALLOW)
    assert r.ok, r.message
    assert b.wait_for(lambda x: x.connections == 1, 2)


def test_tcp_down_on_refused(backend_factory):
    b = backend_factory()
    b.stop()
    r = run_probe(spec(type="TCP"), b.host, b.port, TIMEOUT, ALLOW)
    assert not r.ok
    assert "reset received" in r.message


def test_tcp_up_again_after_restart_on_same_port(backend_factory):
    b = backend_factory()
    port = b.port
    b.stop()
    assert not run_probe(spec(type="TCP"), b.host, port, TIMEOUT, ALLOW).ok
    b.start()
    assert b.port == port
    assert run_probe(spec(type="TCP"), b.host, port, TIMEOUT, ALLOW).ok


def test_http_status_against_respcode(backend_factory):
    b = backend_factory()
    m = spec(type="HTTP", httprequest="GET /healthz", respcode=["200"])
    assert run_probe(m, b.host, b.port, TIMEOUT, ALLOW).ok
    b.set_mode("error")
    r = run_probe(m, b.host, b.port, TIMEOUT, ALLOW)
    assert not r.ok
    assert "500" in r.message
    assert [(q.method, q.path) for q in b.requests] == [("GET", "/healthz"), ("GET", "/healthz")]


def test_http_respcode_range_accepts_500(backend_factory):
    b = backend_factory(mode="error")
    assert run_probe(spec(type="HTTP", httprequest="GET /", respcode=["500-599"]), b.host, b.port, TIMEOUT, ALLOW).ok
    assert not run_probe(
        spec(type="HTTP", httprequest="GET /", respcode=["200-299"]), b.host, b.port, TIMEOUT, ALLOW
    ).ok


def test_http_default_request_is_head_and_200(backend_factory):
    b = backend_factory()
    assert run_probe(spec(type="HTTP"), b.host, b.port, TIMEOUT, ALLOW).ok
    assert b.requests[0].method == "HEAD"


def test_http_hang_fails_within_resptimeout(backend_factory):
    b = backend_factory(mode="hang")
    r = run_probe(spec(type="HTTP", httprequest="GET /healthz"), b.host, b.port, 0.3, ALLOW)
    assert not r.ok
    assert "Time out" in r.message
    assert b.hits == 1  # the request arrived; the answer never came


def test_http_customheaders_are_sent(backend_factory):
    b = backend_factory()
    m = spec(type="HTTP", httprequest="GET /healthz", customheaders="X-Probe: yes\\r\\nX-Other: 2\\r\\n")
    assert run_probe(m, b.host, b.port, TIMEOUT, ALLOW).ok
    assert b.requests[0].headers["x-probe"] == "yes"
    assert b.requests[0].headers["x-other"] == "2"


def test_http_secure_uses_tls(backend_factory):
    b = backend_factory(tls=True)
    assert run_probe(spec(type="HTTP", httprequest="GET /", secure="YES"), b.host, b.port, 2, ALLOW).ok
    assert b.hits == 1
    # Plain HTTP against the TLS port gets no valid HTTP answer.
    assert not run_probe(spec(type="HTTP", httprequest="GET /"), b.host, b.port, 0.5, ALLOW).ok


def test_http_ecv_send_recv(backend_factory):
    b = backend_factory(name="alpha")
    assert run_probe(spec(type="HTTP-ECV", send="GET /x", recv="OK alpha"), b.host, b.port, TIMEOUT, ALLOW).ok
    assert not run_probe(spec(type="HTTP-ECV", send="GET /x", recv="nope"), b.host, b.port, TIMEOUT, ALLOW).ok
    assert b.requests[0].path == "/x"


def test_tcp_ecv_send_recv(backend_factory):
    b = backend_factory(raw=True, expect=b"PING\n", reply=b"PONG\n")
    m = spec(type="TCP-ECV", send="PING\\n", recv="PONG")
    assert run_probe(m, b.host, b.port, TIMEOUT, ALLOW).ok
    b.set_mode("error")
    r = run_probe(m, b.host, b.port, TIMEOUT, ALLOW)
    assert not r.ok and "Pattern not found" in r.message
    b.set_mode("hang")
    assert not run_probe(m, b.host, b.port, 0.3, ALLOW).ok
    assert b.hits == 3


def test_destip_destport_override_target(backend_factory):
    b = backend_factory()
    other = backend_factory()
    m = spec(type="HTTP", httprequest="GET /d", destip=other.host, destport=other.port)
    assert run_probe(m, b.host, b.port, TIMEOUT, ALLOW).ok
    assert b.hits == 0
    assert other.hits == 1


def test_reverse_inverts(backend_factory):
    b = backend_factory()
    assert not run_probe(spec(type="TCP", reverse="YES"), b.host, b.port, TIMEOUT, ALLOW).ok
    b.stop()
    assert run_probe(spec(type="TCP", reverse="YES"), b.host, b.port, TIMEOUT, ALLOW).ok


def test_ping_real_icmp_on_loopback(loopback_ip):
    r = run_probe(spec(type="PING"), loopback_ip(), 80, TIMEOUT, ALLOW)
    assert r.ok, r.message
    if icmp._icmp_echo("127.0.0.1", TIMEOUT) is not None:
        assert "ICMP echo reply" in r.message


def test_ping_fallback_refused_counts_alive(monkeypatch, loopback_ip):
    # Simulates a host where neither a ping socket nor a raw socket may be opened.
    monkeypatch.setattr(icmp, "_icmp_echo", lambda ip, timeout: None)
    ip = loopback_ip()
    r = run_probe(spec(type="PING"), ip, free_port(ip), TIMEOUT, ALLOW)
    assert r.ok
    assert "TCP fallback" in r.message


@pytest.mark.parametrize("mtype", ["TCP", "HTTP", "PING", "TCP-ECV"])
def test_outside_allow_list_sends_nothing_and_fails(mtype, backend_factory):
    b = backend_factory()
    allow = AllowList(["10.0.0.0/8"])  # the backend's 127.x address is not allowed
    r = run_probe(spec(type=mtype, send="x", recv="y"), b.host, b.port, TIMEOUT, allow)
    assert not r.ok
    assert "allow-list" in r.message
    assert b.connections == 0
    # reverse must not turn "nothing sent" into a success
    assert not run_probe(spec(type=mtype, reverse="YES"), b.host, b.port, TIMEOUT, allow).ok


def test_allow_list_defaults():
    allow = AllowList()
    assert allow.allows("127.1.2.3")
    assert allow.allows("::1")
    assert not allow.allows("10.0.0.1")
    assert not allow.allows("192.0.2.1")
    assert not allow.allows("not-an-ip")


def test_monitor_spec_units_and_defaults():
    m = MonitorSpec.from_attrs({"monitorname": "x", "type": "http", "interval": 1, "units3": "MIN",
                                "resptimeout": 500, "units4": "MSEC", "downtime": "20", "retries": "4"})  # fmt: skip
    assert (m.type, m.interval, m.resptimeout, m.downtime, m.retries) == ("HTTP", 60.0, 0.5, 20.0, 4)
    d = MonitorSpec.from_attrs({"monitorname": "tcp-default"})
    assert (d.type, d.interval, d.resptimeout, d.downtime, d.retries, d.successretries) == ("TCP", 5, 2, 30, 3, 1)
    assert MonitorSpec.from_attrs({"monitorname": "ping-default"}).type == "PING"
    assert MonitorSpec.from_attrs({"monitorname": "y", "destip": "0", "destport": "0"}).destip is None
