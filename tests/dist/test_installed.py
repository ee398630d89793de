"""The installed tarball at work: its playbooks by their FQCN, and a smoke of every module, against the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers.runner import REPO

from .conftest import Installed, assert_ok, sim_vars

# Modules that run on the controller; a Windows module (a .ps1 beside its .py documentation) runs on Windows hosts,
# and test_tarball checks that it ships.
MODULES = sorted(
    path.stem
    for path in (REPO / "plugins" / "modules").glob("*.py")
    if path.stem != "__init__" and not path.with_suffix(".ps1").exists()
)
# Modules that configure the host they run on, not the appliance: the smoke runs them in check mode only, so the
# test never changes this machine's network (tests/integration/test_dsr_backend.py runs them for real in a namespace).
HOST_MODULES = ["dsr_loopback"]

# One task per module, each with the options a first-time user would write; the second run must change nothing.
SMOKE = """---
- name: One task per module
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/adcops.netscaler.nitro:
      nsip: "{{ netscaler_nsip }}"
      nitro_user: "{{ netscaler_nitro_user }}"
      nitro_pass: "{{ netscaler_nitro_pass }}"
      nitro_protocol: http
      validate_certs: false
  tasks:
    - name: ns_mode
      adcops.netscaler.ns_mode: {modes: [MBF], state: enabled}
    - name: ns_tcpparam
      adcops.netscaler.ns_tcpparam: {downstaterst: ENABLED}
    - name: lb_service
      adcops.netscaler.lb_service: {name: smoke-svc, ip: 192.0.2.21, port: 8080, servicetype: HTTP}
    - name: lb_servicegroup
      adcops.netscaler.lb_servicegroup:
        {servicegroupname: smoke-sg, servicetype: HTTP, members: [{ip: 192.0.2.22, port: 8080}]}
    - name: lb_vserver
      adcops.netscaler.lb_vserver:
        {name: smoke-vs, ipv46: 192.0.2.80, port: 80, servicetype: HTTP, services: [smoke-svc]}
    - name: lb_healthcheck
      adcops.netscaler.lb_healthcheck: {vserver: smoke-vs, ping_path: /healthz}
    - name: lb_healthcheck_info
      adcops.netscaler.lb_healthcheck_info: {vserver: smoke-vs}
      register: smoke_health
    - name: lb_pool_member (drain the one member with allow_last, since this smoke pool serves nobody)
      adcops.netscaler.lb_pool_member:
        {state: drained, pools: [smoke-vs], services: [smoke-svc], drain_timeout: 10, allow_last: true}
    - name: role_plan (the plan step of a role, on the controller, sends nothing)
      adcops.netscaler.role_plan: {role: quiet_vip}
      vars:
        quiet_vip_vservers: [smoke-vs]
      register: smoke_plan
    - name: ns_ip_icmp
      adcops.netscaler.ns_ip_icmp: {ipaddress: 192.0.2.80, icmpresponse: VSVR_CNTRLD}
    - name: ns_save_config
      adcops.netscaler.ns_save_config: {}
    - name: ns_hanode_info
      adcops.netscaler.ns_hanode_info: {}
      register: smoke_node
    - name: nitro_session
      adcops.netscaler.nitro_session: {}
      register: smoke_session
      no_log: true
    - name: nitro_session state=absent
      adcops.netscaler.nitro_session: {state: absent, nitro_auth_token: "{{ smoke_session.nitro_auth_token }}"}
      no_log: true
    - name: dsr_loopback (check mode; a VIP this host does not hold)
      adcops.netscaler.dsr_loopback: {vips: [192.0.2.200], state: absent, persist: false}
      check_mode: true
    - name: The health check reads back with its member
      ansible.builtin.assert:
        that:
          - smoke_health.healthcheck.members | map(attribute='name') | list == ['smoke-svc']
          - smoke_node.ha_role == 'standalone'
          - smoke_plan.plan.vservers == ['smoke-vs']
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "smoke.yml"
    path.write_text(text)
    return path


def test_every_module_is_in_the_smoke(installed_collection: Installed) -> None:
    modules = installed_collection.collection / "plugins" / "modules"
    listed = sorted(path.stem for path in modules.glob("*.py") if not path.with_suffix(".ps1").exists())
    assert listed == MODULES
    assert [m for m in MODULES if f"adcops.netscaler.{m}:" not in SMOKE] == []


def test_smoke_of_every_module_from_the_installed_copy(installed_collection: Installed, sim: Any, tmp_path: Path):
    playbook = write(tmp_path, SMOKE)
    first = installed_collection.playbook(playbook, sim_vars(sim), verbose=True)
    counters = assert_ok(first)
    # *_info modules never change anything; host modules run in check mode on a VIP the host does not hold;
    # nitro_session logs in and out, which changes no configuration; role_plan only checks variables
    readers = ("nitro_session", "role_plan")
    writers = [m for m in MODULES if not m.endswith("_info") and m not in HOST_MODULES and m not in readers]
    assert counters["changed"] == len(writers), first.stdout
    # the modules ran from the installed tarball, not from the checkout
    used = [line for line in first.stdout.splitlines() if "Using module file" in line]
    assert used and all(str(installed_collection.collection) in line for line in used), used
    assert not [line for line in used if str(REPO) in line and str(installed_collection.root) not in line]

    sim.clear_requests()
    second = installed_collection.playbook(playbook, sim_vars(sim))
    assert assert_ok(second)["changed"] == 0, second.stdout
    assert sim.writes() == []


def test_playbook_by_fqcn_from_the_installed_copy(installed_collection: Installed, sim: Any) -> None:
    """`ansible-playbook adcops.netscaler.healthchecked_pool` as the playbook's header comment tells users."""
    pool = {
        "healthchecked_pool_name": "web",
        "healthchecked_pool_vip": "192.0.2.90",
        "healthchecked_pool_members": [{"ip": "192.0.2.31", "port": 8080}, {"ip": "192.0.2.32", "port": 8080}],
    }
    proc = installed_collection.playbook("adcops.netscaler.healthchecked_pool", {**sim_vars(sim), **pool})
    assert_ok(proc)
    status, body = sim.nitro("GET", "lbvserver_service_binding/web")
    assert status == 200, body
    assert sorted(b["servicename"] for b in body["lbvserver_service_binding"]) == [
        "web-192.0.2.31-8080",
        "web-192.0.2.32-8080",
    ]
