"""dsr_vserver role and playbooks/dsr.yml end to end: real ansible-playbook against the simulator.

The members are loopback addresses, so the simulator's PING monitor gets real ICMP echo replies (or its TCP
stand-in) and the members read UP.
"""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

from tests.helpers.runner import REPO, VENV_BIN, ansible_env, recap, run_playbook
from tests.integration.test_lb_healthcheck import get_monitor, monitors_of, ok

PLAYBOOK = REPO / "playbooks" / "dsr.yml"
VIP = "127.0.30.1"
MEMBERS = [{"ip": "127.0.30.11"}, {"ip": "127.0.30.12", "weight": 2}, {"ip": "127.0.30.13", "name": "third"}]
NAMES = ["dsr-127.0.30.11", "dsr-127.0.30.12", "third"]


def play(sim, *, check: bool = False, diff: bool = False, extra: dict[str, Any] | None = None, **role: Any):
    variables = {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": sim.user,
        "netscaler_nitro_pass": sim.password,
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
        **{f"dsr_vserver_{key}": value for key, value in role.items()},
        **(extra or {}),
    }
    proc = run_playbook(PLAYBOOK, extra_vars=variables, check=check, diff=diff)
    return proc, recap(proc.stdout)


def base(**over: Any) -> dict[str, Any]:
    return {"name": "dsr", "vip": VIP, "members": MEMBERS, **over}


def bindings(sim, vserver: str = "dsr") -> dict[str, dict[str, Any]]:
    body = ok(sim.nitro("GET", f"lbvserver_service_binding/{vserver}"))
    return {row["servicename"]: row for row in body.get("lbvserver_service_binding", [])}


def config(sim) -> dict[str, Any]:
    """The simulator's raw configuration (no runtime state), without the save bookkeeping."""
    state = sim.simulator.appliance.export()
    return {k: v for k, v in state.items() if k not in ("configchanged", "lastchange", "lastsave")}


def report(stdout: str) -> list[str]:
    match = re.search(r'"msg": \[\n(.*?)\n    \]', stdout[stdout.index("Report the vserver") :], re.S)
    assert match, stdout
    return [json.loads(line.strip().rstrip(",")) for line in match.group(1).splitlines()]


def test_converge_matches_the_documented_appliance_config_then_idempotent(sim):
    modes_before = ok(sim.nitro("GET", "nsmode"))["nsmode"]
    modes_before = modes_before[0] if isinstance(modes_before, list) else modes_before
    proc, counts = play(sim, **base())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts["failed"] == 0 and counts["changed"] >= 4

    vs = ok(sim.nitro("GET", "lbvserver/dsr"))["lbvserver"][0]
    assert (vs["ipv46"], vs["port"], vs["servicetype"], vs["m"]) == (VIP, "65535", "ANY", "MAC")
    assert (vs["lbmethod"], vs["persistencetype"]) == ("ROUNDROBIN", "SOURCEIP")
    bound = bindings(sim)
    assert set(bound) == set(NAMES)
    assert {name: bound[name]["weight"] for name in NAMES} == {NAMES[0]: "1", NAMES[1]: "2", NAMES[2]: "1"}
    for name, member in zip(NAMES, MEMBERS, strict=True):
        svc = ok(sim.nitro("GET", f"service/{name}"))["service"][0]
        assert (svc["ipaddress"], svc["servicetype"], svc["port"], svc["usip"]) == (member["ip"], "ANY", "65535", "YES")
        assert svc["comment"] == "adcops.netscaler.dsr_vserver dsr"
        assert monitors_of(sim, name) == ["dsr-hc"]
    assert get_monitor(sim, "dsr-hc")["type"] == "PING"
    modes = ok(sim.nitro("GET", "nsmode"))["nsmode"]
    modes = modes[0] if isinstance(modes, list) else modes
    assert modes["mbf"] in (True, "true")
    assert {k: v for k, v in modes.items() if k != "mbf"} == {k: v for k, v in modes_before.items() if k != "mbf"}

    lines = report(proc.stdout)
    assert lines[0] == f"DSR vserver dsr {VIP}:* servicetype ANY, redirection mode m=MAC, state UP"
    assert lines[1] == "MAC-based forwarding (MBF): on; health check: PING"
    assert sorted(lines[2:]) == sorted(
        f"member {n} {m['ip']}: UP (monitor UP)" for n, m in zip(NAMES, MEMBERS, strict=True)
    )
    assert "Backend play skipped: the inventory group dsr_backends has no hosts" in proc.stdout

    sim.clear_requests()
    proc, counts = play(sim, **base())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts["changed"] == 0, proc.stdout
    assert sim.writes() == []
    assert sim.requests(), "the idempotent run must still read the appliance"


def test_check_mode_sends_no_write_fresh_and_on_change(sim):
    before = config(sim)
    proc, counts = play(sim, check=True, **base())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts["changed"] >= 3
    assert sim.writes() == []
    assert config(sim) == before
    assert "check mode, the vserver does not exist yet" in proc.stdout

    assert play(sim, **base())[0].returncode == 0
    after_converge = config(sim)
    sim.clear_requests()
    proc, counts = play(sim, check=True, **base(members=MEMBERS[:2], lbmethod="LEASTCONNECTION"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts["changed"] >= 2
    assert sim.writes() == []
    assert config(sim) == after_converge


def test_diff_shows_member_and_weight_changes(sim):
    assert play(sim, **base())[0].returncode == 0
    members = [MEMBERS[0], {**MEMBERS[1], "weight": 5}]
    proc, _counts = play(sim, diff=True, **base(members=members))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert re.search(r'[-]\s+"weight": 2', out) and re.search(r'[+]\s+"weight": 5', out), out
    assert re.search(r'[-]\s+"name": "third"', out), out


def test_member_added_and_removed(sim):
    assert play(sim, **base(members=MEMBERS[:2]))[0].returncode == 0
    # a service bound by hand, not by the role: unbound when it is not listed, never deleted
    ok(sim.nitro("POST", "service", {"service": {"name": "byhand", "ip": "127.0.30.99", "servicetype": "ANY",
                                                 "port": "*", "usip": "YES"}}))  # fmt: skip
    bind = {"lbvserver_service_binding": {"name": "dsr", "servicename": "byhand"}}
    ok(sim.nitro("PUT", "lbvserver_service_binding", bind))

    proc, _counts = play(sim, **base())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(bindings(sim)) == set(NAMES)
    assert monitors_of(sim, "third") == ["dsr-hc"]
    assert ok(sim.nitro("GET", "service/byhand"))["service"][0]["name"] == "byhand"

    proc, _counts = play(sim, **base(members=[MEMBERS[2]]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(bindings(sim)) == {"third"}
    for gone, ip in ((NAMES[0], MEMBERS[0]["ip"]), (NAMES[1], MEMBERS[1]["ip"])):
        assert sim.nitro("GET", f"service/{gone}")[0] == 404
        assert sim.nitro("GET", f"server/{ip}")[0] == 404  # NITRO's auto-created server went with it
    assert sim.nitro("GET", "server/127.0.30.99")[0] == 200
    assert ok(sim.nitro("GET", "service/byhand"))["service"][0]["name"] == "byhand"


def test_absent_restores_the_config_from_before(sim):
    # something that was there before and must stay: another vserver and a service
    ok(sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "other", "servicetype": "HTTP", "ipv46": "127.0.31.1",
                                                     "port": 80}}))  # fmt: skip
    ok(sim.nitro("POST", "service", {"service": {"name": "keep", "ip": "127.0.31.2", "servicetype": "HTTP",
                                                 "port": 80}}))  # fmt: skip
    before = config(sim)
    assert play(sim, **base(healthcheck={"type": "TCP", "port": 7}))[0].returncode == 0
    assert config(sim) != before

    proc, counts = play(sim, **base(state="absent"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MAC-based forwarding (MBF) is left enabled" in proc.stdout
    left = config(sim)
    modes_left, modes_before = left["resources"]["nsmode"]["enabled"], before["resources"]["nsmode"]["enabled"]
    assert modes_left == sorted([*modes_before, "MBF"]), modes_left
    left["resources"]["nsmode"]["enabled"] = modes_before
    assert left == before

    proc, counts = play(sim, **base(state="absent", disable_mbf_on_absent=True))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert config(sim) == before
    sim.clear_requests()
    proc, counts = play(sim, **base(state="absent", disable_mbf_on_absent=True))
    assert proc.returncode == 0 and counts["changed"] == 0, proc.stdout
    assert sim.writes() == []


def test_tcp_health_check_on_the_application_port(sim):
    proc, _counts = play(sim, **base(port=80, healthcheck={"type": "TCP", "port": 8080, "interval": 10}))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    vs = ok(sim.nitro("GET", "lbvserver/dsr"))["lbvserver"][0]
    assert (vs["port"], vs["servicetype"], vs["m"]) == ("80", "ANY", "MAC")
    svc = ok(sim.nitro("GET", "service/dsr-127.0.30.11-80"))["service"][0]
    assert (svc["port"], svc["usip"]) == ("80", "YES")
    monitor = get_monitor(sim, "dsr-hc")
    assert (monitor["type"], str(monitor["destport"]), str(monitor["interval"])) == ("TCP", "8080", "10")
    assert monitors_of(sim, "dsr-127.0.30.11-80") == ["dsr-hc"]


def test_ipv6_vip_with_ipv6_members_and_a_custom_backend_group(sim):
    proc, _counts = play(
        sim, extra={"dsr_backends_group": "edge_lbs"}, **base(vip="fd00:30::1", members=[{"ip": "fd00:30::11"}])
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    vs = ok(sim.nitro("GET", "lbvserver/dsr"))["lbvserver"][0]
    assert (vs["ipv46"], vs["servicetype"], vs["m"]) == ("fd00:30::1", "ANY", "MAC")
    assert set(bindings(sim)) == {"dsr-fd00:30::11"}
    assert "Backend play skipped: the inventory group edge_lbs has no hosts" in proc.stdout


REFUSALS = [
    ({"servicetype": "TCP"}, "dsr_vserver_servicetype: TCP with the VIP 127.0.30.1 is refused", "2329"),
    ({"servicetype": "HTTP"}, "dsr_vserver_servicetype: HTTP is refused", "layer 4"),
    ({"servicetype": "SSL"}, "dsr_vserver_servicetype: SSL is refused", "offload SSL"),
    ({"usip": False}, "dsr_vserver_usip: false is refused", "client address"),
    ({"persistence": "COOKIEINSERT"}, "dsr_vserver_persistence: COOKIEINSERT is refused", "cookies"),
    ({"lbmethod": "URLHASH"}, "dsr_vserver_lbmethod: URLHASH is refused", "application data"),
    ({"lbmethod": "LEASTRESPONSETIME"}, "dsr_vserver_lbmethod: LEASTRESPONSETIME is refused", "response time"),
    ({"vip": ""}, "dsr_vserver_vip: required for present", "content switching"),
    ({"vip": "300.1.1.1"}, "dsr_vserver_vip: '300.1.1.1' is not a valid IP address", "IPv4 or IPv6"),
    ({"vip": "*"}, "dsr_vserver_vip: '*' is refused", "hold the VIP on its loopback"),
    ({"healthcheck": {"type": "USER"}}, "dsr_vserver_healthcheck.type: USER is refused", "CTX138969"),
    ({"healthcheck": {"type": "HTTP"}}, "dsr_vserver_healthcheck.type: 'HTTP' is refused", "PING or TCP"),
    ({"healthcheck": {"type": "TCP"}}, "dsr_vserver_healthcheck.port: required for a TCP health check", "port"),
    ({"vip": "fd00:30::1"}, "dsr_vserver_members[0].ip: 127.0.30.11 is IPv4 but the VIP fd00:30::1 is IPv6", "IPv6"),
    ({"members": [{"ip": "127.0.30.11", "weight": 0}]}, "dsr_vserver_members[0].weight: 0 is out of range", "1 to 100"),
    ({"name": ""}, "dsr_vserver_name: required", "lbvserver"),
]


def test_refusal_through_the_playbook_before_any_request(sim):
    proc, counts = play(sim, **base(servicetype="TCP"))
    assert proc.returncode != 0 and counts["failed"] == 1, proc.stdout
    assert "dsr_vserver refused before any NITRO request: dsr_vserver_servicetype: TCP with the VIP" in proc.stdout
    assert sim.requests() == []


def test_each_refusal_names_the_variable_and_the_reason_before_any_request(sim, tmp_path):
    """Every refusal in one ansible-playbook run: one inventory host per case, each running the role."""
    hosts = {}
    for index, (over, _message, _reason) in enumerate(REFUSALS):
        role_vars = {f"dsr_vserver_{key}": value for key, value in base(**over).items()}
        hosts[f"case{index}"] = {
            "ansible_connection": "local",
            "netscaler_nsip": sim.nsip,
            "netscaler_nitro_user": sim.user,
            "netscaler_nitro_pass": sim.password,
            "netscaler_nitro_protocol": "http",
            **role_vars,
        }
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    playbook = tmp_path / "refusals.yml"
    playbook.write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.include_role:\n        name: adcops.netscaler.dsr_vserver\n"
    )
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), "-f", "8", str(playbook)],
        capture_output=True, text=True, env=ansible_env(), timeout=600, cwd=REPO, check=False,
    )  # fmt: skip
    assert proc.returncode != 0, proc.stdout
    failures = dict(re.findall(r"fatal: \[(case\d+)\]: FAILED! => (\{.*\})", proc.stdout))
    for index, (_over, message, reason) in enumerate(REFUSALS):
        text = json.loads(failures[f"case{index}"])["msg"]
        assert text.startswith("dsr_vserver refused before any NITRO request: "), text
        assert message in text, (index, text)
        assert reason in text, (index, text)
    assert len(failures) == len(REFUSALS), proc.stdout
    assert sim.requests() == []
