"""Test site.yml offline: the simulator stands in for the appliance."""

import json
import os
import subprocess
from pathlib import Path

PLAYBOOK = Path(__file__).with_name("site.yml")


def run(netscaler_connection: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ansible-playbook", "-i", "localhost,", str(PLAYBOOK), "-e", json.dumps(netscaler_connection)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_site_builds_the_pool_and_a_second_run_changes_nothing(netscaler_connection: dict) -> None:
    first = run(netscaler_connection)
    assert first.returncode == 0, first.stdout + first.stderr

    sim = netscaler_connection.sim
    status, body = sim.nitro("GET", "lbvserver/web")
    assert status == 200
    assert body["lbvserver"][0]["ipv46"] == "192.0.2.80"
    assert body["lbvserver"][0]["icmpvsrresponse"] == "ACTIVE"

    sim.clear_requests()
    second = run(netscaler_connection)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "changed=0" in second.stdout
    assert all(r["method"] == "GET" or r["path"].endswith(("/login", "/logout")) for r in sim.requests())


def test_one_module_ad_hoc_with_the_environment(netscaler_connection: dict) -> None:
    """The same connection as NETSCALER_* environment variables, which every module falls back to."""
    args = {"name": "api", "ipv46": "192.0.2.81", "port": 443, "servicetype": "SSL"}
    proc = subprocess.run(
        ["ansible", "localhost", "-c", "local", "-i", "localhost,", "-m", "adcops.netscaler.lb_vserver",
         "-a", json.dumps(args)],
        env={**os.environ, **netscaler_connection.environment},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "CHANGED" in proc.stdout
    status, body = netscaler_connection.sim.nitro("GET", "lbvserver/api")
    assert status == 200 and body["lbvserver"][0]["servicetype"] == "SSL"
