"""The least-privilege command policies of extensions/command_policies/policies.yml against what the roles really send.

One ansible-playbook run (command_policies.yml) takes every role through the scenarios that send each command it
can send: healthchecked_pool creates, changes (a member leaves, one joins, a named one moves, weight, method, health
check with a header removed, a service group bound by hand) and removes a pool; quiet_vip sets every global setting
and saves; pool_member drains and enables a backend; dsr_vserver creates, changes and removes a DSR vserver with MBF.
Each role runs under its own policy, which the simulator enforces (tests/nitro_sim/cmdpolicy.py: a request the
policy does not allow fails with 2138 and the role with it). Then, from the request log: every request of a role is a
command its policy allows (searched and matched whole, case-insensitively, as NetScaler may do either), every
command a policy allows was really sent by its role (no allowance is wider than the role), and each policy refuses
the commands of the other roles that its own role never sends, and what no role may run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest

from tests.helpers import command_policies as cp
from tests.helpers.backends import Backend
from tests.helpers.runner import REPO, recap, role_connection, run_playbook
from tests.nitro_sim.cli_commands import BINDINGS, RESOURCES, request_commands
from tests.nitro_sim.pytest_plugin import SimHandle

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

PLAYBOOK = REPO / "tests" / "integration" / "command_policies.yml"
DATA = cp.load()
ROLES: dict[str, dict[str, Any]] = DATA["roles"]

# Commands no role may run, each a way to take over or reconfigure the appliance beyond load balancing.
NEVER = [
    "shell",
    "rm system user adcops_ansible",
    "set system user nsroot -password secret",
    "add system user intruder secret",
    "bind system user adcops_ansible superuser 1",
    "add system cmdPolicy all ALLOW .*",
    "set system cmdPolicy adcops_quiet_vip ALLOW .*",
    "show system user",
    "show ns runningConfig",
    "show ns ns.conf",
    "add ns ip 10.0.0.9 255.255.255.0 -type SNIP",
    "rm ns ip 10.0.0.9",
    "set ns param -timezone GMT+01:00",
    "set ns hostName intruder",
    "enable ns feature SSLVPN",
    "enable ns mode L3",
    "enable ns mode MBF L3",
    "disable ns mode USIP",
    "unset ns tcpParam -downStateRST",
    "set ns tcpParam -WS ENABLED",
    "set ns ip 127.9.20.1 -mgmtAccess ENABLED",
    "add route 0.0.0.0 0.0.0.0 10.0.0.1",
    "add ssl certKey k -cert c.pem",
    "rm cs vserver cs1",
    "set lb parameter -sessionsThreshold 1",
    "bind service web-1 -policyName p",
    "bind servicegroup sg -policyName p",
    "show lb vserver_x",
    "show servicegroupx",
    "clear ns config full",
    "reboot",
    "batch -fileName /tmp/x",
]
# Commands of a kind the role sends, with options it never sends.
NOT_THESE_OPTIONS = {
    "quiet_vip": ["set lb vserver web -lbMethod ROUNDROBIN", "set lb vserver web -ipv46 10.0.0.9"],
}

# The CLI objects the translation knows, longest first, to name a command's verb and object.
OBJECTS = sorted({obj for obj, _ in RESOURCES.values()} | {b[0] for b in BINDINGS.values()}, key=len, reverse=True)


def kind(command: str) -> tuple[str, str]:
    """(verb, CLI object) of a command: 'bind lb vserver web s' -> ('bind', 'lb vserver')."""
    verb, _, rest = command.partition(" ")
    obj = next(o for o in OBJECTS if rest.lower() == o.lower() or rest.lower().startswith(o.lower() + " "))
    return verb, obj


def allowed(spec: str, command: str) -> bool:
    """Whether the policy allows the command; the same whether NetScaler searches or matches whole (anchored)."""
    searched = re.search(spec, command, re.IGNORECASE) is not None
    whole = re.fullmatch(spec, command, re.IGNORECASE) is not None
    assert searched == whole, (spec, command)
    return searched


@pytest.fixture(scope="module")
def run(nitro_sim_server) -> dict[str, Any]:
    sim = SimHandle.fresh(nitro_sim_server)
    sim.set_time_scale(0.02)  # health probes every 0.1 s
    backends = [Backend() for _ in range(4)]
    backends.append(Backend(port=backends[2].port))  # where the named member web-a moves: same port, other IP
    try:
        extra = {
            **role_connection(sim),
            "sim_url": sim.url,
            "cmdspecs": {name: role["cmdspec"] for name, role in ROLES.items()},
            "backends": [{"ip": b.host, "port": b.port} for b in backends],
        }
        proc = run_playbook(PLAYBOOK, extra_vars=extra, timeout=850)
        log = sim.requests()
        state = sim.state()
    finally:
        for backend in backends:
            backend.stop()
        sim.reset()
    sent: dict[str | None, list[str]] = defaultdict(list)
    for entry in log:
        for command in request_commands(entry):
            sent[entry["cmdpolicy"]].append(command)
    return {"proc": proc, "log": log, "state": state, "sent": sent}


def test_every_role_ran_to_the_end_under_its_own_policy(run):
    proc = run["proc"]
    assert proc.returncode == 0 and recap(proc.stdout)["failed"] == 0, proc.stdout[-6000:]
    refused = [e for e in run["log"] if e["errorcode"] == 2138]
    assert refused == []
    assert set(run["sent"]) == set(ROLES) | {None}
    # without a policy only the service groups bound by hand (command_policies_phase.yml)
    assert {kind(c) for c in run["sent"][None]} == {("add", "servicegroup"), ("bind", "lb vserver")}
    # the global changes of policies.yml, as the run left them: downstaterst stays (nothing in the collection
    # undoes it); MBF went on with the DSR vserver and off with its absent
    assert str(run["state"]["nstcpparam"]["downstaterst"]).upper() == "ENABLED"
    modes = [c for c in run["sent"]["dsr_vserver"] if c.startswith(("enable ns mode", "disable ns mode"))]
    assert modes == ["enable ns mode MBF", "disable ns mode MBF"]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_request_of_a_role_is_a_command_its_policy_allows(run, role):
    spec = ROLES[role]["cmdspec"]
    refused = sorted({c for c in run["sent"][role] if not allowed(spec, c)})
    assert refused == [], f"{role}'s policy refuses commands the role sends: {refused}"


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_command_a_policy_allows_is_sent_by_its_role(run, role):
    """No allowance wider than the role: each verb of each command of the policy was used in the run."""
    sent = run["sent"][role]
    unused = []
    for command in ROLES[role]["commands"]:
        for single in cp.expanded(command):
            spec = "^(" + cp.fragment(single) + ")" + cp.SUFFIX
            if not any(allowed(spec, c) for c in sent):
                unused.append(cp.label(single))
    assert unused == [], f"{role}'s policy allows what the role never sent: {unused}"


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_policy_refuses_what_its_role_does_not_need(run, role):
    spec = ROLES[role]["cmdspec"]
    own = {kind(c) for c in run["sent"][role]}
    others = sorted({c for name, cmds in run["sent"].items() if name not in (role, None) for c in cmds
                     if kind(c) not in own})  # fmt: skip
    assert others, role  # every role leaves out something another role does
    for command in [*NEVER, *NOT_THESE_OPTIONS.get(role, []), *others]:
        assert not allowed(spec, command), f"{role}'s policy allows {command!r}"
    if not any(kind(c) == ("save", "ns config") for c in run["sent"][role]):
        assert not allowed(spec, "save ns config")


def test_the_undo_commands_restore_the_appliance_defaults(sim):
    """Each undo of policies.yml's global_changes sets the value a factory-fresh appliance has."""
    status, _ = sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "fresh", "servicetype": "HTTP",
                                                              "ipv46": "127.9.21.1", "port": 80}})  # fmt: skip
    assert status == 201

    def read(resource: str) -> dict[str, Any]:
        path = {"nsip": "nsip/127.9.21.1", "lbvserver": "lbvserver/fresh"}.get(resource, resource)
        rows = sim.nitro("GET", path)[1][resource]
        return rows[0] if isinstance(rows, list) else rows

    checked = 0
    for change in DATA["global_changes"]:
        default = change.get("default")
        if default is None:
            continue
        value = read(default["resource"])[default["attribute"]]
        assert str(value).lower() == str(default["value"]).lower(), change
        assert str(default["value"]).lower() in change["undo"].lower() or default["value"] is False, change
        checked += 1
    assert checked == 4
