"""Fidelity: the official netscaler.adc collection's standalone binding modules against the simulator.

Those modules add a binding with ``POST /nitro/v1/config/<binding>`` (their ``create_resource``), and the
collection's CI runs them against a NetScaler CPX, so a real appliance accepts it. The test installs the
collection tarball into a temporary collections path and runs its modules with ansible-playbook. It needs the
tarball, which users of this project do not have: it is found through ``NETSCALER_ADC_TARBALL`` or in
the ``shared/anchors`` folder beside the repository (where CI puts it), and the test is skipped when it is absent.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers.runner import COLLECTIONS, REPO, VENV_BIN, ansible_env, recap
from tests.integration.test_lb_healthcheck import monitors_of, ok

TARBALL_NAME = "netscaler-adc-2.18.0.tar.gz"


def tarball() -> Path | None:
    given = os.environ.get("NETSCALER_ADC_TARBALL")
    candidates = [Path(given)] if given else []
    candidates.append(REPO.parent / "shared" / "anchors" / TARBALL_NAME)
    return next((path for path in candidates if path.is_file()), None)


@pytest.fixture(scope="module")
def official(tmp_path_factory) -> Path:
    path = tarball()
    if path is None:
        pytest.skip(
            f"official collection tarball not found (set NETSCALER_ADC_TARBALL or put {TARBALL_NAME} in "
            "the shared/anchors folder beside the repository); it is a comparison anchor, not a dependency"
        )
    target = tmp_path_factory.mktemp("official")
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-p", str(target),
         str(path)],
        capture_output=True, text=True, env=ansible_env(), timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (target / "ansible_collections" / "netscaler" / "adc" / "plugins" / "modules").is_dir()
    return target


PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/netscaler.adc.default_args:
      nsip: "{{ nsip }}"
      nitro_user: "{{ user }}"
      nitro_pass: "{{ password }}"
      nitro_protocol: http
      validate_certs: false
  tasks:
    - name: Bind the service to the vserver (official module, POST)
      netscaler.adc.lbvserver_service_binding:
        state: "{{ binding_state }}"
        name: vs1
        servicename: svc1
        weight: 3
    - name: Bind the monitor to the service (official module, POST)
      netscaler.adc.service_lbmonitor_binding:
        state: "{{ binding_state }}"
        name: svc1
        monitor_name: mon1
"""


def run(sim, official: Path, tmp_path: Path, state: str) -> subprocess.CompletedProcess[str]:
    playbook = tmp_path / "official.yml"
    playbook.write_text(PLAYBOOK)
    variables = {"nsip": sim.nsip, "user": sim.user, "password": sim.password, "binding_state": state}
    env = ansible_env({"ANSIBLE_COLLECTIONS_PATH": f"{official}{os.pathsep}{COLLECTIONS}"})
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", str(playbook), "-e", json.dumps(variables)],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path, check=False,
    )  # fmt: skip


def test_official_binding_modules_bind_with_post_and_unbind(sim, official, tmp_path):
    ok(sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "vs1", "servicetype": "ANY", "ipv46": "127.0.32.1",
                                                     "port": "*"}}))  # fmt: skip
    ok(sim.nitro("POST", "service", {"service": {"name": "svc1", "servicetype": "ANY", "ip": "127.0.32.11",
                                                 "port": "*"}}))  # fmt: skip
    ok(sim.nitro("POST", "lbmonitor", {"lbmonitor": {"monitorname": "mon1", "type": "PING"}}))

    proc = run(sim, official, tmp_path, "present")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert recap(proc.stdout)["changed"] == 2, proc.stdout
    posts = [r["path"] for r in sim.requests() if r["method"] == "POST"]
    assert "/nitro/v1/config/lbvserver_service_binding" in posts, posts
    assert "/nitro/v1/config/service_lbmonitor_binding" in posts, posts
    rows = ok(sim.nitro("GET", "lbvserver_service_binding/vs1"))["lbvserver_service_binding"]
    assert [(r["servicename"], r["weight"]) for r in rows] == [("svc1", "3")]
    assert monitors_of(sim, "svc1") == ["mon1"]

    sim.clear_requests()
    proc = run(sim, official, tmp_path, "present")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert recap(proc.stdout)["changed"] == 0, proc.stdout
    assert sim.writes() == []

    proc = run(sim, official, tmp_path, "absent")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert recap(proc.stdout)["changed"] == 2, proc.stdout
    assert "lbvserver_service_binding" not in ok(sim.nitro("GET", "lbvserver_service_binding/vs1"))
    assert monitors_of(sim, "svc1") == ["ping-default"]
