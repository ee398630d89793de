"""The quiet_vip role through playbooks/quiet_vip.yml, end to end against the simulator with real loopback backends.

Service states come from the simulator's real health probes (tcp-default against the backends), and what the VIP
does comes from its behaviour engine (GET /sim/v1/vips/<ip>, the rules of
https://docs.netscaler.com/en-us/citrix-adc/current-release/networking/ip-addressing/configuring-citrix-adc-owned-ip-addresses/configure-icmp-responses-for-virtual-servers).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import backends
from tests.helpers.fleet import run_inventory_playbook
from tests.helpers.runner import REPO, recap, run_playbook
from tests.integration.test_role_plan import same_plan

backend_factory = backends.backend_factory
loopback_ip = backends.loopback_ip

PLAYBOOK = REPO / "playbooks" / "quiet_vip.yml"
TIME_SCALE = 0.02  # tcp-default: 5 s interval -> 0.1 s; 30 s downtime -> 0.6 s


def call(sim: Any, method: str, path: str, body: Any = None, params: dict | None = None) -> dict:
    status, payload = sim.nitro(method, path, body, params)
    assert status < 300, (method, path, status, payload)
    return payload


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def states(sim: Any, vip: str) -> dict[str, str]:
    return {v["name"]: v["curstate"] for v in sim.vip(vip)["vservers"]}


def build_pool(sim: Any, make: Callable[..., backends.Backend], vip: str, *, name: str = "web", port: int = 80,
               members: int = 2) -> list[backends.Backend]:  # fmt: skip
    """An HTTP vserver on `vip` with `members` services on live loopback backends; waits until it is UP."""
    sim.set_time_scale(TIME_SCALE)
    pool = [make() for _ in range(members)]
    call(sim, "POST", "lbvserver",
         {"lbvserver": {"name": name, "servicetype": "HTTP", "ipv46": vip, "port": port}})  # fmt: skip
    for i, backend in enumerate(pool):
        svc = f"{name}-svc{i}"
        call(sim, "POST", "service",
             {"service": {"name": svc, "ip": backend.host, "port": backend.port, "servicetype": "HTTP"}})  # fmt: skip
        call(sim, "PUT", "lbvserver_service_binding", {"lbvserver_service_binding": {"name": name, "servicename": svc}})
    assert wait_for(lambda: states(sim, vip).get(name) == "UP"), sim.vip(vip)
    return pool


def play(sim: Any, *, check: bool = False, **role_vars: Any) -> Any:
    extra = {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": sim.user,
        "netscaler_nitro_pass": sim.password,
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
        **role_vars,
    }
    return run_playbook(PLAYBOOK, extra_vars=extra, check=check)


def ok(proc: Any) -> dict[str, int]:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    counters = recap(proc.stdout)
    assert counters["failed"] == 0, proc.stdout
    return counters


def test_vip_goes_quiet_when_every_backend_is_down_and_answers_again(sim: Any, backend_factory, loopback_ip) -> None:
    vip = loopback_ip()
    pool = build_pool(sim, backend_factory, vip)
    sim.clear_requests()

    proc = play(sim, quiet_vip_vservers=["web"], quiet_vip_verify=True, quiet_vip_save_config=True)
    counters = ok(proc)
    assert counters["changed"] >= 4, counters  # vserver, VIP, nstcpparam, save
    # the configuration the role wrote, as the appliance shows it
    assert call(sim, "GET", "lbvserver/web")["lbvserver"][0]["icmpvsrresponse"] == "ACTIVE"
    assert call(sim, "GET", f"nsip/{vip}")["nsip"][0]["icmpresponse"] == "VSVR_CNTRLD"
    tcp = call(sim, "GET", "nstcpparam")["nstcpparam"]
    assert (tcp[0] if isinstance(tcp, list) else tcp)["downstaterst"] == "ENABLED"
    saves = [w for w in sim.writes() if w["path"].endswith("/nsconfig") and w["query"].get("action") == "save"]
    assert len(saves) == 1  # one save, the role's last change, however many tasks changed
    nsconfig = call(sim, "GET", "nsconfig")["nsconfig"]
    assert str((nsconfig[0] if isinstance(nsconfig, list) else nsconfig)["configchanged"]).lower() == "false"
    # the verification step reports the VIP answering while the vserver is UP
    report = proc.stdout[proc.stdout.index('"quiet_vip_report"') :]
    assert f'"{vip}"' in report and '"answers_icmp": true' in report and '"web": "UP"' in report, report

    before = sim.vip(vip)
    assert before["answers_icmp"] is True and before["tcp_to_down_vserver"] == "rst"

    for backend in pool:
        backend.stop()
    assert wait_for(lambda: states(sim, vip) == {"web": "DOWN"}), sim.vip(vip)
    down = sim.vip(vip)
    assert down["answers_icmp"] is False, down
    assert down["tcp_to_down_vserver"] == "rst", down

    # a second run changes nothing, sends no write, and its verification sees the silent VIP
    sim.clear_requests()
    again = play(sim, quiet_vip_vservers=["web"], quiet_vip_verify=True)
    assert ok(again)["changed"] == 0, again.stdout
    assert sim.writes() == []
    report = again.stdout[again.stdout.index('"quiet_vip_report"') :]
    assert '"answers_icmp": false' in report and '"web": "DOWN"' in report, report

    pool[0].start()
    assert wait_for(lambda: states(sim, vip) == {"web": "UP"}), sim.vip(vip)
    assert sim.vip(vip)["answers_icmp"] is True


def test_default_appliance_keeps_answering_and_drops_tcp(sim: Any, backend_factory, loopback_ip) -> None:
    vip = loopback_ip()
    pool = build_pool(sim, backend_factory, vip)
    for backend in pool:
        backend.stop()
    assert wait_for(lambda: states(sim, vip) == {"web": "DOWN"}), sim.vip(vip)
    down = sim.vip(vip)
    assert down["answers_icmp"] is True, down  # icmpresponse NONE: always answers (DOC-ICMP)
    assert down["tcp_to_down_vserver"] == "drop", down  # downstaterst DISABLED by default (nstcpparam reference)


def test_check_mode_writes_nothing(sim: Any, backend_factory, loopback_ip) -> None:
    vip = loopback_ip()
    build_pool(sim, backend_factory, vip)
    sim.clear_requests()
    check = play(sim, check=True, quiet_vip_vservers=["web"])
    counters = ok(check)
    assert counters["changed"] >= 3, counters
    assert sim.writes() == []
    assert call(sim, "GET", "lbvserver/web")["lbvserver"][0]["icmpvsrresponse"] == "PASSIVE"
    assert call(sim, "GET", f"nsip/{vip}")["nsip"][0]["icmpresponse"] == "NONE"
    # check mode reported what the real run does, task by task
    real = play(sim, quiet_vip_vservers=["web"])
    ok(real)
    same_plan(check.stdout, real.stdout)


def test_shared_vip_is_reported(sim: Any, backend_factory, loopback_ip) -> None:
    vip = loopback_ip()
    build_pool(sim, backend_factory, vip, name="web", port=80, members=1)
    build_pool(sim, backend_factory, vip, name="legacy", port=8080, members=1)
    proc = play(sim, quiet_vip_vservers=["web"])  # quiet_vip_save_config left at its default
    ok(proc)
    # ansible-core before 2.19 wraps warnings at 80 columns: compare with the whitespace collapsed
    output = " ".join((proc.stdout + proc.stderr).split())
    assert "shared with lbvservers not in the expected list: legacy" in output
    assert f"VIP {vip} is also used by legacy" in proc.stdout
    # legacy stays PASSIVE: the role only touches the listed vservers
    assert call(sim, "GET", "lbvserver/legacy")["lbvserver"][0]["icmpvsrresponse"] == "PASSIVE"
    # quiet_vip_save_config defaults to false, as in every role: the run changed web and did not save
    assert call(sim, "GET", "lbvserver/web")["lbvserver"][0]["icmpvsrresponse"] == "ACTIVE"
    assert not [w for w in sim.writes() if w["path"].endswith("/nsconfig")]
    nsconfig = call(sim, "GET", "nsconfig")["nsconfig"]
    assert str((nsconfig[0] if isinstance(nsconfig, list) else nsconfig)["configchanged"]).lower() == "true"


def test_switches_off_leave_settings_alone(sim: Any, backend_factory, loopback_ip) -> None:
    vip = loopback_ip()
    build_pool(sim, backend_factory, vip, members=1)
    ok(play(sim, quiet_vip_vservers=["web"], quiet_vip_set_downstaterst=False, quiet_vip_icmpresponse="ONE_VSERVER"))
    tcp = call(sim, "GET", "nstcpparam")["nstcpparam"]
    assert (tcp[0] if isinstance(tcp, list) else tcp)["downstaterst"] == "DISABLED"
    assert call(sim, "GET", f"nsip/{vip}")["nsip"][0]["icmpresponse"] == "ONE_VSERVER"


ARGUMENT_CASES = [
    ({}, "quiet_vip_vservers"),
    ({"quiet_vip_vservers": []}, "quiet_vip_vservers must name at least one lbvserver"),
    ({"quiet_vip_vservers": ["web"], "quiet_vip_icmpresponse": "SOMETIMES"}, "quiet_vip_icmpresponse"),
    # the connection variables every role's plan step checks, named as the user set them
    ({"quiet_vip_vservers": ["web"], "netscaler_nitro_timeout": 0},
     "netscaler_nitro_timeout: 0 must be a number of seconds more than 0 and at most 3600"),
    ({"quiet_vip_vservers": ["web"], "netscaler_nitro_timeout": "soon"}, "netscaler_nitro_timeout: 'soon' must be"),
    ({"quiet_vip_vservers": ["web"], "netscaler_ca_bundle": "/nonexistent/ca.pem"},
     "netscaler_ca_bundle: '/nonexistent/ca.pem' is not a readable file on the controller"),
]  # fmt: skip


def test_role_argument_validation(sim: Any, tmp_path: Path) -> None:
    """Every case in one run of playbooks/quiet_vip.yml: one inventory host per case, each failing on its own."""
    connection = {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": sim.user,
        "netscaler_nitro_pass": sim.password,
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
    }
    hosts = {f"case{index}": {**connection, **role_vars} for index, (role_vars, _message) in enumerate(ARGUMENT_CASES)}
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    sim.clear_requests()
    proc = run_inventory_playbook(PLAYBOOK, inventory, extra_vars={"netscaler_hosts": "all"})
    assert proc.returncode != 0
    failures = dict(re.findall(r"fatal: \[(case\d+)\]: FAILED! => (\{.*\})", proc.stdout))
    for index, (_role_vars, message) in enumerate(ARGUMENT_CASES):
        assert message in failures[f"case{index}"], (index, proc.stdout)
    assert sim.requests() == []


def test_missing_vserver_fails_clearly(sim: Any) -> None:
    proc = play(sim, quiet_vip_vservers=["nope"])
    assert proc.returncode != 0
    assert "lbvserver nope does not exist" in proc.stdout
    assert sim.writes() == []
