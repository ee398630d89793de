"""Contract: HTTPS with a self-signed certificate (validate_certs both ways) and the --state-file."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from tests.nitro_sim import Simulator


def test_https_with_validation_against_the_generated_cert(sim_tls):
    assert sim_tls.url.startswith("https://127.0.0.1:")
    resp = requests.get(sim_tls.url + "/nitro/v1/config/nsversion", auth=("nsroot", "nsroot"),
                        verify=sim_tls.cert_path, timeout=10)  # fmt: skip
    assert resp.status_code == 200 and resp.json()["nsversion"]["version"].startswith("NetScaler")


def test_https_certificate_is_not_trusted_by_default(sim_tls):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sim_tls.url + "/nitro/v1/config/nsversion", auth=("nsroot", "nsroot"), timeout=10)


def test_https_without_validation_and_login(sim_tls):
    body = {"login": {"username": "nsroot", "password": "nsroot"}}
    resp = requests.post(sim_tls.url + "/nitro/v1/config/login", json=body, verify=False, timeout=10)
    assert resp.status_code == 201 and resp.json()["sessionid"]
    assert sim_tls.requests()[0]["path"] == "/nitro/v1/config/login"


def test_plain_http_to_the_tls_port_fails(sim_tls):
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(sim_tls.url.replace("https://", "http://") + "/nitro/v1/config/nsversion", timeout=5)


def test_state_file_survives_a_restart(tmp_path):
    path = tmp_path / "state.json"
    with Simulator(state_file=str(path)) as first:
        auth = ("nsroot", "nsroot")
        base = first.url + "/nitro/v1/config/"
        assert requests.post(base + "service", json={"service": {"name": "s1", "servicetype": "HTTP",
                             "ip": "127.0.0.20", "port": 80}}, auth=auth).status_code == 201  # fmt: skip
        assert requests.post(base + "lbmonitor", json={"lbmonitor": {"monitorname": "m1", "type": "HTTP"}},
                             auth=auth).status_code == 201  # fmt: skip
        assert requests.put(base + "service_lbmonitor_binding", json={"service_lbmonitor_binding": {
            "name": "s1", "monitor_name": "m1"}}, auth=auth).status_code == 200  # fmt: skip
        assert requests.put(base + "nstcpparam", json={"nstcpparam": {"downstaterst": "ENABLED"}}, auth=auth).ok
        # Written after every write, before the answer: readable while the simulator still runs.
        assert "s1" in json.loads(path.read_text())["objects"]["service"]
    with Simulator(state_file=str(path)) as second:
        auth = ("nsroot", "nsroot")
        base = second.url + "/nitro/v1/config/"
        svc = requests.get(base + "service/s1", auth=auth).json()["service"][0]
        assert svc["ipaddress"] == "127.0.0.20"
        mons = requests.get(base + "service_lbmonitor_binding/s1", auth=auth).json()["service_lbmonitor_binding"]
        assert [m["monitor_name"] for m in mons] == ["m1"]
        assert requests.get(base + "nstcpparam", auth=auth).json()["nstcpparam"]["downstaterst"] == "ENABLED"
        assert requests.get(base + "nsconfig", auth=auth).json()["nsconfig"]["configchanged"] is True


def test_cli_tls_and_state_file(tmp_path):
    path = tmp_path / "cli-state.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.nitro_sim", "--bind", "127.0.0.1:0", "--tls", "--state-file", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:")
        resp = requests.post(url + "/nitro/v1/config/server", json={"server": {"name": "a", "ipaddress": "127.0.0.5"}},
                             auth=("nsroot", "nsroot"), verify=False, timeout=10)  # fmt: skip
        assert resp.status_code == 201
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "a" in json.loads(path.read_text())["objects"]["server"]
