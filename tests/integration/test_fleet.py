"""An inventory of appliances: one job converges three NetScalers (three simulator processes) with forks 3, with
playbooks/healthchecked_pool.yml and with playbooks/dsr.yml.

Addresses come from the inventory (ansible_host, or netscaler_nsip for host:port), user and password from
the NETSCALER_* environment as the AWX credential injects them, with no NETSCALER_NSIP at all.
"""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from tests.helpers.backends import backend_factory  # noqa: F401  (fixture)
from tests.helpers.fleet import host_recaps, run_inventory_playbook, simulator_processes, survey_vars
from tests.helpers.runner import REPO, VENV_BIN, ansible_env

EXAMPLES = REPO / "extensions" / "awx" / "inventories"


@pytest.mark.parametrize(("playbook", "vip"), [("healthchecked_pool", "127.9.32.1"), ("dsr", "127.0.35.1")])
def test_three_appliances_converge_in_one_run_with_forks_3(tmp_path, backend_factory, playbook, vip):  # noqa: F811
    with simulator_processes(3) as sims:
        inventory = {
            "netscalers": {
                "vars": {"ansible_connection": "local"},
                "hosts": {
                    "ns-1": {"ansible_host": sims[0].nsip},
                    "ns-2": {"ansible_host": sims[1].nsip},
                    "ns-3": {"ansible_host": "192.0.2.99", "netscaler_nsip": sims[2].nsip},  # netscaler_nsip wins
                },
            }
        }
        path = tmp_path / "fleet.yml"
        path.write_text(yaml.safe_dump(inventory))
        env = {"NETSCALER_NITRO_USER": "nsroot", "NETSCALER_NITRO_PASS": "nsroot", "NETSCALER_NITRO_PROTOCOL": "http"}
        extra = {"netscaler_hosts": "netscalers", **survey_vars(playbook, "fleet", vip, backend_factory)}
        proc = run_inventory_playbook(REPO / "playbooks" / f"{playbook}.yml", path, extra_vars=extra, env=env,
                                      forks=3)  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
        recaps = host_recaps(proc.stdout)
        assert set(recaps) == {"ns-1", "ns-2", "ns-3"}
        spans = []
        for host, sim in zip(("ns-1", "ns-2", "ns-3"), sims, strict=True):
            assert recaps[host]["failed"] == 0 and recaps[host]["changed"] >= 3, recaps
            state = sim.state()
            assert state["lbvserver"]["fleet"]["ipv46"] == vip
            assert len([r for r in state["bindings"]["lbvserver_service_binding"] if r["name"] == "fleet"]) == 2
            log = sim.requests()
            assert [r["path"] for r in log].count("/nitro/v1/config/login") == 1  # one session per appliance
            spans.append((log[0]["time"], log[-1]["time_done"]))
        # forks 3: the three appliances were converged at the same time, not one after the other
        assert max(start for start, _ in spans) < min(end for _, end in spans), spans


def inventory_hosts(path) -> dict[str, dict]:
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-inventory"), "-i", str(path), "--list"],
        capture_output=True, text=True, env=ansible_env(), check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0 and "[WARNING]" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)["_meta"]["hostvars"]


def test_example_inventories_describe_the_same_appliances():
    yml = inventory_hosts(EXAMPLES / "appliances.yml")
    ini = inventory_hosts(EXAMPLES / "appliances.ini")
    assert set(yml) == set(ini) == {"ns-lon-1", "ns-par-1", "ns-fra-a", "ns-fra-b"}
    for host, hostvars in yml.items():
        assert hostvars["ansible_connection"] == ini[host]["ansible_connection"] == "local"
        assert hostvars.get("ansible_host") == ini[host].get("ansible_host")
        assert hostvars.get("netscaler_nsip") == ini[host].get("netscaler_nsip")
        assert hostvars.get("ansible_host") or hostvars.get("netscaler_nsip"), host
