"""The roles' plan step (adcops.netscaler.role_plan) through real ansible-playbook against the simulator:
bad input and typos fail before any request, naming the role variable; a live pool is never emptied by accident;
check mode reports what the real run does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.backends import backend_factory, loopback_ip  # noqa: F401  (fixtures)
from tests.helpers.runner import REPO, recap, role_connection, run_playbook
from tests.integration.test_lb_healthcheck import monitors_of, ok

POOL = REPO / "playbooks" / "healthchecked_pool.yml"
DSR = REPO / "playbooks" / "dsr.yml"


def play(sim, playbook=POOL, *, check=False, diff=False, **variables: Any):
    proc = run_playbook(playbook, extra_vars={**role_connection(sim), **variables}, check=check, diff=diff)
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


ROLE_ALONE = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  roles:
    - role: adcops.netscaler.healthchecked_pool
"""


@pytest.mark.parametrize(
    ("alone", "expected"),
    [
        # playbooks/healthchecked_pool.yml: netscaler_node resolves NETSCALER_NITRO_PROTOCOL into
        # netscaler_nitro_protocol, which the role's argument spec checks
        (False, "value of netscaler_nitro_protocol must be one of: https, http, got: htps"),
        # the role alone: no variable, so the plan step names the environment variable the modules would read
        (True, "NETSCALER_NITRO_PROTOCOL (environment): 'htps' must be one of https, http"),
    ],
    ids=["playbook", "role-alone"],
)
def test_bad_protocol_from_the_environment_fails_with_zero_requests(sim, tmp_path, alone, expected):
    """The roles import netscaler_node's session without its argument-spec validation (rolespec_validate: false):
    a bad connection setting is still refused, named, before the first request."""
    connection = {k: v for k, v in role_connection(sim).items() if k != "netscaler_nitro_protocol"}
    playbook = POOL
    if alone:
        playbook = tmp_path / "role_alone.yml"
        playbook.write_text(ROLE_ALONE)
    sim.clear_requests()
    proc = run_playbook(playbook, extra_vars={**connection, **pool_vars([{"ip": "127.0.0.1", "port": 8080}])},
                        env={"NETSCALER_NITRO_PROTOCOL": "htps"})  # fmt: skip
    assert proc.returncode != 0 and recap(proc.stdout)["failed"] == 1, proc.stdout
    assert expected in proc.stdout, proc.stdout
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


RECHECK = "netscaler_node : Check that the node is still the primary"


def task_statuses(stdout: str) -> list[tuple[str, str]]:
    """(task, ok/changed/skipping/failed) of every task the run printed, in order."""
    out = []
    for block in stdout.split("\nTASK [")[1:]:
        task = block.split("]", 1)[0]
        for status in ("changed", "ok", "skipping", "fatal"):
            if f"\n{status}: [" in block:
                out.append((task, status))
                break
    return out


def same_plan(check: str, real: str) -> None:
    """Check mode reports what the real run does: every task the same status (no task is predicted to keep or
    skip what the real run changes), and the plan's leaving list the same. The HA re-check after the last write
    (netscaler_node finish) reads only after real writes, so check mode skips it by design."""

    def planned(stdout: str) -> list[tuple[str, str]]:
        return [(task, status) for task, status in task_statuses(stdout) if RECHECK not in task]

    assert planned(check) == planned(real), (check, real)
    assert "kept service" not in check or "kept service" in real


def writes_named_by(sim, allowed: set[str]) -> None:
    """The real run's writes touch only the objects the plan names (and the appliance-wide save / mode)."""
    for write in sim.writes():
        resource = write["path"].rsplit("/config/", 1)[-1]
        body = json.dumps(write.get("body"))
        if resource.startswith(("nsconfig", "nsmode", "login", "logout")):
            continue
        assert any(name in body or name in write["path"] for name in allowed), (write, allowed)


@pytest.mark.slow
@pytest.mark.timeout(900)  # six playbook runs; a loaded CI machine must not cut one off mid-run
def test_pool_change_matrix_check_mode_equals_real_run(sim, backend_factory):  # noqa: F811
    """Member added, removed, shared, weight changed, health check changed, vserver attribute changed, pool
    absent: check mode's task-by-task result equals the real run's, and the real run writes only what it names."""
    backends = [backend_factory() for _ in range(4)]
    members = [{"ip": b.host, "port": b.port} for b in backends]
    names = [f"web-{b.host}-{b.port}" for b in backends]
    proc, _ = play(sim, **pool_vars(members[:3]))
    assert proc.returncode == 0, proc.stdout
    # names[1] is shared: another vserver binds it too
    ok(sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "other", "servicetype": "HTTP", "ipv46": "127.9.20.2",
                                                     "port": 80}}))  # fmt: skip
    binding = {"lbvserver_service_binding": {"name": "other", "servicename": names[1]}}
    ok(sim.nitro("PUT", "lbvserver_service_binding", binding))

    change = pool_vars(
        [{**members[0], "weight": 5}, members[3]],  # weight changed, 1 and 2 leave, 3 joins
        healthchecked_pool_lbmethod="LEASTCONNECTION",
        healthchecked_pool_healthcheck={"monitor_type": "TCP", "interval": 7, "response_time": 2},
    )
    sim.clear_requests()
    check, _ = play(sim, check=True, diff=True, **change)
    assert check.returncode == 0, check.stdout
    assert sim.writes() == []
    real, _ = play(sim, diff=True, **change)
    assert real.returncode == 0, real.stdout
    same_plan(check.stdout, real.stdout)
    writes_named_by(sim, {"web", "web-hc", *names})
    assert set(bound(sim, "web")) == {names[0], names[3]}
    assert names[1] in services(sim) and names[2] not in services(sim)  # shared kept, unshared deleted
    assert int(bound(sim, "web")[names[0]]["weight"]) == 5
    assert monitors_of(sim, names[3]) == ["web-hc"]
    hc_task = "adcops.netscaler.healthchecked_pool : Converge the health check on every member"
    for stdout in (check.stdout, real.stdout):  # the new member's monitor binding is in both diffs
        assert names[3] in stdout.split(hc_task, 1)[1].split("TASK [", 1)[0]

    sim.clear_requests()
    absent = pool_vars([], healthchecked_pool_state="absent")
    check, _ = play(sim, check=True, **absent)
    assert check.returncode == 0 and sim.writes() == [], check.stdout
    real, _ = play(sim, **absent)
    assert real.returncode == 0, real.stdout
    same_plan(check.stdout, real.stdout)
    writes_named_by(sim, {"web", "web-hc", *names})
    assert names[1] in services(sim)  # still bound by "other"
    assert not {names[0], names[3]} & services(sim)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_dsr_shared_members_and_mbf(sim):
    """Two DSR vservers share a backend: removing it from one, or `absent` of one, never deletes the service the
    other binds, and MBF is turned off only when no vserver in MAC mode remains."""
    shared = {"ip": "127.0.30.21"}

    def dsr(name: str, vip: str, members: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {"dsr_vserver_name": name, "dsr_vserver_vip": vip, "dsr_vserver_members": members, **extra}

    assert play(sim, DSR, **dsr("dsra", "127.0.30.81", [shared, {"ip": "127.0.30.22"}]))[0].returncode == 0
    # dsrb binds dsra's service for the shared backend by name
    proc, _ = play(sim, DSR, **dsr("dsrb", "127.0.30.82", [{**shared, "name": "dsra-127.0.30.21"}]))
    assert proc.returncode == 0, proc.stdout

    # the shared backend leaves dsra; weight, method and health check change too
    change = dsr(
        "dsra",
        "127.0.30.81",
        [{"ip": "127.0.30.22", "weight": 3}],
        dsr_vserver_lbmethod="SOURCEIPHASH",
        dsr_vserver_healthcheck={"type": "PING", "interval": 7},
    )
    sim.clear_requests()
    check, _ = play(sim, DSR, check=True, **change)
    assert check.returncode == 0 and sim.writes() == [], check.stdout
    real, _ = play(sim, DSR, **change)
    assert real.returncode == 0, real.stdout
    same_plan(check.stdout, real.stdout)
    assert "dsra-127.0.30.21" in services(sim)
    assert set(bound(sim, "dsrb")) == {"dsra-127.0.30.21"}
    assert int(bound(sim, "dsra")["dsra-127.0.30.22"]["weight"]) == 3
    assert ok(sim.nitro("GET", "lbvserver/dsra"))["lbvserver"][0]["lbmethod"] == "SOURCEIPHASH"
    writes_named_by(sim, {"dsra", "dsra-hc", "dsra-127.0.30.21", "dsra-127.0.30.22"})

    gone = dsr("dsrb", "", [], dsr_vserver_state="absent", dsr_vserver_disable_mbf_on_absent=True)
    proc, _ = play(sim, DSR, **gone)
    assert proc.returncode == 0, proc.stdout
    assert "dsra-127.0.30.21" not in services(sim)  # nothing else binds it now, and a DSR vserver made it
    assert "MBF stays enabled: lbvserver(s) dsra in MAC mode still need it" in proc.stdout + proc.stderr
    mode = ok(sim.nitro("GET", "nsmode"))["nsmode"]
    assert (mode[0] if isinstance(mode, list) else mode)["mbf"] in (True, "true")


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


def test_dsr_refuses_converting_an_http_vserver_before_any_write(sim):
    """An existing HTTP vserver of the same name is refused by the plan's read, before MBF or any service."""
    body = {"lbvserver": {"name": "web", "servicetype": "HTTP", "ipv46": "127.0.30.90", "port": 80}}
    ok(sim.nitro("POST", "lbvserver", body))
    sim.clear_requests()
    proc, _counts = play(sim, DSR, dsr_vserver_name="web", dsr_vserver_vip="127.0.30.90",
                         dsr_vserver_members=[{"ip": "127.0.30.31"}])  # fmt: skip
    assert proc.returncode != 0, proc.stdout
    assert "servicetype" in proc.stdout and "HTTP" in proc.stdout, proc.stdout
    assert sim.writes() == []  # neither MBF (a global mode) nor orphan ANY services
