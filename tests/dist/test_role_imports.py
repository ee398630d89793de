"""The roles imported by another collection, `acme.edge`, generated here the way a user's collection looks.

- `acme.edge.web_pool` lists `adcops.netscaler.healthchecked_pool` in its meta/main.yml dependencies, and the play
  applies it to two pools (a dependency runs once per play unless the role allows duplicates);
- `acme.edge.silent_vips` uses `import_role` and `include_role` with `adcops.netscaler.quiet_vip`.

The play sets its own `module_defaults` for `group/adcops.netscaler.nitro` and no `netscaler_*` variable, and the
collections path holds only acme.edge and the installed tarball.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Installed, assert_ok

ACME = {
    "galaxy.yml": """---
namespace: acme
name: edge
version: 1.0.0
readme: README.md
authors: [acme network team]
dependencies:
  adcops.netscaler: ">=1.0.0"
""",
    "README.md": "# acme.edge\n",
    "meta/runtime.yml": '---\nrequires_ansible: ">=2.16.0"\n',
    "roles/web_pool/meta/main.yml": """---
allow_duplicates: true
dependencies:
  - role: adcops.netscaler.healthchecked_pool
    vars:
      healthchecked_pool_name: "{{ web_pool_name }}"
      healthchecked_pool_vip: "{{ web_pool_vip }}"
      healthchecked_pool_members: "{{ web_pool_members }}"
      healthchecked_pool_healthcheck: {ping_path: /healthz, interval: 10}
      healthchecked_pool_save_config: true
""",
    "roles/web_pool/meta/argument_specs.yml": """---
argument_specs:
  main:
    short_description: The edge web pool
    options:
      web_pool_name: {type: str, required: true, description: Pool name.}
      web_pool_vip: {type: str, required: true, description: VIP.}
      web_pool_members: {type: list, elements: dict, required: true, description: Members.}
""",
    "roles/web_pool/tasks/main.yml": """---
- name: Tell what the dependency published
  ansible.builtin.debug:
    msg: "web_pool members not UP: {{ healthchecked_pool_members_not_up | to_json }}"
""",
    "roles/silent_vips/tasks/main.yml": """---
- name: Quieten the first vserver (static import)
  ansible.builtin.import_role:
    name: adcops.netscaler.quiet_vip
  vars:
    quiet_vip_vservers: ["{{ silent_vips_vservers[0] }}"]
    quiet_vip_save_config: false

- name: Quieten them all (dynamic include) and report
  ansible.builtin.include_role:
    name: adcops.netscaler.quiet_vip
  vars:
    quiet_vip_vservers: "{{ silent_vips_vservers }}"
    quiet_vip_verify: true
""",
}

PLAY = """---
- name: The edge, as acme runs it
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/adcops.netscaler.nitro:
      nsip: "{{ edge_nsip }}"
      nitro_user: "{{ edge_user }}"
      nitro_pass: "{{ edge_pass }}"
      nitro_protocol: http
      validate_certs: false
  roles:
    - role: acme.edge.web_pool
      vars:
        web_pool_name: web
        web_pool_vip: 192.0.2.70
        web_pool_members: [{ip: 192.0.2.41, port: 8080}, {ip: 192.0.2.42, port: 8080}]
    # a second pool through the same dependency: converged too (allow_duplicates in healthchecked_pool)
    - role: acme.edge.web_pool
      vars:
        web_pool_name: api
        web_pool_vip: 192.0.2.71
        web_pool_members: [{ip: 192.0.2.43, port: 9090}]
  tasks:
    - name: A second vserver on the same VIP
      adcops.netscaler.lb_vserver: {name: web-tls, ipv46: 192.0.2.70, port: 443, servicetype: SSL}
    - name: Silence both
      ansible.builtin.include_role:
        name: acme.edge.silent_vips
      vars:
        silent_vips_vservers: [web, web-tls]
"""


@pytest.fixture
def acme_edge(installed_collection: Installed, tmp_path: Path) -> Path:
    """acme.edge next to the installed adcops.netscaler; returns the playbook."""
    root = installed_collection.root / "ansible_collections" / "acme" / "edge"
    for rel, text in ACME.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    playbook = tmp_path / "edge.yml"
    playbook.write_text(PLAY)
    return playbook


def nitro(sim: Any, path: str) -> list[dict[str, Any]]:
    status, body = sim.nitro("GET", path)
    assert status == 200, (path, body)
    return body[path.split("/", maxsplit=1)[0]]


def test_roles_imported_from_another_collection(installed_collection: Installed, acme_edge: Path, sim: Any) -> None:
    edge = {"edge_nsip": sim.nsip, "edge_user": sim.user, "edge_pass": sim.password}
    first = installed_collection.playbook(acme_edge, edge)
    counters = assert_ok(first)
    assert counters["changed"] >= 6, first.stdout
    assert "web_pool members not UP:" in first.stdout  # the dependency's published fact reaches the importer

    bindings = nitro(sim, "lbvserver_service_binding/web")
    assert sorted(b["servicename"] for b in bindings) == ["web-192.0.2.41-8080", "web-192.0.2.42-8080"]
    assert [b["servicename"] for b in nitro(sim, "lbvserver_service_binding/api")] == ["api-192.0.2.43-9090"]
    icmp = {v["name"]: v["icmpvsrresponse"] for v in nitro(sim, "lbvserver")}
    assert icmp == {"web": "ACTIVE", "web-tls": "ACTIVE", "api": "PASSIVE"}
    assert nitro(sim, "nsip/192.0.2.70")[0]["icmpresponse"] == "VSVR_CNTRLD"
    saves = [w for w in sim.writes() if w["path"].endswith("/nsconfig") and w["query"].get("action") == "save"]
    assert len(saves) >= 1  # the handlers ran with the play's module_defaults
    report = first.stdout[first.stdout.index('"quiet_vip_report"') :]
    assert '"192.0.2.70"' in report and '"web-tls"' in report, report

    sim.clear_requests()
    again = installed_collection.playbook(acme_edge, edge)
    assert assert_ok(again)["changed"] == 0, again.stdout
    assert sim.writes() == []


def test_role_argument_specs_still_apply_through_the_import(
    installed_collection: Installed, acme_edge: Path, sim: Any
) -> None:
    edge = {"edge_nsip": sim.nsip, "edge_user": sim.user, "edge_pass": sim.password}
    proc = installed_collection.playbook(acme_edge, {**edge, "quiet_vip_icmpresponse": "SOMETIMES"})
    assert proc.returncode != 0
    assert "quiet_vip_icmpresponse" in proc.stdout and "SOMETIMES" in proc.stdout, proc.stdout
    # quiet_vip's argument spec stopped it before its first request: both vservers are still PASSIVE
    icmp = {v["name"]: v["icmpvsrresponse"] for v in nitro(sim, "lbvserver")}
    assert icmp == {"web": "PASSIVE", "web-tls": "PASSIVE", "api": "PASSIVE"}
