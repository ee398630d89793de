"""dsr_vserver in one NITRO session, with the HA gate in it: real ansible-playbook (playbooks/dsr.yml) against the
simulator, sessions and requests counted in its request log (logins are POST /config/login, logouts POST
/config/logout), as test_nitro_session.py does for the other roles. Every HA state (a secondary, split brain, a
failover), with the role's session or the play's: test_ha.py's fault matrix; a fleet running playbooks/dsr.yml:
test_fleet.py."""

from __future__ import annotations

from typing import Any

from tests.helpers.runner import REPO, recap, run_playbook
from tests.integration.test_nitro_session import (
    HANODE,
    LOGIN,
    LOGOUT,
    TOKEN,
    active_sessions,
    assert_one_session,
)

PLAYBOOK = REPO / "playbooks" / "dsr.yml"
SAVE = "/nitro/v1/config/nsconfig"


def dsr_vars(sim: Any, members: int = 3, **extra: Any) -> dict[str, Any]:
    """Loopback members (127.0.33.x) answer the simulator's PING monitor."""
    return {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": sim.user,
        "netscaler_nitro_pass": sim.password,
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
        "dsr_vserver_name": "dsr",
        "dsr_vserver_vip": "127.0.33.1",
        "dsr_vserver_members": [{"ip": f"127.0.{33 + i // 250}.{i % 250 + 2}"} for i in range(members)],
        **extra,
    }


def test_one_session_per_run_the_save_inside_it_and_no_token_in_output(sim):
    proc = run_playbook(PLAYBOOK, extra_vars=dsr_vars(sim, dsr_vserver_save_config=True),
                        env={"ANSIBLE_VERBOSITY": "3"})  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert recap(proc.stdout)["changed"] >= 4
    assert_one_session(sim)
    log = sim.requests()
    saves = [i for i, r in enumerate(log) if r["method"] == "POST" and r["path"] == SAVE]
    assert len(saves) == 1, [r["path"] for r in log]
    # the save is the last write, inside the role's session (no handler logging in again after the logout)
    writes = [i for i, r in enumerate(log) if r["method"] != "GET" and r["path"] not in (LOGIN, LOGOUT)]
    assert writes[-1] == saves[0] and log[saves[0]]["auth"] == "session"
    assert sim.state()["nsconfig"]["configchanged"] in (False, "false")
    assert not TOKEN.search(proc.stdout + proc.stderr)

    sim.clear_requests()
    proc = run_playbook(PLAYBOOK, extra_vars=dsr_vars(sim, dsr_vserver_save_config=True))
    assert proc.returncode == 0 and recap(proc.stdout)["changed"] == 0, proc.stdout
    assert_one_session(sim)
    assert sim.writes() == []  # nothing changed: no save either


def test_absent_in_one_session(sim):
    assert run_playbook(PLAYBOOK, extra_vars=dsr_vars(sim)).returncode == 0
    sim.clear_requests()
    proc = run_playbook(PLAYBOOK, extra_vars=dsr_vars(sim, dsr_vserver_state="absent"))
    assert proc.returncode == 0 and recap(proc.stdout)["changed"] >= 2, proc.stdout
    assert_one_session(sim)
    assert "dsr" not in sim.state()["lbvserver"]


def test_logs_out_when_a_task_fails(sim):
    sim.fault("status", count=-1, method="POST", path="lbvserver$", status=500, errorcode=257)
    proc = run_playbook(PLAYBOOK, extra_vars=dsr_vars(sim))
    assert proc.returncode != 0 and recap(proc.stdout)["failed"] == 1, proc.stdout
    assert any(r["path"].endswith("/lbvserver") and r["status"] == 500 for r in sim.requests())
    assert_one_session(sim)


def test_expired_session_one_relogin(sim):
    # The appliance answers "session expired" once, in the middle of the role: that task logs in once on its own
    # (and out at its end); the tasks after it go on with the role's session.
    sim.fault("status", count=1, method="GET", path="lbvserver_binding", status=401, errorcode=444)
    proc = run_playbook(PLAYBOOK, extra_vars=dsr_vars(sim))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    paths = [r["path"] for r in sim.requests()]
    assert [r["status"] for r in sim.requests()].count(401) == 1
    assert paths.count(LOGIN) == 2 and paths.count(LOGOUT) == 2
    assert paths[:2] == [LOGIN, HANODE] and paths[-1] == LOGOUT and active_sessions(sim) == 0
    assert sim.state()["lbvserver"]["dsr"]["m"] == "MAC"
