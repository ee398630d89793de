"""The roles' plan step (adcops.netscaler.role_plan) through real ansible-playbook against the simulator:
bad input and typos fail before any request, naming the role variable; a live pool is never emptied by accident;
check mode reports what the real run does."""

from __future__ import annotations

import json
from typing import Any

from tests.helpers.backends import backend_factory, loopback_ip  # noqa: F401  (fixtures)
from tests.helpers.runner import REPO, recap, run_playbook
from tests.integration.test_lb_healthcheck import monitors_of, ok

POOL = REPO / "playbooks" / "healthchecked_pool.yml"
DSR = REPO / "playbooks" / "dsr.yml"


def connection(sim) -> dict[str, Any]:
    return {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": sim.user,
        "netscaler_nitro_pass": sim.password,
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
    }


def play(sim, playbook=POOL, *, check=False, diff=False, **variables: Any):
    proc = run_playbook(playbook, extra_vars={**connection(sim), **variables}, check=check, diff=diff)
    return proc, recap(proc.stdout)


def bound(sim, vserver: str) -> dict[str, dict[str, Any]]:
    rows = ok(sim.nitro("GET", f"lbvserver_service_binding/{vserver}")).get("lbvserver_service_binding", [])
    return {row["servicename"]: row for row in rows}


def services(sim) -> set[str]:
    return {row["name"] for row in ok(sim.nitro("GET", "service")).get("service", [])}


def pool_vars(members: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "healthchecked_pool_name": "web",
        "healthchecked_pool_vip": "127.9.20.1",
        "healthchecked_pool_members": members,
        "healthchecked_pool_healthcheck": {"monitor_type": "TCP", "interval": 5, "response_time": 2},
        **extra,
    }


def test_every_bad_pool_input_fails_at_once_with_zero_requests(sim):
    sim.clear_requests()
    proc, counts = play(
        sim,
        healthchecked_pool_name="web",
        healthchecked_pool_vip="127.9.20.1",
        healthchecked_pool_lbmethod="LEASTCONECTION",
        healthchecked_pool_members=[
            {"ip": "127.0.0.1", "port": 8080, "weight": 200},
            {"ip": "127.0.0.1", "port": "8080"},
            {"ip": "127.9.20.1", "port": 81},
        ],
        healthchecked_pool_healthcheck={"interval": 5, "response_time": 5},
        healthchecked_pool_healthcheck_interval="600",
        healthchecked_pool_member="typo",
    )
    assert proc.returncode != 0 and counts["failed"] == 1, proc.stdout
    out = proc.stdout
    for expected in (
        "healthchecked_pool_lbmethod: 'LEASTCONECTION' is not a load balancing method",
        "healthchecked_pool_members[0].weight: 200 is out of range",
        "healthchecked_pool_members[1]: 127.0.0.1 port 8080 is also member 0",
        "healthchecked_pool_members[2].ip: 127.9.20.1 is the VIP itself",
        "healthchecked_pool_healthcheck.interval: 600 is out of range",
        "healthchecked_pool_member: not a variable of this role; did you mean healthchecked_pool_members?",
    ):
        assert expected in out, out
    assert sim.requests() == []  # not even a login


def test_typo_or_blank_survey_answer_never_empties_a_live_pool(sim, backend_factory):  # noqa: F811
    backends = [backend_factory() for _ in range(2)]
    members = [{"ip": b.host, "port": b.port} for b in backends]
    proc, _counts = play(sim, **pool_vars(members))
    assert proc.returncode == 0, proc.stdout
    assert len(bound(sim, "web")) == 2

    for variables in (
        # the typo: members without the s
        {**pool_vars(members), "healthchecked_pool_members": None, "healthchecked_pool_member": members},
        # AWX with the optional "Members" survey answer left blank
        {**pool_vars([]), "healthchecked_pool_members": None, "healthchecked_pool_member_list": ""},
        # an explicit empty list is refused unless asked for
        pool_vars([]),
    ):
        given = {k: v for k, v in variables.items() if v is not None}
        sim.clear_requests()
        proc, _counts = play(sim, **given)
        assert proc.returncode != 0, proc.stdout
        assert "healthchecked_pool_members: " in proc.stdout, proc.stdout
        assert sim.requests() == [], given
    assert len(bound(sim, "web")) == 2

    # a removal budget refuses before any write (the plan's read is GETs only)
    sim.clear_requests()
    proc, _counts = play(sim, **pool_vars(members[:1], healthchecked_pool_max_member_removals=0))
    assert proc.returncode != 0
    assert "healthchecked_pool_max_member_removals: this run would remove 1 member(s)" in proc.stdout, proc.stdout
    assert sim.writes() == []
    assert len(bound(sim, "web")) == 2

    # said explicitly, the pool may be emptied
    proc, _counts = play(sim, **pool_vars([], healthchecked_pool_allow_empty=True))
    assert proc.returncode == 0, proc.stdout
    assert bound(sim, "web") == {}


def test_check_mode_reports_what_the_real_run_does(sim, backend_factory):  # noqa: F811
    backends = [backend_factory() for _ in range(3)]
    members = [{"ip": b.host, "port": b.port} for b in backends]
    proc, _ = play(sim, **pool_vars(members[:2]))
    assert proc.returncode == 0, proc.stdout
    names = sorted(bound(sim, "web"))

    # one member leaves, one joins: check mode first, then the real run
    change = pool_vars([members[0], members[2]])
    sim.clear_requests()
    check, check_counts = play(sim, check=True, diff=True, **change)
    assert check.returncode == 0, check.stdout
    assert sim.writes() == []
    assert "kept service" not in check.stdout, check.stdout  # the real run deletes it: so must the prediction
    real, real_counts = play(sim, diff=True, **change)
    assert real.returncode == 0, real.stdout
    assert check_counts["changed"] == real_counts["changed"], (check.stdout, real.stdout)
    joined = f"web-{backends[2].host}-{backends[2].port}"
    assert names[1] not in services(sim) and joined in services(sim)
    assert monitors_of(sim, joined) == ["web-hc"]

    def healthcheck_diff(stdout: str) -> str:
        task = stdout.split("TASK [adcops.netscaler.healthchecked_pool : Converge the health check", 1)[1]
        return task.split("TASK [", 1)[0]

    assert joined in healthcheck_diff(check.stdout), check.stdout  # the new member's monitor binding is predicted
    assert joined in healthcheck_diff(real.stdout)


def test_bad_dsr_input_fails_with_zero_requests(sim):
    sim.clear_requests()
    proc, _counts = play(
        sim,
        DSR,
        dsr_vserver_name="d" * 126,
        dsr_vserver_vip="*",
        dsr_vserver_members=[{"ip": "2001:db8::1"}, {"ip": "2001:DB8:0::1", "name": "again"}],
        dsr_vserver_memebers=[],
    )
    assert proc.returncode != 0, proc.stdout
    for expected in (
        "dsr_vserver_name: 126 characters leave no room for the health check monitor",
        "dsr_vserver_vip: '*' is refused",
        "dsr_vserver_members[1]: 2001:db8::1 is also member 0",
        "dsr_vserver_memebers: not a variable of this role; did you mean dsr_vserver_members?",
    ):
        assert expected in proc.stdout, proc.stdout
    assert sim.requests() == []


def test_plan_output_is_json_serialisable():
    # the plan travels through registered variables and module arguments
    from ansible_collections.adcops.netscaler.plugins.plugin_utils import role_plan

    plan = role_plan.plan(
        "healthchecked_pool",
        {"healthchecked_pool_name": "p", "healthchecked_pool_vip": "::1", "healthchecked_pool_member_list": "[::2]:80"},
        {"healthchecked_pool_name", "healthchecked_pool_vip", "healthchecked_pool_member_list"},
    )
    assert json.loads(json.dumps(plan))["services"] == [{"name": "p-::2-80", "ip": "::2", "port": 80}]
