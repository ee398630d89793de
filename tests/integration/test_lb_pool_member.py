"""lb_pool_member against the simulator with its data plane: real client connections through the VIP to loopback
backends, a graceful drain that waits for them, and an enable that waits for the health check."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import pytest

from tests.helpers.backends import backend_factory, loopback_ip  # noqa: F401  (fixtures)
from tests.helpers.runner import connection, run_module

PORT = 8080


def ok(status_body: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    status, body = status_body
    assert status in (200, 201), body
    assert body.get("errorcode", 0) == 0, body
    return body


def wait(pred, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


class Pool:
    """A vserver with one HTTP service per backend, its data plane listening on VIP:PORT."""

    def __init__(self, sim, backends, vip: str, name: str = "web") -> None:
        self.sim, self.backends, self.vip, self.name = sim, backends, vip, name
        for b in backends:
            body = {"name": b.name, "ip": b.host, "port": b.port, "servicetype": "HTTP"}
            ok(sim.nitro("POST", "service", {"service": body}))
        ok(sim.nitro("POST", "lbvserver", {"lbvserver": {"name": name, "servicetype": "HTTP", "ipv46": vip,
                                                          "port": PORT}}))  # fmt: skip
        for b in backends:
            ok(sim.nitro("PUT", "lbvserver_service_binding",
                         {"lbvserver_service_binding": {"name": name, "servicename": b.name}}))  # fmt: skip
        self.engine = sim.simulator.health
        self.plane = self.engine.enable_dataplane()
        assert wait(lambda: (vip, PORT) in self.plane.listeners and len(self.plane.plans[(vip, PORT)].backends)
                    == sum(b.running for b in backends))  # fmt: skip
        self.held: list[socket.socket] = []
        # The test backends drop a request idle for 5 s: a header line every half second keeps a held one open.
        self.stop = threading.Event()
        threading.Thread(target=self._keepalive, daemon=True).start()

    def _keepalive(self) -> None:
        while not self.stop.wait(0.5):
            for s in list(self.held):
                with contextlib.suppress(OSError):
                    s.sendall(b"X-Held: 1\r\n")

    def conns(self, service: str) -> int:
        return self.engine.counters.service(service).cursrvr

    def hold(self, service: str) -> socket.socket:
        """A long-lived client connection through the VIP that lands on ``service`` (a request left unfinished)."""
        for _ in range(3 * len(self.backends)):
            before = self.conns(service)
            s = socket.create_connection((self.vip, PORT), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: pool\r\n")
            self.held.append(s)
            assert wait(lambda: sum(self.conns(b.name) for b in self.backends) >= len(self.held), 5)
            if self.conns(service) > before:
                return s
        raise AssertionError(f"no connection reached {service}")

    def finish(self, s: socket.socket) -> bytes:
        """End a held connection: finish the request, read the answer (the backend closes)."""
        self.held.remove(s)
        s.sendall(b"\r\n")
        data = b""
        with contextlib.suppress(OSError):
            while chunk := s.recv(4096):
                data += chunk
        s.close()
        return data

    def new_request(self) -> str:
        """One new request through the VIP; the backend that answered."""
        with socket.create_connection((self.vip, PORT), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: pool\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        for line in data.decode("latin-1").split("\r\n"):
            if line.lower().startswith("x-backend:"):
                return line.split(":", 1)[1].strip()
        raise AssertionError(f"no answer through the VIP: {data!r}")

    def svrstate(self, service: str) -> str:
        return ok(self.sim.nitro("GET", f"/nitro/v1/stat/service/{service}"))["service"][0]["state"]

    def close(self) -> None:
        self.stop.set()
        for s in self.held:
            with contextlib.suppress(OSError):
                s.close()
        self.engine.enable_dataplane(False)


@pytest.fixture
def pool(sim, backend_factory, loopback_ip):  # noqa: F811
    sim.set_time_scale(0.02)
    made = [backend_factory(name=n) for n in ("alpha", "beta")]
    p = Pool(sim, made, loopback_ip())
    yield p
    p.close()


def member(sim, name: str, state: str, **extra: Any) -> dict[str, Any]:
    return run_module("lb_pool_member", {**connection(sim), "pools": ["web"], "services": [name], "state": state,
                                          **extra})  # fmt: skip


def writes(sim) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sim.writes() if not r["path"].endswith(("login", "logout"))]


def test_drain_waits_for_the_open_connection_and_no_new_one_reaches_the_backend(sim, pool):
    held = pool.hold("alpha")
    result: dict[str, Any] = {}
    args = {**connection(sim), "pools": ["web"], "address": pool.backends[0].host, "state": "drained",
            "drain_timeout": 30}  # fmt: skip
    runner = threading.Thread(target=lambda: result.update(run_module("lb_pool_member", args)))
    runner.start()
    assert wait(lambda: pool.svrstate("alpha") == "GOING OUT OF SERVICE", 10)
    hits = pool.backends[0].hits
    answered = [pool.new_request() for _ in range(4)]
    assert answered == ["beta"] * 4  # the draining backend takes no new connection
    time.sleep(1.0)
    assert runner.is_alive(), result  # still waiting: the client connection is open
    assert b"OK alpha" in pool.finish(held)  # the open connection kept its backend to the end
    runner.join(30)
    assert result.get("failed") is not True, result
    assert result["changed"] is True and result["forced"] is False
    assert result["connections_at_start"] == 1 and result["connections"] == 0
    assert result["drain_seconds"] >= 1.0
    assert pool.backends[0].hits == hits + 1
    assert pool.svrstate("alpha") == "OUT OF SERVICE"
    # Idempotent: a drained member gets no write and is confirmed drained.
    sim.clear_requests()
    again = run_module("lb_pool_member", args)
    assert again["changed"] is False and again["connections"] == 0, again
    assert writes(sim) == []


def test_drain_timeout_fails_then_force_takes_it_out(sim, pool):
    pool.hold("alpha")
    failed = member(sim, "alpha", "drained", drain_timeout=1)
    assert failed["failed"] is True and failed["changed"] is True
    assert "1 client connection(s) still open on alpha (1)" in failed["msg"], failed["msg"]
    assert pool.svrstate("alpha") == "GOING OUT OF SERVICE"
    forced = member(sim, "alpha", "drained", drain_timeout=0, on_timeout="force")
    assert forced.get("failed") is not True, forced
    assert forced["changed"] is True and forced["forced"] is True and forced["connections"] == 1
    assert "forced out of service" in str(forced.get("warnings"))
    assert pool.svrstate("alpha") == "OUT OF SERVICE"
    sim.clear_requests()
    again = member(sim, "alpha", "drained", drain_timeout=0, on_timeout="force")
    assert again["changed"] is False and again["forced"] is True and writes(sim) == [], again


def test_last_up_member_refused_before_any_write(sim, pool):
    pool.backends[1].stop()
    assert wait(lambda: pool.svrstate("beta") == "DOWN", 10)
    sim.clear_requests()
    refused = member(sim, "alpha", "drained")
    assert refused["failed"] is True and refused["changed"] is False
    assert "alpha is the last UP member of lbvserver 'web'" in refused["msg"] and "allow_last" in refused["msg"]
    assert writes(sim) == []
    allowed = member(sim, "alpha", "drained", allow_last=True, drain_timeout=5)
    assert allowed["changed"] is True and pool.svrstate("alpha") == "OUT OF SERVICE", allowed


def test_enable_waits_for_up_and_fails_naming_the_member(sim, pool):
    for name in ("alpha", "beta"):
        ok(sim.nitro("POST", "service?action=disable", {"service": {"name": name}}))
    pool.backends[1].stop()
    up = member(sim, "alpha", "enabled", up_timeout=20)
    assert up.get("failed") is not True and up["changed"] is True, up
    assert [s["state"] for s in up["services"]] == ["UP"] and "up_seconds" in up
    down = member(sim, "beta", "enabled", up_timeout=2)
    assert down["failed"] is True and down["changed"] is True
    assert "beta (" in down["msg"] and "is not UP: DOWN in 'web'" in down["msg"], down["msg"]
    assert "last response: Failure" in down["msg"], down["msg"]


def test_check_mode_and_diff_write_nothing(sim, pool):
    sim.clear_requests()
    args = {**connection(sim), "pools": ["web"], "services": ["alpha"], "state": "drained"}
    predicted = run_module("lb_pool_member", args, check=True, diff=True)
    assert predicted["changed"] is True, predicted
    assert predicted["diff"] == {"before": {"services": {"alpha": "enabled"}},
                                 "after": {"services": {"alpha": "disabled"}}}  # fmt: skip
    assert writes(sim) == [] and pool.svrstate("alpha") == "UP"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"pools": ["web"], "state": "drained"}, "give the backend's address"),
        ({"pools": ["web"], "address": "10.0.0.300", "state": "drained"}, "address: '10.0.0.300' is not a valid"),
        ({"pools": ["bad/name"], "services": ["a"], "state": "drained"}, "pools[0]: 'bad/name'"),
        ({"pools": ["web"], "services": ["a"], "port": 80, "state": "enabled", "delay": 5}, "delay: applies only"),
        ({"pools": ["web"], "address": "10.0.0.1", "port": "x", "state": "drained"}, "port: 'x' is not a valid port"),
        ({"pools": ["web"], "services": ["a"], "state": "drained", "drain_timeout": -1}, "drain_timeout: -1"),
    ],
)
def test_bad_input_fails_with_zero_requests(sim, args, message):
    sim.clear_requests()
    result = run_module("lb_pool_member", {**connection(sim), **args})
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert sim.requests() == []


def test_simulator_graceful_disable_delay_and_plain_disable(sim, pool):
    # The simulator's contract (CLI reference "disable service"): GOING OUT OF SERVICE while connections are open,
    # OUT OF SERVICE when the delay expires even with them open; a plain disable is OUT OF SERVICE at once.
    held = pool.hold("alpha")

    def stat() -> dict[str, Any]:
        return ok(sim.nitro("GET", "/nitro/v1/stat/service/alpha"))["service"][0]

    assert stat()["curclntconnections"] == "1"
    ok(sim.nitro("POST", "service?action=disable", {"service": {"name": "alpha", "graceful": "YES", "delay": 1}}))
    assert stat()["state"] == "GOING OUT OF SERVICE"
    assert ok(sim.nitro("GET", "service/alpha"))["service"][0]["svrstate"] == "GOING OUT OF SERVICE"
    assert wait(lambda: stat()["state"] == "OUT OF SERVICE", 5)
    assert stat()["curclntconnections"] == "1"  # the delay expired; the open connection was not cut
    ok(sim.nitro("POST", "service?action=enable", {"service": {"name": "alpha"}}))
    assert stat()["state"] == "UP"
    ok(sim.nitro("POST", "service?action=disable", {"service": {"name": "alpha"}}))
    assert stat()["state"] == "OUT OF SERVICE"
    assert b"OK alpha" in pool.finish(held)
    assert wait(lambda: stat()["curclntconnections"] == "0", 5)
