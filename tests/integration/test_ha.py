"""HA pairs: ns_hanode_info against the simulator's hanode on every master-state combination NITRO documents, the
post-write re-check, and a fault matrix of role runs: one ansible-playbook run per role over an inventory of
simulator processes, one per HA state (a secondary, split brain, a failover during the writes, ...), with the role's
session or the play's, checking what was written, what was said and that no NITRO session is left open. Config sync
between the nodes is NetScaler's, not modelled and not tested.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.helpers.fleet import host_recaps, run_inventory_playbook, simulator_processes
from tests.helpers.runner import connection, run_module

LOGIN_PATHS = ("/nitro/v1/config/login", "/nitro/v1/config/logout")
HANODE = "/nitro/v1/config/hanode"


@pytest.mark.parametrize(
    ("ha", "role", "peers", "why"),
    [
        ({}, "standalone", [], ""),
        ({"state": "primary"}, "primary", ["Secondary"], ""),
        ({"state": "secondary"}, "secondary", ["Primary"], ""),
        ({"local": "Secondary", "peer_state": "Primary", "hastatus": "STAYSECONDARY"}, "secondary", ["Primary"], ""),
        ({"state": "unknown"}, "unknown", ["UNKNOWN"], "not exactly one Primary and one Secondary"),
        # split brain: before, both nodes were "primary" and each was configured
        ({"local": "Primary", "peer_state": "Primary"}, "unknown", ["Primary"], "split brain: both nodes report"),
        # heartbeats lost: from each side a split brain looks like this
        ({"local": "Primary", "peer_state": "UNKNOWN"}, "unknown", ["UNKNOWN"], "not exactly one Primary"),
        ({"local": "Secondary", "peer_state": "Secondary"}, "unknown", ["Secondary"], "not exactly one Primary"),
        ({"local": "Secondary", "peer_state": "UNKNOWN"}, "unknown", ["UNKNOWN"], "not exactly one Primary"),
        # own state other than Primary and no peer listed: before, "standalone" and configurable
        ({"local": "Secondary", "peer_state": None, "hastatus": "STAYSECONDARY"}, "unknown", [],
         "this node's master state is Secondary and it lists no peer node"),
        ({"local": "UNKNOWN", "peer_state": None}, "unknown", [], "this node's master state is UNKNOWN and it lists"),
    ],
)  # fmt: skip
def test_ns_hanode_info(sim, ha, role, peers, why):
    if ha:
        sim.set_ha(peer="192.0.2.7", **ha)
    sim.clear_requests()
    result = run_module("ns_hanode_info", connection(sim), check=True)
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    assert result["ha_role"] == role and result["configurable"] is (role in ("standalone", "primary"))
    assert result["local_node"]["id"] == "0" and result["given_session"] is False
    assert [p["state"] for p in result["peer_nodes"]] == peers
    if peers:
        assert result["peer_nodes"][0]["ipaddress"] == "192.0.2.7"
    primaries = [n["ipaddress"] for n in (result["local_node"], *result["peer_nodes"]) if n["state"] == "Primary"]
    assert result["primary"] == (primaries[0] if len(primaries) == 1 else None)
    assert why in result["reason"] and bool(result["reason"]) is bool(why)
    nitro = [r for r in sim.requests() if r["path"] not in LOGIN_PATHS]
    assert [(r["method"], r["path"]) for r in nitro] == [("GET", HANODE)]
    # the gate: only standalone, primary and secondary pass; anything else fails naming every node and its state
    gated = run_module("ns_hanode_info", {**connection(sim), "gate": True})
    assert gated.get("failed", False) is (role == "unknown"), gated
    if role == "unknown":
        assert gated["changed"] is False and why in gated["msg"], gated["msg"]
        assert f"node 0 127.0.0.1 (this node): {result['local_node']['state']}" in gated["msg"]
        assert all(f"node 1 192.0.2.7: {state}" in gated["msg"] for state in peers)


def test_ns_hanode_info_in_a_given_session_says_so(sim):
    token = run_module("nitro_session", connection(sim))["nitro_auth_token"]
    result = run_module("ns_hanode_info", {**connection(sim), "nitro_auth_token": token})
    assert result["given_session"] is True and sim.active_sessions() == 1  # the caller's to close
    assert token not in result["_stdout"]
    # a token from the environment (an AWX credential's) is not the play's: the gate must not log out of it
    from_env = run_module("ns_hanode_info", {"nsip": sim.nsip, "nitro_protocol": "http"},
                          env={"NETSCALER_NITRO_AUTH_TOKEN": token})  # fmt: skip
    assert from_env.get("failed") is not True and from_env["given_session"] is False, from_env


def recheck(sim: Any, since: dict[str, Any], wrote: bool) -> dict[str, Any]:
    args = {**connection(sim), "since": {k: since[k] for k in ("local_node", "peer_nodes")}, "writes_applied": wrote}
    return run_module("ns_hanode_info", args)


def test_recheck_after_the_writes(sim):
    # 20 simulated seconds a real second: masterstatetime (whole seconds) moves between two reads
    sim.set_time_scale(0.05)
    sim.set_ha("primary", peer="192.0.2.7")
    before = run_module("ns_hanode_info", {**connection(sim), "gate": True})
    assert before["ha_role"] == "primary"
    unchanged = recheck(sim, before, True)
    assert unchanged.get("failed") is not True and unchanged["changed"] is False, unchanged
    # a failover during the run: the writes went to the node that is now the secondary
    sim.set_ha("secondary", peer="192.0.2.7")
    after = recheck(sim, before, True)
    assert after["failed"] is True and after["changed"] is True, after
    assert after["msg"].startswith(f"{sim.nsip} is no longer primary (now secondary). Before the run: node 0"), after
    assert (
        "New primary: 192.0.2.7. This run's changes went to a node that is no longer primary and will be "
        in (after["msg"])
    )
    assert "overwritten by synchronisation from the new primary 192.0.2.7; run again against the pair." in after["msg"]
    # nothing written (a no-op run): the same failure, changed=false
    quiet = recheck(sim, before, False)
    assert quiet["failed"] is True and quiet["changed"] is False and "Nothing was written" in quiet["msg"]
    # split brain appeared during the run: no new primary to name
    sim.set_ha(local="Primary", peer_state="Primary", peer="192.0.2.7")
    split = recheck(sim, before, True)
    assert split["failed"] is True and split["changed"] is True and "New primary: none." in split["msg"], split
    assert "synchronisation from whichever node becomes primary" in split["msg"]
    # away and back: the same states, but the node left Primary during the run (masterstatetime went back)
    sim.set_ha("primary", peer="192.0.2.7", masterstatetime=86400)
    fresh = run_module("ns_hanode_info", connection(sim))
    sim.set_ha("primary", peer="192.0.2.7")
    back = recheck(sim, fresh, True)
    assert back["failed"] is True and back["changed"] is True, back
    assert "left its master state and came back during the run" in back["msg"], back["msg"]
    # a failed re-read after the writes still reports them
    sim.fault("status", count=-1, method="GET", path="hanode", status=503)
    broken = recheck(sim, before, True)
    assert broken["failed"] is True and broken["changed"] is True, broken


def test_recheck_input_is_checked_before_any_request(sim):
    result = run_module("ns_hanode_info", {**connection(sim), "writes_applied": True})
    assert result["failed"] is True and "writes_applied needs since" in result["msg"]
    result = run_module("ns_hanode_info", {**connection(sim), "since": {"ha_role": "primary"}})
    assert result["failed"] is True and "since: give the registered result" in result["msg"]
    assert sim.requests() == []


def test_simulator_failover_at_a_chosen_request(sim):
    sim.set_ha("primary", peer="192.0.2.7", failover_at=2, failback_at=3)
    assert sim.ha()["pending_failovers"] == [2, 3]
    states = []
    for i in range(3):  # GETs are not writes; each write counts
        assert sim.nitro("GET", "hanode")[1]["hanode"][0]["state"] == ("Primary" if i < 1 else states[-1])
        sim.nitro("POST", "lbvserver", {"lbvserver": {"name": f"v{i}", "servicetype": "HTTP", "ipv46": "0.0.0.0",
                                                     "port": 0}})  # fmt: skip
        states.append(sim.ha()["local"])
    assert states == ["Primary", "Secondary", "Primary"] and sim.ha()["pending_failovers"] == []
    assert sim.ha()["peer_state"] == "Secondary"
    # on a chosen request of any kind, and only on paths that match
    sim.set_ha("primary", peer="192.0.2.7", failover_at=1, failover_on="request", failover_path="nsconfig")
    sim.nitro("GET", "hanode")
    assert sim.ha()["local"] == "Primary"
    sim.nitro("GET", "nsconfig")
    assert sim.ha()["local"] == "Secondary" and sim.ha()["state"] == "secondary"


def test_simulator_hanode_resets_to_standalone_and_refuses_writes(sim):
    sim.set_ha("secondary")
    status, body = sim.nitro("PUT", "hanode", {"hanode": {"id": 0, "hastatus": "STAYSECONDARY"}})
    assert status == 599 and body["errorcode"] == 257
    status, body = sim.nitro("GET", "hanode/1")
    assert status == 200 and body["hanode"][0]["state"] == "Primary"
    sim.reset()
    status, body = sim.nitro("GET", "hanode")
    assert status == 200 and [n["id"] for n in body["hanode"]] == ["0"]
    assert sim.nitro("GET", "hanode/1")[0] == 404


# -- the fault matrix: every HA state, the role's session or the play's, a failover during the writes ----------------
# One ansible-playbook run per role over an inventory of simulator processes, one per case (forks: the cases run side
# by side), so the matrix costs about one playbook run per role instead of one per case.
MATRIX_PLAY = """
- name: One role on every HA state, in its own NITRO session or in the play's
  hosts: all
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  roles:
    - role: adcops.netscaler.netscaler_node
  tasks:
    - name: The role in the play's session (README "One NITRO session per play")
      when: play_session | bool
      block:
        - name: Log in for the play
          adcops.netscaler.nitro_session:
            nsip: "{{ netscaler_nsip }}"
          register: play_nitro
        - name: Run the role, given the play's session
          ansible.builtin.include_role:
            name: "adcops.netscaler.{{ role_under_test }}"
          vars:
            netscaler_nitro_auth_token: "{{ play_nitro.nitro_auth_token }}"
      always:
        - name: Log out of the play's session, also after a failure
          adcops.netscaler.nitro_session:
            nsip: "{{ netscaler_nsip }}"
            nitro_auth_token: "{{ play_nitro.nitro_auth_token }}"
            state: absent
          when: play_nitro.nitro_auth_token is defined
    - name: Run the role in its own session
      ansible.builtin.include_role:
        name: "adcops.netscaler.{{ role_under_test }}"
      when: not play_session | bool
"""

PEER = "192.0.2.7"
# case: (simulator hanode setting, the play gives the session, expected outcome)
#   configured: the role converges; skipped: nothing written, the message names the primary, the host does not fail;
#   refused: the host fails at the gate, nothing written; failover: writes, then the re-check fails with changed=true.
# The failover cases: at the first write, at the save (the last write), and away and back (a flip during the run).
# Together with "the re-check is the last request after every write" (asserted on every configured case), a failover
# at any write is reported: the state a failover leaves is what the re-check reads.
HA_CASES: dict[str, tuple[dict[str, Any], bool, str]] = {
    "standalone": ({"state": "standalone"}, False, "configured"),
    "primary": ({"state": "primary"}, False, "configured"),
    "primary-play": ({"state": "primary"}, True, "configured"),
    "secondary": ({"state": "secondary"}, False, "skipped"),
    "secondary-play": ({"state": "secondary"}, True, "skipped"),
    "split-brain": ({"local": "Primary", "peer_state": "Primary"}, False, "refused"),
    "split-brain-play": ({"local": "Primary", "peer_state": "Primary", "hastatus": "STAYPRIMARY"}, True, "refused"),
    "peer-unknown": ({"local": "Primary", "peer_state": "UNKNOWN"}, False, "refused"),
    "unknown": ({"state": "unknown"}, False, "refused"),
    "both-secondary": ({"local": "Secondary", "peer_state": "Secondary"}, False, "refused"),
    "secondary-peer-unknown": ({"local": "Secondary", "peer_state": "UNKNOWN"}, False, "refused"),
    "stay-secondary-no-peer": ({"local": "Secondary", "peer_state": None, "hastatus": "STAYSECONDARY"}, False,
                               "refused"),
    "unknown-no-peer": ({"local": "UNKNOWN", "peer_state": None}, False, "refused"),
    "failover-first-write": ({"state": "primary", "failover_at": 1}, False, "failover"),
    "failover-at-save-play": ({"state": "primary", "failover_at": 1, "failover_path": "nsconfig"}, True, "failover"),
    "failover-and-back": ({"state": "primary", "failover_at": 1, "failback_at": 2, "masterstatetime": 86400}, False,
                          "failover"),
}  # fmt: skip
# The gate is netscaler_node's, the same for every role: the DSR role runs the cases that touch its own tasks.
DSR_CASES = ("standalone", "primary-play", "secondary", "secondary-play", "split-brain-play", "unknown",
             "unknown-no-peer", "failover-first-write", "failover-at-save-play", "failover-and-back")  # fmt: skip


def matrix_role_vars(role: str) -> dict[str, Any]:
    if role == "healthchecked_pool":
        # RFC 2544 benchmarking addresses: nothing answers there, the members are simply DOWN
        return {"healthchecked_pool_name": "ha", "healthchecked_pool_vip": "127.9.31.1",
                "healthchecked_pool_members": [{"ip": "198.18.0.1", "port": 80}, {"ip": "198.18.0.2", "port": 80}],
                "healthchecked_pool_save_config": True}  # fmt: skip
    return {"dsr_vserver_name": "ha", "dsr_vserver_vip": "127.0.34.1", "dsr_vserver_save_config": True,
            "dsr_vserver_members": [{"ip": "127.0.34.11"}, {"ip": "127.0.34.12", "weight": 2}]}  # fmt: skip


def fatal_result(stdout: str, host: str) -> dict[str, Any]:
    """The JSON of the host's `fatal: [host]: FAILED! => {...}` line."""
    match = re.search(rf"^fatal: \[{re.escape(host)}\]: FAILED! => (\{{.*\}})$", stdout, re.M)
    assert match, f"no failure reported for {host}"
    return json.loads(match.group(1))


def check_case(name: str, outcome: str, sim: Any, recap_: dict[str, int], out: str, *, writes: int) -> None:
    log = sim.requests()
    paths = [r["path"] for r in log]
    sent = sim.writes()
    # zero sessions open after every run, whatever happened
    assert sim.active_sessions() == 0, "a NITRO session is left open"
    # one login and one logout: the role's, or the play's (the role then neither logs in nor out)
    assert paths.count(LOGIN_PATHS[0]) == 1 and paths.count(LOGIN_PATHS[1]) == 1, paths
    assert paths[0] == LOGIN_PATHS[0] and paths[-1] == LOGIN_PATHS[1], paths
    assert {r["auth"] for r in log[1:]} == {"session"}, "a request outside the session"
    ha = sim.ha()
    # the re-check: the second and last HA read, after every write, in the same session
    last_write = max((i for i, r in enumerate(log) if r in sent), default=-1)
    rechecked = paths.count(HANODE) == 2 and max(i for i, p in enumerate(paths) if p == HANODE) > last_write
    if outcome == "configured":
        assert recap_["failed"] == 0 and recap_["changed"] >= 3, recap_
        assert len(sent) == writes, [w["path"] for w in sent]
        assert paths[1] == HANODE and rechecked, paths
    elif outcome == "skipped":
        assert recap_["failed"] == 0 and recap_["changed"] == 0, recap_
        # nothing but the session and the HA read; the gate logged out (the play's session too: end_host skips
        # the play's `always`)
        assert paths == [LOGIN_PATHS[0], HANODE, LOGIN_PATHS[1]], paths
        assert f"{name} ({sim.nsip}) is the SECONDARY node of an HA pair: skipped" in out
        assert f"Its primary ({PEER})" in out
    elif outcome == "refused":
        assert recap_["failed"] == 1 and recap_["changed"] == 0, recap_
        assert paths == [LOGIN_PATHS[0], HANODE, LOGIN_PATHS[1]], paths
        failure = fatal_result(out, name)
        msg = failure["msg"]
        assert failure["changed"] is False, failure
        assert msg.startswith(f"{sim.nsip}: HA pair not safe to configure, nothing written: "), msg
        assert f"node 0 127.0.0.1 (this node): {ha['local']}" in msg, msg
        assert (f"node 1 {PEER}: {ha['peer_state']}" in msg) if ha["peer_state"] else "node 1" not in msg, msg
        if name.startswith("split-brain"):
            assert "split brain: both nodes report Primary" in msg, msg
    else:
        assert recap_["failed"] == 1 and not ha["pending_failovers"], (recap_, ha)
        assert len(sent) == writes, [w["path"] for w in sent]
        assert paths[1] == HANODE and rechecked and paths[-2] == HANODE, paths  # nothing after the failed re-check
        failure = fatal_result(out, name)
        msg = failure["msg"]
        assert failure["changed"] is True, failure
        if name == "failover-and-back":
            assert f"{sim.nsip} left its master state and came back during the run" in msg, msg
            assert "changes went to this node while the pair changed" in msg, msg
        else:
            assert f"{sim.nsip} is no longer primary (now secondary)" in msg, msg
            assert "This run's changes went to a node that is no longer primary and will be overwritten by " in msg
            assert f"synchronisation from the new primary {PEER}" in msg, msg


@pytest.mark.parametrize("role", ["healthchecked_pool", "dsr_vserver"])
def test_fault_matrix_every_ha_state_and_a_failover_leave_no_session(tmp_path, role):
    cases = {name: case for name, case in HA_CASES.items() if role != "dsr_vserver" or name in DSR_CASES}
    with simulator_processes(len(cases)) as sims:
        hosts = dict(zip(cases, sims, strict=True))
        inventory: dict[str, Any] = {"all": {"hosts": {}}}
        for name, (ha, play_session, _) in cases.items():
            hosts[name].set_ha(peer=PEER, **ha)
            hosts[name].clear_requests()
            inventory["all"]["hosts"][name] = {"ansible_host": hosts[name].nsip, "play_session": play_session}
        (tmp_path / "inventory.json").write_text(json.dumps(inventory))
        (tmp_path / "play.yml").write_text(MATRIX_PLAY)
        env = {"NETSCALER_NITRO_USER": "nsroot", "NETSCALER_NITRO_PASS": "nsroot", "NETSCALER_NITRO_PROTOCOL": "http"}
        proc = run_inventory_playbook(tmp_path / "play.yml", tmp_path / "inventory.json", forks=8, env=env,
                                      extra_vars={"role_under_test": role, **matrix_role_vars(role)})  # fmt: skip
        recaps = host_recaps(proc.stdout)
        writes = len(hosts["standalone"].writes())
        problems = []
        for name, (_ha, _play_session, outcome) in cases.items():
            try:
                check_case(name, outcome, hosts[name], recaps[name], proc.stdout, writes=writes)
            except (AssertionError, KeyError) as exc:
                problems.append(f"{name}: {exc}")
        assert not problems, "\n".join(problems) + "\n" + proc.stdout[-8000:] + proc.stderr[-2000:]
