"""One NITRO session per role run: the nitro_session module, a given token with credentials, and the roles.

Sessions are counted in the simulator's request log: logins are POST /config/login, logouts POST /config/logout.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.helpers.runner import REPO, connection, recap, run_module, run_playbook

LOGIN = "/nitro/v1/config/login"
LOGOUT = "/nitro/v1/config/logout"
TOKEN = re.compile(r"##[0-9A-F]{16,}")
POOL = REPO / "playbooks" / "healthchecked_pool.yml"
QUIET = REPO / "playbooks" / "quiet_vip.yml"


def calls(sim: Any, path: str) -> list[dict[str, Any]]:
    return [r for r in sim.requests() if r["method"] == "POST" and r["path"] == path]


def active_sessions(sim: Any) -> int:
    return sim._control("GET", "sessions")["active"]


def vserver(name: str = "web", ip: str = "192.0.2.10") -> dict[str, Any]:
    return {"name": name, "ipv46": ip, "port": 80, "servicetype": "HTTP"}


# -- the module and the client ----------------------------------------------------------------------------------------
def test_open_use_close(sim):
    opened = run_module("nitro_session", connection(sim))
    assert opened["changed"] is False and opened["logged_in"] is True
    token = opened["nitro_auth_token"]
    assert TOKEN.fullmatch(token) and active_sessions(sim) == 1
    used = run_module("lb_vserver", {**connection(sim), "nitro_auth_token": token, **vserver()})
    assert used["changed"] is True, used.get("msg")
    closed = run_module("nitro_session", {**connection(sim), "nitro_auth_token": token, "state": "absent"})
    assert closed == {**closed, "changed": False, "logged_out": True}
    assert active_sessions(sim) == 0
    log = sim.requests()
    assert [r["path"] for r in log if r["auth"] != "session"] == [LOGIN]  # the module task did not log in
    assert log[-1]["path"] == LOGOUT and len(calls(sim, LOGOUT)) == 1
    assert token not in closed["_stdout"]  # the token option is no_log


def test_check_mode_opens_a_session_too(sim):
    opened = run_module("nitro_session", connection(sim), check=True)
    assert opened["logged_in"] is True and active_sessions(sim) == 1


def test_expired_token_with_credentials_logs_in_once(sim):
    token = run_module("nitro_session", connection(sim))["nitro_auth_token"]
    sim.expire_sessions()
    sim.clear_requests()
    result = run_module("lb_vserver", {**connection(sim), "nitro_auth_token": token, **vserver()})
    assert result["changed"] is True, result.get("msg")
    assert sim.state()["lbvserver"]["web"]["ipv46"] == "192.0.2.10"
    log = sim.requests()
    assert [r["errorcode"] for r in log if r["status"] == 401] == [444]
    assert len(calls(sim, LOGIN)) == 1
    assert log[-1]["path"] == LOGOUT and active_sessions(sim) == 0  # the module's own session is closed
    # and the play's closing of the expired session is not an error
    closed = run_module("nitro_session", {**connection(sim), "nitro_auth_token": token, "state": "absent"})
    assert closed.get("failed") is not True and closed["logged_out"] is False


def test_session_killed_twice_fails_after_one_relogin(sim):
    token = run_module("nitro_session", connection(sim))["nitro_auth_token"]
    sim.expire_sessions()
    sim.clear_requests()
    sim.fault("status", count=2, method="GET", path="lbvserver", status=401, errorcode=444)
    result = run_module("lb_vserver", {**connection(sim), "nitro_auth_token": token, **vserver()})
    assert result["failed"] is True and "errorcode 444" in result["msg"]
    assert len(calls(sim, LOGIN)) == 1 and active_sessions(sim) == 0


def test_expired_token_without_credentials_fails(sim):
    token = run_module("nitro_session", connection(sim))["nitro_auth_token"]
    sim.expire_sessions()
    sim.clear_requests()
    args = {"nsip": sim.nsip, "nitro_protocol": "http", "nitro_auth_token": token, **vserver()}
    result = run_module("lb_vserver", args)
    assert result["failed"] is True and "HTTP 401" in result["msg"] and "errorcode 444" in result["msg"]
    assert calls(sim, LOGIN) == [] and token not in result["_stdout"]


def test_absent_needs_the_token(sim):
    result = run_module("nitro_session", {**connection(sim), "state": "absent"})
    assert result["failed"] is True and "nitro_auth_token" in result["msg"]
    assert sim.requests() == []


def test_present_with_only_a_token_opens_nothing(sim):
    args = {"nsip": sim.nsip, "nitro_protocol": "http", "nitro_auth_token": "##CALLERS"}
    result = run_module("nitro_session", args)
    assert result["logged_in"] is False and "nitro_auth_token" not in result
    assert sim.requests() == []


# -- the roles --------------------------------------------------------------------------------------------------------
def pool_vars(sim: Any, members: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": sim.user,
        "netscaler_nitro_pass": sim.password,
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
        "healthchecked_pool_name": "shop",
        "healthchecked_pool_vip": "127.9.10.1",
        # RFC 2544 benchmarking addresses: nothing answers there, the members are simply DOWN
        "healthchecked_pool_members": [{"ip": f"198.18.{i // 250}.{i % 250 + 1}", "port": 80} for i in range(members)],
        **extra,
    }


HANODE = "/nitro/v1/config/hanode"


def role_log(sim: Any) -> list[dict[str, Any]]:
    """The requests of a role run. The HA gate (netscaler_node ha.yml) reads `hanode` in the role's session, right
    after its login: no session of its own."""
    log = sim.requests()
    assert [(r["method"], r["path"]) for r in log[:2]] == [("POST", LOGIN), ("GET", HANODE)], [
        r["path"] for r in log[:2]
    ]
    assert log[1]["auth"] == "session"
    return log


def assert_one_session(sim: Any) -> None:
    log = role_log(sim)
    assert log[0]["path"] == LOGIN and log[-1]["path"] == LOGOUT, [r["path"] for r in log]
    assert [r["path"] for r in log].count(LOGIN) == 1 and [r["path"] for r in log].count(LOGOUT) == 1
    # None: answered by an injected fault before authentication
    assert {r["auth"] for r in log[1:]} <= {"session", None} and log[-1]["auth"] == "session"
    assert active_sessions(sim) == 0


def test_pool_role_one_session_per_run_and_no_token_in_output(sim):
    proc = run_playbook(POOL, extra_vars=pool_vars(sim), env={"ANSIBLE_VERBOSITY": "3"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_one_session(sim)
    assert not TOKEN.search(proc.stdout + proc.stderr)
    sim.clear_requests()
    proc = run_playbook(POOL, extra_vars=pool_vars(sim))
    assert proc.returncode == 0 and recap(proc.stdout)["changed"] == 0, proc.stdout
    assert_one_session(sim)


def test_pool_role_logs_out_when_a_task_fails(sim):
    sim.fault("status", count=-1, method="POST", path="lbvserver$", status=500, errorcode=257)
    proc = run_playbook(POOL, extra_vars=pool_vars(sim))
    assert proc.returncode != 0 and recap(proc.stdout)["failed"] == 1, proc.stdout
    assert any(r["path"].endswith("/lbvserver") and r["status"] == 500 for r in sim.requests())
    assert_one_session(sim)


def test_pool_role_expired_session_one_relogin(sim):
    # The appliance answers "session expired" once, in the middle of the role: that task logs in once on its own
    # (and out at its end); the tasks after it go on with the role's session.
    sim.fault("status", count=1, method="GET", path="lbvserver_binding", status=401, errorcode=444)
    proc = run_playbook(POOL, extra_vars=pool_vars(sim))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = role_log(sim)
    assert [r["status"] for r in log].count(401) == 1
    assert [r["path"] for r in log].count(LOGIN) == 2 and [r["path"] for r in log].count(LOGOUT) == 2
    assert log[0]["path"] == LOGIN and log[-1]["path"] == LOGOUT and active_sessions(sim) == 0
    assert "shop" in sim.state()["lbvserver"]


def test_quiet_vip_role_one_session_per_run(sim):
    status, _ = sim.nitro("POST", "lbvserver", {"lbvserver": vserver("web", "127.9.10.2")})
    assert status == 201
    sim.clear_requests()
    extra = {**pool_vars(sim), "quiet_vip_vservers": ["web"]}
    proc = run_playbook(QUIET, extra_vars=extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_one_session(sim)


def test_quiet_vip_on_an_ha_secondary_logs_out_before_end_host(sim):
    # meta end_host skips the role's `always`: the gate closes the role's session itself, so the secondary sees
    # one login, the HA read and one logout, and no session is left open. The pool and DSR roles: test_ha.py's
    # fault matrix, on every HA state, with the role's session and the play's.
    sim.set_ha("secondary", peer="192.0.2.7")
    for playbook, extra in ((QUIET, {"quiet_vip_vservers": ["web"]}),):
        sim.clear_requests()
        proc = run_playbook(playbook, extra_vars={**pool_vars(sim), **extra})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "SECONDARY" in proc.stdout and recap(proc.stdout)["changed"] == 0, proc.stdout
        assert [(r["method"], r["path"]) for r in sim.requests()] == [
            ("POST", LOGIN),
            ("GET", HANODE),
            ("POST", LOGOUT),
        ], [r["path"] for r in sim.requests()]
        assert sim.requests()[-1]["auth"] == "session" and active_sessions(sim) == 0


def test_login_failure_inside_a_role_shows_its_reason_and_no_secret(sim):
    # `no_log: true` on the session task hid the whole result on ansible-core 2.16-2.18 ("censored"): the
    # nitro_session action now hides only a result that carries a token. Run on every core by `make core-matrix`.
    secret = "Wr0ng-Pa55-7f3a"
    proc = run_playbook(POOL, extra_vars=pool_vars(sim, netscaler_nitro_pass=secret), env={"ANSIBLE_VERBOSITY": "3"})
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and recap(proc.stdout)["failed"] == 1, out
    assert "censored" not in out and "the output has been hidden" not in out, out
    # -vvv: the result as indented JSON, up to the closing brace at the start of a line
    failure = re.search(r"^fatal: \[localhost\]: FAILED! => (\{.*?^\})$", proc.stdout, re.M | re.S)
    assert failure, proc.stdout
    reason = json.loads(failure.group(1))
    assert reason["nitro_error"]["http_status"] == 401 and reason["nitro_error"]["errorcode"] == 354, reason
    assert "NITRO login failed (HTTP 401, errorcode 354)" in reason["msg"], reason["msg"]
    # what NITRO said, and the fix for a rejected user or password (issue 24: not "check nsip")
    assert reason["nitro_error"]["message"] and "check nitro_user and nitro_pass" in reason["msg"], reason
    assert secret not in out and not TOKEN.search(out)
    assert sim.writes() == [] and active_sessions(sim) == 0
