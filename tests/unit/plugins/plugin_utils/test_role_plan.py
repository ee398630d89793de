"""plugin_utils/role_plan.py: every role variable's bad value is refused naming the variable, every survey answer
the role would refuse cannot be offered, and the flat survey forms parse as the structured ones."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.adcops.netscaler.plugins.module_utils._validate import InvalidOptions
from ansible_collections.adcops.netscaler.plugins.plugin_utils import role_plan

REPO = Path(__file__).resolve().parents[4]

VALID: dict[str, dict[str, Any]] = {
    "healthchecked_pool": {
        "healthchecked_pool_name": "web",
        "healthchecked_pool_vip": "192.0.2.10",
        "healthchecked_pool_members": [{"ip": "192.0.2.21", "port": 80}],
    },
    "dsr_vserver": {
        "dsr_vserver_name": "dsr",
        "dsr_vserver_vip": "192.0.2.80",
        "dsr_vserver_members": [{"ip": "192.0.2.21"}],
    },
    "quiet_vip": {"quiet_vip_vservers": ["web"]},
}


def spec_options(role: str) -> set[str]:
    spec = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return set(spec["argument_specs"]["main"]["options"])


def run(role: str, **changes: Any) -> dict[str, Any]:
    given = {**VALID[role], **changes}
    given = {key: value for key, value in given.items() if value is not role_plan}  # role_plan: remove the key
    return role_plan.plan(role, given, spec_options(role), environ={})


def refused(role: str, **changes: Any) -> str:
    with pytest.raises(InvalidOptions) as info:
        run(role, **changes)
    return str(info.value)


@pytest.mark.parametrize("role", sorted(VALID))
def test_valid_base(role):
    run(role)


# (role, variable, bad value, text the message must contain); one row per input variable at least.
BAD: list[tuple[str, str, Any, str]] = [
    ("healthchecked_pool", "name", "bad/name", "healthchecked_pool_name: 'bad/name' is not a valid NetScaler name"),
    ("healthchecked_pool", "name", "n" * 125, "healthchecked_pool_name: 125 characters leave no room"),
    ("healthchecked_pool", "vip", "10.0.0.300", "healthchecked_pool_vip: '10.0.0.300' is not a valid IP address"),
    ("healthchecked_pool", "vip", "", "healthchecked_pool_vip: required"),
    ("healthchecked_pool", "port", "eighty", "healthchecked_pool_port: 'eighty' is not a valid port"),
    ("healthchecked_pool", "servicetype", "HTTPS", "healthchecked_pool_servicetype: 'HTTPS' is not a service type"),
    ("healthchecked_pool", "lbmethod", "LEASTCONECTION", "healthchecked_pool_lbmethod: 'LEASTCONECTION' is not"),
    ("healthchecked_pool", "state", "gone", "healthchecked_pool_state: 'gone' is not an allowed value"),
    ("healthchecked_pool", "members", "a,b", "healthchecked_pool_members: must be a list"),
    ("healthchecked_pool", "members", [{"ip": "1.2.3.4", "port": 80, "weight": 200}], "members[0].weight: 200 is out"),
    ("healthchecked_pool", "members", [{"ip": "1.2.3.4"}], "healthchecked_pool_members[0].port: required"),
    ("healthchecked_pool", "members", [{"ip": "1.2.3.4", "port": 80, "wieght": 2}], "unknown key(s) wieght"),
    ("healthchecked_pool", "members", [{"ip": "192.0.2.10", "port": 80}], "is the VIP itself"),
    ("healthchecked_pool", "members", [], "healthchecked_pool_members: empty"),
    ("healthchecked_pool", "members", role_plan, "healthchecked_pool_members: not defined"),
    ("healthchecked_pool", "member_list", "1.2.3.4", "healthchecked_pool_member_list: 1.2.3.4 is not ip:port"),
    ("healthchecked_pool", "member_list", "1.2.3.4=2", "member_list: 1.2.3.4=2 is not ip:port or ip:port=weight"),
    ("healthchecked_pool", "member_list", "1.2.3.4:80=x", "member_list: 1.2.3.4:80=x is not ip:port or ip:port="),
    ("healthchecked_pool", "member_list", "1.2.3.4:80=", "member_list: 1.2.3.4:80= is not ip:port or ip:port="),
    ("healthchecked_pool", "member_list", "1.2.3.4:80:2=3", "member_list: 1.2.3.4:80:2=3 is not ip:port"),
    ("healthchecked_pool", "member_list", "2001:db8::1:80=2", "member_list: 2001:db8::1:80=2 is not ip:port"),
    ("healthchecked_pool", "member_list", "[2001:db8::1]:80=0", "healthchecked_pool_members[1].weight: 0 is out"),
    ("healthchecked_pool", "member_list", "[2001:db8::1]=3", "([v6]:port or [v6]:port=weight for IPv6)"),
    ("healthchecked_pool", "backend", "servicegroups", "healthchecked_pool_backend: 'servicegroups' is not an allowed"),
    ("healthchecked_pool", "allow_empty", "perhaps", "healthchecked_pool_allow_empty: 'perhaps' is not a boolean"),
    ("healthchecked_pool", "max_member_removals", -1, "healthchecked_pool_max_member_removals: -1 is out of range"),
    ("healthchecked_pool", "healthcheck", {"interval": 0}, "healthchecked_pool_healthcheck.interval: 0 is out"),
    ("healthchecked_pool", "healthcheck", {"response_time": 5}, "healthcheck.response_time: 5 must be less than"),
    ("healthchecked_pool", "healthcheck", {"expected_codes": ["2000"]}, "expected_codes: '2000' is not an HTTP"),
    ("healthchecked_pool", "healthcheck", {"ping_path": "health"}, "ping_path: 'health' must start with '/'"),
    ("healthchecked_pool", "healthcheck", {"pingpath": "/"}, "healthchecked_pool_healthcheck: unknown key(s)"),
    ("healthchecked_pool", "healthcheck", {"http_method": "POST"}, "healthcheck.http_method: 'POST' is not"),
    ("healthchecked_pool", "healthcheck", {"monitor_type": "ICMP"}, "healthcheck.monitor_type: 'ICMP' is not"),
    ("healthchecked_pool", "healthcheck", {"port": 70000}, "healthchecked_pool_healthcheck.port: 70000 is out"),
    ("healthchecked_pool", "healthcheck", {"host_header": "a b"}, "healthcheck.host_header: 'a b' is not a host"),
    ("healthchecked_pool", "healthcheck", {"healthy_threshold": 33}, "healthcheck.healthy_threshold: 33 is out"),
    ("healthchecked_pool", "healthcheck", {"unhealthy_threshold": 0}, "healthcheck.unhealthy_threshold: 0 is out"),
    ("healthchecked_pool", "healthcheck_interval", "600", "healthchecked_pool_healthcheck.interval: 600 is out"),
    ("healthchecked_pool", "wait", "sometimes", "healthchecked_pool_wait: 'sometimes' is not a boolean"),
    ("healthchecked_pool", "wait_timeout", 0, "healthchecked_pool_wait_timeout: 0 is out of range"),
    ("healthchecked_pool", "wait_for", "most", "healthchecked_pool_wait_for: 'most' is not an allowed value"),
    ("healthchecked_pool", "save_config", "y e s", "healthchecked_pool_save_config: 'y e s' is not a boolean"),
    ("healthchecked_pool", "membres", [], "healthchecked_pool_membres: not a variable of this role; did you mean"),
    ("dsr_vserver", "state", "deleted", "dsr_vserver_state: 'deleted' is not an allowed value"),
    ("dsr_vserver", "name", "d" * 125, "dsr_vserver_name: 125 characters leave no room"),
    ("dsr_vserver", "vip", "*", "dsr_vserver_vip: '*' is refused"),
    ("dsr_vserver", "vip", "0.0.0.0", "dsr_vserver_vip: '0.0.0.0' is refused"),
    ("dsr_vserver", "vip", "", "dsr_vserver_vip: required"),
    ("dsr_vserver", "port", "0", "dsr_vserver_port: '0' is not a valid port"),
    ("dsr_vserver", "servicetype", "HTTP", "dsr_vserver_servicetype: HTTP is refused: DSR is layer 4 only"),
    ("dsr_vserver", "servicetype", "TCP", "dsr_vserver_servicetype: TCP with the VIP 192.0.2.80 is refused"),
    ("dsr_vserver", "usip", False, "dsr_vserver_usip: false is refused"),
    ("dsr_vserver", "persistence", "COOKIEINSERT", "dsr_vserver_persistence: COOKIEINSERT is refused"),
    ("dsr_vserver", "persistence", "STICKY", "dsr_vserver_persistence: 'STICKY' is not a NetScaler persistence"),
    ("dsr_vserver", "persistence_timeout", 2000, "dsr_vserver_persistence_timeout: 2000 is out of range"),
    ("dsr_vserver", "lbmethod", "URLHASH", "dsr_vserver_lbmethod: URLHASH is refused"),
    ("dsr_vserver", "lbmethod", "LRTM", "dsr_vserver_lbmethod: LRTM is refused"),
    ("dsr_vserver", "lbmethod", "FASTEST", "dsr_vserver_lbmethod: 'FASTEST' is not a NetScaler load balancing"),
    ("dsr_vserver", "healthcheck", {"type": "HTTP-ECV"}, "dsr_vserver_healthcheck.type: 'HTTP-ECV' is refused"),
    ("dsr_vserver", "healthcheck", {"type": "LDAP"}, "dsr_vserver_healthcheck.type: LDAP is refused: it is a script"),
    ("dsr_vserver", "healthcheck", {"type": "TCP"}, "dsr_vserver_healthcheck.port: required for a TCP health check"),
    ("dsr_vserver", "healthcheck", {"type": "PING", "port": 80}, "a PING health check has no port"),
    ("dsr_vserver", "healthcheck", {"interval": 400}, "dsr_vserver_healthcheck.interval: 400 is out of range"),
    ("dsr_vserver", "healthcheck_response_time", "9", "dsr_vserver_healthcheck.response_time: 9 must be less than"),
    ("dsr_vserver", "members", [{"ip": "2001:db8::1"}], "dsr_vserver_members[0].ip: 2001:db8::1 is IPv6 but the VIP"),
    ("dsr_vserver", "members", [{"ip": "192.0.2.80"}], "dsr_vserver_members[0].ip: 192.0.2.80 is the VIP itself"),
    ("dsr_vserver", "members", [{"ip": "192.0.2.21"}, {"ip": "192.0.2.021"}], "members[1].ip: '192.0.2.021'"),
    ("dsr_vserver", "members", [{"ip": "192.0.2.21"}, {"ip": "192.0.2.21", "name": "b"}], "is also member 0"),
    ("dsr_vserver", "members", [{"ip": "192.0.2.21", "weight": 101}], "dsr_vserver_members[0].weight: 101 is out"),
    ("dsr_vserver", "members", role_plan, "dsr_vserver_members: not defined"),
    ("dsr_vserver", "member_list", "192.0.2.21:80", "dsr_vserver_member_list: 192.0.2.21:80 has a port, and DSR"),
    ("dsr_vserver", "member_list", "192.0.2.21:80", "each serves the vserver's port (dsr_vserver_port), which MAC"),
    ("dsr_vserver", "member_list", "192.0.2.21:80", "redirection keeps; write 192.0.2.21 or 192.0.2.21=weight"),
    ("dsr_vserver", "member_list", "192.0.2.21:80=3", "192.0.2.21:80=3 has a port, and DSR members have none"),
    ("dsr_vserver", "member_list", "192.0.2.21:80=3", "; write 192.0.2.21=3"),
    ("dsr_vserver", "member_list", "[2001:db8::1]:53", "[2001:db8::1]:53 has a port, and DSR members have none"),
    ("dsr_vserver", "member_list", "[2001:db8::1]:53", "; write 2001:db8::1 or 2001:db8::1=weight"),
    ("dsr_vserver", "member_list", "192.0.2.21=x", "dsr_vserver_member_list: 192.0.2.21=x is not ip or ip=weight"),
    ("dsr_vserver", "member_list", "backend:80", "dsr_vserver_member_list: backend:80 is not ip or ip=weight"),
    ("dsr_vserver", "member_list", "192.0.2.22=101", "dsr_vserver_members[1].weight: 101 is out"),
    ("dsr_vserver", "members", [{"ip": "192.0.2.21", "port": 80}], "a DSR member has no port: each serves the vserv"),
    ("dsr_vserver", "disable_mbf_on_absent", "maybe", "dsr_vserver_disable_mbf_on_absent: 'maybe' is not a boolean"),
    ("dsr_vserver", "memebers", [], "dsr_vserver_memebers: not a variable of this role; did you mean dsr_vserver_m"),
    ("quiet_vip", "vservers", [], "quiet_vip_vservers must name at least one lbvserver"),
    ("quiet_vip", "vservers", ["bad/name"], "quiet_vip_vservers[0]: 'bad/name' is not a valid NetScaler name"),
    ("quiet_vip", "icmpresponse", "SILENT", "quiet_vip_icmpresponse: 'SILENT' is not an allowed value"),
    ("quiet_vip", "set_downstaterst", "on-ish", "quiet_vip_set_downstaterst: 'on-ish' is not a boolean"),
    ("quiet_vip", "verify", "2", "quiet_vip_verify: '2' is not a boolean"),
    ("quiet_vip", "vserver", "web", "quiet_vip_vserver: not a variable of this role; did you mean quiet_vip_vservers?"),
]


@pytest.mark.parametrize(("role", "key", "value", "expected"), BAD, ids=[f"{r}_{k}-{i}" for i, (r, k, _, _) in
                                                                            enumerate(BAD)])  # fmt: skip
def test_bad_value_names_the_role_variable(role, key, value, expected):
    assert expected in refused(role, **{f"{role}_{key}": value})


def test_every_input_variable_has_a_bad_value_row():
    """Each documented input (not the connection variables, which the modules check) has a row above."""
    covered = {f"{role}_{key}" for role, key, _, _ in BAD}
    flat_covered = {"healthchecked_pool_healthcheck", "dsr_vserver_healthcheck"}
    missing = []
    for role in VALID:
        for name in spec_options(role):
            if name.startswith("netscaler_") or name in covered:
                continue
            if any(name.startswith(f"{base}_") for base in flat_covered):
                continue  # the flat keys share the dict's checks (rows for healthcheck_interval/_response_time)
            if name in {
                "healthchecked_pool_port",
                "dsr_vserver_wait",
                "dsr_vserver_wait_timeout",
                "dsr_vserver_save_config",
                "dsr_vserver_allow_empty",
                "dsr_vserver_max_member_removals",
                "quiet_vip_set_icmpvsrresponse",
                "quiet_vip_set_icmpresponse",
                "quiet_vip_save_config",
            }:
                continue  # the same checks as a row above (common() or the same flag)
            missing.append(name)
    assert not missing, f"no bad-value row for {missing}"


def test_every_problem_at_once():
    message = refused("healthchecked_pool", healthchecked_pool_lbmethod="X", healthchecked_pool_vip="nope",
                      healthchecked_pool_wait="x")  # fmt: skip
    assert message.count("healthchecked_pool_") >= 3


def test_flat_survey_forms_equal_the_structured_ones():
    structured = run(
        "healthchecked_pool",
        healthchecked_pool_members=[{"ip": "192.0.2.21", "port": 80}, {"ip": "2001:db8::5", "port": 81, "weight": 3}],
        healthchecked_pool_healthcheck={"interval": 10, "expected_codes": ["200", "301"]},
    )
    flat = run(
        "healthchecked_pool",
        healthchecked_pool_members=role_plan,
        healthchecked_pool_member_list="192.0.2.21:80,\n [2001:DB8:0::5]:81=3",
        healthchecked_pool_healthcheck_interval="10",
        healthchecked_pool_healthcheck_expected_codes="200, 301",
    )
    assert flat["bindings"][1] == {"name": "web-2001:DB8:0::5-81", "weight": 3}
    assert flat["services"][1]["ip"] == structured["services"][1]["ip"] == "2001:db8::5"
    assert flat["healthcheck"] == structured["healthcheck"] == {"interval": 10, "expected_codes": ["200", "301"]}
    dsr = run("dsr_vserver", dsr_vserver_members=role_plan, dsr_vserver_member_list="192.0.2.21=4 192.0.2.22")
    assert dsr["bindings"] == [{"name": "dsr-192.0.2.21", "weight": 4}, {"name": "dsr-192.0.2.22", "weight": 1}]


def test_absent_needs_no_members_nor_vip():
    plan = run("dsr_vserver", dsr_vserver_state="absent", dsr_vserver_vip="", dsr_vserver_members=role_plan)
    assert plan["state"] == "absent" and plan["services"] == []


def test_leaving_and_the_removal_budget():
    planned = {**run("healthchecked_pool"), "role": "healthchecked_pool"}
    current = {"services_before": ["web-192.0.2.21-80", "old1", "old2"]}
    assert role_plan.leaving(planned, current)["leaving"] == [{"name": "old1"}, {"name": "old2"}]
    with pytest.raises(InvalidOptions, match="healthchecked_pool_max_member_removals: this run would remove 2"):
        role_plan.leaving({**planned, "max_member_removals": 1}, current)
    absent = {**run("healthchecked_pool", healthchecked_pool_state="absent"), "role": "healthchecked_pool"}
    assert {m["name"] for m in role_plan.leaving(absent, current)["leaving"]} == {"web-192.0.2.21-80", "old1", "old2"}


def test_servicegroup_backend_plan():
    plan = run("healthchecked_pool", healthchecked_pool_backend="servicegroup",
               healthchecked_pool_member_list="192.0.2.22:8080=4")  # fmt: skip
    assert plan["backend"] == "servicegroup" and plan["services"] == [] and plan["bindings"] == []
    assert plan["servicegroup"] == {
        "name": "web-sg",
        "members": [{"ip": "192.0.2.21", "port": 80, "weight": 1}, {"ip": "192.0.2.22", "port": 8080, "weight": 4}],
    }
    assert plan["servicegroups"] == [{"name": "web-sg"}]
    message = refused("healthchecked_pool", healthchecked_pool_backend="servicegroup",
                      healthchecked_pool_members=[{"ip": "192.0.2.21", "port": 80, "name": "mine"}])  # fmt: skip
    assert "healthchecked_pool_members[0].name: a service group member has no name" in message
    assert "healthchecked_pool_backend: services" in message
    # services mode still names its group, so a run finds it bound and switches back
    assert run("healthchecked_pool")["servicegroup"] == {"name": "web-sg"}


def test_leaving_switches_make_before_break_and_counts_backends_not_names():
    group = {**run("healthchecked_pool", healthchecked_pool_backend="servicegroup"), "role": "healthchecked_pool"}
    live_services = {
        "services_before": ["web-192.0.2.21-80", "old"],
        "servicegroups_before": ["other-sg"],
        "backends_before": {"web-192.0.2.21-80": {"ip": "192.0.2.21", "port": "80"},
                            "old": {"ip": "192.0.2.99", "port": "80"}},
    }  # fmt: skip
    out = role_plan.leaving(group, live_services, {"skipped": True})
    # the group is bound beside the services (left alone), which the second step unbinds, then they are deleted
    assert out["vserver"] == {"servicegroups": [{"name": "web-sg"}]}
    assert out["unbind"] == {"services": []}
    assert out["switch"] == "to_servicegroup"
    assert out["leaving"] == [{"name": "web-192.0.2.21-80"}, {"name": "old"}]
    assert out["servicegroups_after"] == ["other-sg", "web-sg"] and not out["delete_servicegroup"]
    # 192.0.2.21:80 moves into the group: only the other backend is a removal
    role_plan.leaving({**group, "max_member_removals": 1}, live_services)
    with pytest.raises(InvalidOptions, match=r"would remove 1 member\(s\) \(old\)"):
        role_plan.leaving({**group, "max_member_removals": 0}, live_services)

    # back to services: services bound first (groups left alone), then the pool's group unbound and deleted
    services = {**run("healthchecked_pool"), "role": "healthchecked_pool"}
    live_group = {"services_before": [], "servicegroups_before": ["web-sg", "other-sg"], "backends_before": {}}
    members = {"members_before": [{"ip": "192.0.2.21", "port": "80"}, {"ip": "2001:db8::0:1", "port": "*"}]}
    out = role_plan.leaving({**services, "max_member_removals": 1}, live_group, members)
    assert out["vserver"] == {"services": [{"name": "web-192.0.2.21-80", "weight": 1}]}
    assert out["unbind"] == {"servicegroups": ["other-sg"]} and out["switch"] == "to_services"
    assert out["delete_servicegroup"] and out["servicegroups_after"] == ["other-sg"]
    with pytest.raises(InvalidOptions, match=r"\(web-sg member 2001:db8::1:65535\)"):
        role_plan.leaving({**services, "max_member_removals": 0}, live_group, members)

    # a group-mode pool already in shape: one vserver step, nothing to unbind; group members count when they leave
    settled = {"services_before": [], "servicegroups_before": ["web-sg"], "backends_before": {}}
    out = role_plan.leaving(group, settled, {"members_before": [{"ip": "192.0.2.21", "port": "80", "weight": "3"}]})
    assert out["vserver"] == {"servicegroups": [{"name": "web-sg"}], "services": []} and out["unbind"] == {}
    assert out["switch"] == "" and out["leaving"] == []
    with pytest.raises(InvalidOptions, match="would remove 1 member"):
        role_plan.leaving(
            {**group, "max_member_removals": 0}, settled, {"members_before": [{"ip": "192.0.2.7", "port": "80"}]}
        )
    # absent deletes the group in group mode, and in services mode when the vserver still binds it
    absent = {**run("healthchecked_pool", healthchecked_pool_state="absent", healthchecked_pool_backend="servicegroup"),
              "role": "healthchecked_pool"}  # fmt: skip
    assert role_plan.leaving(absent, {})["delete_servicegroup"]
    absent_services = {**run("healthchecked_pool", healthchecked_pool_state="absent"), "role": "healthchecked_pool"}
    assert not role_plan.leaving(absent_services, {})["delete_servicegroup"]
    assert role_plan.leaving(absent_services, {"servicegroups_before": ["web-sg"]})["delete_servicegroup"]


SURVEYS = {"healthchecked_pool": "healthchecked_pool", "dsr_vserver": "dsr", "quiet_vip": "quiet_vip"}


@pytest.mark.parametrize("role", sorted(SURVEYS))
def test_every_survey_answer_is_one_the_role_accepts(role):
    """Choices, minimums and maximums of the survey pass the plan; one past an integer limit is refused, so a
    survey can neither offer what the role refuses nor hide what it accepts."""
    spec = json.loads((REPO / "extensions" / "awx" / "surveys" / f"{SURVEYS[role]}.json").read_text())
    for question in spec["spec"]:
        var = question["variable"]
        if not var.startswith(f"{role}_") or var.endswith(("_member_list", "_name", "_vip", "_vservers")):
            continue
        if question["type"] == "multiplechoice":
            for choice in question["choices"]:
                extra = (
                    {"dsr_vserver_healthcheck_port": "80"}
                    if var.endswith("healthcheck_type") and choice == "TCP"
                    else {}
                )
                run(role, **{var: choice, **extra})
        elif question["type"] == "integer":
            base = {"dsr_vserver_healthcheck_type": "TCP"} if var == "dsr_vserver_healthcheck_port" else {}
            if var.endswith("response_time"):
                base = {f"{role}_healthcheck_interval": str(question["max"] + 1)} if question["max"] < 300 else {}
            for value in (question["min"], question["max"]):
                if var.endswith("healthcheck_interval") and value <= 2:
                    base = {f"{role}_healthcheck_response_time": "1"} if value == 2 else {}
                    continue
                run(role, **{var: str(value), **base})
            if not var.endswith(("_wait_timeout", "_port")) or var.endswith("healthcheck_port"):
                with pytest.raises(InvalidOptions, match=var.replace("healthcheck_", "healthcheck.")):
                    run(role, **{var: str(question["max"] + 1), **base})
    name = next(q for q in spec["spec"] if q["variable"] == f"{role}_name") if role != "quiet_vip" else None
    if name:
        # the longest name the survey allows fits with its monitor (<name>-hc); named members keep their own names
        members = [{**member, "name": "m1"} for member in VALID[role][f"{role}_members"]]
        run(role, **{f"{role}_name": "n" * name["max"], f"{role}_members": members})
        refused(role, **{f"{role}_name": "n" * (name["max"] + 1)})


def test_every_save_config_defaults_to_false():
    """One default in every role, survey and module: a save writes the whole running configuration, other people's
    unsaved changes included, so it is asked for, never assumed."""
    from ansible_collections.adcops.netscaler.plugins.module_utils._module import connection_argument_spec

    found: dict[str, Any] = {"module option save_config": connection_argument_spec()["save_config"]["default"]}
    for role_dir in sorted((REPO / "roles").iterdir()):
        defaults = role_dir / "defaults" / "main.yml"
        if defaults.is_file():
            for key, value in (yaml.safe_load(defaults.read_text()) or {}).items():
                if key.endswith("_save_config"):
                    found[f"{defaults.relative_to(REPO)} {key}"] = value
        spec = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        for entry_point, entry in spec.items():
            for key, option in (entry.get("options") or {}).items():
                if key.endswith("_save_config"):
                    found[f"{role_dir.name} argument spec {entry_point} {key}"] = option.get("default")
    for path in sorted((REPO / "extensions" / "awx" / "surveys").glob("*.json")):
        for question in json.loads(path.read_text())["spec"]:
            if question["variable"].endswith("_save_config"):
                found[f"survey {path.name} {question['variable']}"] = question["default"] == "true"
    for role in VALID:
        found[f"role_plan {role} unset"] = run(role)["save_config"]
    roles = {"healthchecked_pool", "dsr_vserver", "quiet_vip"}
    for role in roles:  # every role with the option is seen in its defaults, its spec and its survey
        assert sum(role in key and "_save_config" in key for key in found) >= 3, (role, found)
    assert {key: value for key, value in found.items() if value is not False} == {}


# The flat pool member forms that are one member each: =weight (every role's weight syntax) and the earlier :weight.
GOOD_POOL_TOKENS = [
    ("192.0.2.21:80", {"ip": "192.0.2.21", "port": "80"}),
    ("192.0.2.21:80=3", {"ip": "192.0.2.21", "port": "80", "weight": 3}),
    ("192.0.2.21:80:3", {"ip": "192.0.2.21", "port": "80", "weight": 3}),
    ("[2001:db8::5]:81", {"ip": "2001:db8::5", "port": "81"}),
    ("[2001:db8::5]:81=3", {"ip": "2001:db8::5", "port": "81", "weight": 3}),
    ("[2001:db8::5]:81:3", {"ip": "2001:db8::5", "port": "81", "weight": 3}),
]
GOOD_DSR_TOKENS = [
    ("192.0.2.21", {"ip": "192.0.2.21"}),
    ("192.0.2.21=4", {"ip": "192.0.2.21", "weight": 4}),
    ("2001:db8::21", {"ip": "2001:db8::21"}),
    ("2001:db8::21=4", {"ip": "2001:db8::21", "weight": 4}),
]


@pytest.mark.parametrize(("token", "expected"), GOOD_POOL_TOKENS, ids=[t for t, _ in GOOD_POOL_TOKENS])
def test_pool_member_token(token, expected):
    assert role_plan.pool_token(token) == expected
    vip = "2001:db8::80" if ":" in expected["ip"] else "192.0.2.10"
    plan = run("healthchecked_pool", healthchecked_pool_members=role_plan, healthchecked_pool_member_list=token,
               healthchecked_pool_vip=vip)  # fmt: skip
    assert plan["bindings"][0]["weight"] == expected.get("weight", 1)
    assert plan["services"][0]["port"] == int(expected["port"])


@pytest.mark.parametrize(("token", "expected"), GOOD_DSR_TOKENS, ids=[t for t, _ in GOOD_DSR_TOKENS])
def test_dsr_member_token(token, expected):
    assert role_plan.dsr_token(token) == expected
    vip = "2001:db8::80" if ":" in expected["ip"] else "192.0.2.80"
    plan = run("dsr_vserver", dsr_vserver_members=role_plan, dsr_vserver_member_list=token, dsr_vserver_vip=vip)
    assert plan["bindings"][0]["weight"] == expected.get("weight", 1)


def test_equals_and_colon_weights_plan_alike():
    spelled = {sep: run("healthchecked_pool", healthchecked_pool_members=role_plan,
                        healthchecked_pool_member_list=f"192.0.2.21:80{sep}7 [2001:db8::5]:81{sep}2")
               for sep in "=:"}  # fmt: skip
    assert spelled["="] == spelled[":"]
    assert [b["weight"] for b in spelled["="]["bindings"]] == [7, 2]


# -- the connection variables every role's plan checks ----------------------------------------------------------

PLANNED = {**VALID, "pool_member": {"pool_member_state": "drained", "pool_member_pools": ["web"],
                                    "pool_member_address": "192.0.2.21"}}  # fmt: skip
TIMEOUT_RULE = "must be a number of seconds more than 0 and at most 3600"


def plan_with(role: str, connection: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    return role_plan.plan(role, PLANNED[role], spec_options(role), connection, environ)


@pytest.fixture
def bundles(tmp_path: Path) -> dict[str, str]:
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    der = tmp_path / "ca.der"
    der.write_bytes(b"\x30\x82\x01\x0a" + bytes(64))
    unreadable = tmp_path / "secret.pem"
    unreadable.write_text(pem.read_text())
    unreadable.chmod(0)
    return {"PEM": str(pem), "DER": str(der), "DIR": str(tmp_path), "UNREADABLE": str(unreadable)}


# (role variables, environment, the message); PEM, DER and DIR stand for the files of the bundles fixture.
CONNECTION_BAD = [
    ({"netscaler_nitro_timeout": 0}, {}, f"netscaler_nitro_timeout: 0 {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": -1.5}, {}, f"netscaler_nitro_timeout: -1.5 {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": 3601}, {}, f"netscaler_nitro_timeout: 3601 {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": "3600.5"}, {}, f"netscaler_nitro_timeout: '3600.5' {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": "soon"}, {}, f"netscaler_nitro_timeout: 'soon' {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": "nan"}, {}, f"netscaler_nitro_timeout: 'nan' {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": "inf"}, {}, f"netscaler_nitro_timeout: 'inf' {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": True}, {}, f"netscaler_nitro_timeout: True {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": [30]}, {}, f"netscaler_nitro_timeout: [30] {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": " "}, {}, f"netscaler_nitro_timeout: ' ' {TIMEOUT_RULE}"),
    ({}, {"NETSCALER_NITRO_TIMEOUT": "0"}, f"NETSCALER_NITRO_TIMEOUT (environment): '0' {TIMEOUT_RULE}"),
    ({"netscaler_nitro_timeout": ""}, {"NETSCALER_NITRO_TIMEOUT": "x"}, "NETSCALER_NITRO_TIMEOUT (environment): 'x'"),
    (
        {"netscaler_ca_bundle": "/nonexistent/ca.pem"},
        {},
        "netscaler_ca_bundle: '/nonexistent/ca.pem' is not a "
        "readable file on the controller; give the path of a PEM file with the CA certificate(s)",
    ),
    ({"netscaler_ca_bundle": "DIR"}, {}, "is not a readable file on the controller"),
    ({"netscaler_ca_bundle": "UNREADABLE"}, {}, "is not a readable file on the controller"),
    ({"netscaler_ca_bundle": "DER"}, {}, "holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)"),
    ({}, {"NETSCALER_CA_BUNDLE": "/nonexistent/ca.pem"}, "NETSCALER_CA_BUNDLE (environment): '/nonexistent/ca.pem'"),
    # the roles import netscaler_node's session without its argument-spec validation: these are checked here
    ({"netscaler_nitro_protocol": "ftp"}, {}, "netscaler_nitro_protocol: 'ftp' must be one of https, http"),
    ({"netscaler_nitro_protocol": "HTTPS"}, {}, "netscaler_nitro_protocol: 'HTTPS' must be one of https, http"),
    ({}, {"NETSCALER_NITRO_PROTOCOL": "htps"}, "NETSCALER_NITRO_PROTOCOL (environment): 'htps' must be one of"),
    (
        {"netscaler_validate_certs": "maybe"},
        {},
        "netscaler_validate_certs: 'maybe' is not a boolean; use true or false",
    ),
    ({"netscaler_validate_certs": [True]}, {}, "netscaler_validate_certs: [True] is not a boolean; use true or false"),
    (
        {},
        {"NETSCALER_VALIDATE_CERTS": "sometimes"},
        "NETSCALER_VALIDATE_CERTS (environment): 'sometimes' is not a boolean",
    ),
]
CONNECTION_GOOD = [
    ({"netscaler_nitro_timeout": 30}, {}),
    ({"netscaler_nitro_timeout": 0.5}, {}),
    ({"netscaler_nitro_timeout": "3600"}, {}),
    ({"netscaler_nitro_timeout": " 90 "}, {}),
    ({"netscaler_nitro_timeout": None, "netscaler_ca_bundle": None}, {}),
    # empty is unset, in a survey answer and in an AWX credential's environment alike
    ({"netscaler_nitro_timeout": "", "netscaler_ca_bundle": ""}, {"NETSCALER_NITRO_TIMEOUT": "",
                                                                  "NETSCALER_CA_BUNDLE": ""}),
    ({"netscaler_ca_bundle": "PEM"}, {}),
    ({}, {"NETSCALER_CA_BUNDLE": "PEM", "NETSCALER_NITRO_TIMEOUT": "15"}),
    # the role variable is what the modules get, so a bad environment variable behind it is not looked at
    ({"netscaler_nitro_timeout": 20, "netscaler_ca_bundle": "PEM"}, {"NETSCALER_NITRO_TIMEOUT": "x",
                                                                     "NETSCALER_CA_BUNDLE": "/nonexistent"}),
    ({"netscaler_nitro_protocol": "http", "netscaler_validate_certs": False}, {}),
    ({"netscaler_nitro_protocol": "", "netscaler_validate_certs": ""}, {"NETSCALER_NITRO_PROTOCOL": "https",
                                                                        "NETSCALER_VALIDATE_CERTS": "no"}),
    ({"netscaler_validate_certs": "yes"}, {}),
    ({"netscaler_validate_certs": "False"}, {}),
]  # fmt: skip


def placed(values: dict[str, Any], bundles: dict[str, str]) -> dict[str, Any]:
    return {key: bundles.get(value, value) if isinstance(value, str) else value for key, value in values.items()}


@pytest.mark.parametrize("role", sorted(PLANNED))
@pytest.mark.parametrize(("connection", "environ", "expected"), CONNECTION_BAD,
                         ids=[f"bad{i}" for i in range(len(CONNECTION_BAD))])  # fmt: skip
def test_bad_connection_variable_is_refused_by_every_role(role, connection, environ, expected, bundles):
    if "UNREADABLE" in connection.values() and os.access(bundles["UNREADABLE"], os.R_OK):
        pytest.skip("running as root: a file without permissions is still readable")
    with pytest.raises(InvalidOptions) as info:
        plan_with(role, placed(connection, bundles), placed(environ, bundles))
    assert expected in str(info.value)


@pytest.mark.parametrize("role", sorted(PLANNED))
@pytest.mark.parametrize(
    ("connection", "environ"), CONNECTION_GOOD, ids=[f"good{i}" for i in range(len(CONNECTION_GOOD))]
)
def test_good_connection_variables_pass(role, connection, environ, bundles):
    plan_with(role, placed(connection, bundles), placed(environ, bundles))


def test_connection_variables_are_in_every_argument_spec_that_lists_netscaler_variables():
    for role_dir in sorted((REPO / "roles").iterdir()):
        spec = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        for entry_point, entry in spec.items():
            options = set(entry.get("options") or {})
            if "netscaler_validate_certs" in options:
                missing = set(role_plan.CONNECTION_VARIABLES) - options
                assert not missing, (role_dir.name, entry_point, missing)
    vars_file = (REPO / "roles" / "netscaler_node" / "vars" / "main.yml").read_text()
    for variable, option in role_plan.CONNECTION_VARIABLES.items():
        assert f"'{option}': {variable} | default(none)" in vars_file, variable
