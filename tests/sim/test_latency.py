"""--latency-ms: every NITRO request waits that long in the server; the control API does not."""

from __future__ import annotations

import subprocess
import sys
import time

import requests

from tests.nitro_sim import Simulator


def _timed(session: requests.Session, method: str, url: str, **kwargs: object) -> tuple[int, float]:
    started = time.monotonic()
    status = session.request(method, url, timeout=10, **kwargs).status_code
    return status, time.monotonic() - started


def test_latency_applies_to_each_nitro_request_only() -> None:
    with Simulator(latency_ms=150) as sim, requests.Session() as http:
        http.trust_env = False
        auth = {"X-NITRO-USER": sim.user, "X-NITRO-PASS": sim.password}
        for _ in range(2):  # per request, not once per connection
            status, took = _timed(http, "GET", f"{sim.url}/nitro/v1/config/lbvserver", headers=auth)
            assert status == 200 and took >= 0.15
        status, took = _timed(http, "GET", f"{sim.url}/sim/v1/requests")
        assert status == 200 and took < 0.15
        assert len(http.get(f"{sim.url}/sim/v1/requests", timeout=10).json()["requests"]) == 2


def test_no_latency_by_default() -> None:
    with Simulator() as sim:
        assert sim.core.latency == 0


def test_command_line_option() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.nitro_sim", "--latency-ms", "200"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = proc.stdout.readline().strip()
        with requests.Session() as http:
            http.trust_env = False
            status, took = _timed(http, "POST", f"{url}/nitro/v1/config/login", json={"login": {"username": "x"}})
        assert status == 401 and took >= 0.2
    finally:
        proc.terminate()
        proc.wait(timeout=10)
