"""dsr_vserver in one NITRO session, with the HA gate in it, over an HA pair and a fleet: real ansible-playbook
(playbooks/dsr.yml) against simulators, sessions and requests counted in their request logs (logins are POST
/config/login, logouts POST /config/logout), as test_nitro_session.py, test_ha.py and test_fleet.py do for the other
roles."""

from __future__ import annotations

from typing import Any

import yaml

from tests.helpers.fleet import host_recaps, run_inventory_playbook, simulator_processes
from tests.helpers.runner import REPO, connection, recap, run_module, run_playbook
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


def test_uses_a_session_the_play_gives(sim):
    token = run_module("nitro_session", connection(sim))["nitro_auth_token"]
    sim.clear_requests()
    proc = run_playbook(PLAYBOOK, extra_vars=dsr_vars(sim, netscaler_nitro_auth_token=token))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = sim.requests()
    assert log[0]["path"] == HANODE  # the HA gate reads in the play's session too
    assert {r["auth"] for r in log} == {"session"} and LOGIN not in [r["path"] for r in log]
    assert LOGOUT not in [r["path"] for r in log] and active_sessions(sim) == 1  # still the play's to close


def test_a_secondary_node_is_skipped_with_a_message(sim):
    sim.set_ha("secondary", peer="192.0.2.7")
    sim.clear_requests()
    proc = run_playbook(PLAYBOOK, extra_vars=dsr_vars(sim))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert recap(proc.stdout)["changed"] == 0, proc.stdout
    assert "is the SECONDARY node of an HA pair: skipped, nothing written" in proc.stdout
    assert "(192.0.2.7)" in proc.stdout  # the message names the primary
    assert [(r["method"], r["path"]) for r in sim.requests()] == [("POST", LOGIN), ("GET", HANODE), ("POST", LOGOUT)]
    assert sim.requests()[-1]["auth"] == "session" and active_sessions(sim) == 0
    assert sim.state()["lbvserver"] == {}


def test_a_node_in_an_unknown_ha_state_fails_without_writing(sim):
    sim.set_ha("unknown", peer="192.0.2.7")
    sim.clear_requests()
    proc = run_playbook(PLAYBOOK, extra_vars=dsr_vars(sim))
    assert proc.returncode != 0 and "neither primary nor secondary" in proc.stdout, proc.stdout
    assert sim.writes() == [] and active_sessions(sim) == 0
    assert [r["path"] for r in sim.requests()] == [LOGIN, HANODE, LOGOUT]


def test_play_over_an_ha_pair_changes_only_the_primary(tmp_path):
    with simulator_processes(2) as (primary, secondary):
        primary.set_ha("primary", peer="127.0.0.1")
        secondary.set_ha("secondary", peer="127.0.0.1")
        inventory = tmp_path / "pair.yml"
        inventory.write_text(
            "pair:\n  hosts:\n"
            f"    ns-a:\n      ansible_host: {primary.nsip}\n"
            f"    ns-b:\n      ansible_host: {secondary.nsip}\n"
        )
        for handle in (primary, secondary):
            handle.clear_requests()
        env = {"NETSCALER_NITRO_USER": "nsroot", "NETSCALER_NITRO_PASS": "nsroot", "NETSCALER_NITRO_PROTOCOL": "http"}
        extra = {
            "netscaler_hosts": "pair",
            "dsr_vserver_name": "ha",
            "dsr_vserver_vip": "127.0.34.1",
            "dsr_vserver_member_list": "127.0.34.11, 127.0.34.12=2",
            "dsr_vserver_save_config": "true",
        }
        proc = run_inventory_playbook(PLAYBOOK, inventory, extra_vars=extra, env=env, forks=2)
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
        recaps = host_recaps(proc.stdout)
        assert recaps["ns-a"]["changed"] >= 4 and recaps["ns-a"]["failed"] == 0
        assert recaps["ns-b"]["changed"] == 0 and recaps["ns-b"]["failed"] == 0
        assert "ns-b" in proc.stdout and "is the SECONDARY node of an HA pair: skipped" in proc.stdout
        vserver = primary.state()["lbvserver"]["ha"]
        assert (vserver["ipv46"], vserver["m"]) == ("127.0.34.1", "MAC")
        assert secondary.state()["lbvserver"] == {} and secondary.state()["service"] == {}
        # the secondary saw only the session and the HA read; the primary one session too
        assert [(r["method"], r["path"]) for r in secondary.requests()] == [
            ("POST", LOGIN),
            ("GET", HANODE),
            ("POST", LOGOUT),
        ]
        paths = [r["path"] for r in primary.requests()]
        assert paths[:2] == [LOGIN, HANODE] and paths[-1] == LOGOUT and paths.count(LOGIN) == 1


def test_three_appliances_converge_in_one_run_with_forks_3(tmp_path):
    with simulator_processes(3) as sims:
        inventory = {
            "netscalers": {
                "vars": {"ansible_connection": "local"},
                "hosts": {
                    "ns-1": {"ansible_host": sims[0].nsip},
                    "ns-2": {"ansible_host": sims[1].nsip},
                    "ns-3": {"ansible_host": "192.0.2.99", "netscaler_nsip": sims[2].nsip},  # netscaler_nsip wins
                },
            }
        }
        path = tmp_path / "fleet.yml"
        path.write_text(yaml.safe_dump(inventory))
        env = {"NETSCALER_NITRO_USER": "nsroot", "NETSCALER_NITRO_PASS": "nsroot", "NETSCALER_NITRO_PROTOCOL": "http"}
        extra = {
            "netscaler_hosts": "netscalers",
            "dsr_vserver_name": "fleet",
            "dsr_vserver_vip": "127.0.35.1",
            "dsr_vserver_member_list": "127.0.35.11 127.0.35.12",
        }
        proc = run_inventory_playbook(PLAYBOOK, path, extra_vars=extra, env=env, forks=3)
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
        recaps = host_recaps(proc.stdout)
        assert set(recaps) == {"ns-1", "ns-2", "ns-3"}
        spans = []
        for host, sim in zip(("ns-1", "ns-2", "ns-3"), sims, strict=True):
            assert recaps[host]["failed"] == 0 and recaps[host]["changed"] >= 4, recaps
            state = sim.state()
            assert (state["lbvserver"]["fleet"]["ipv46"], state["lbvserver"]["fleet"]["m"]) == ("127.0.35.1", "MAC")
            assert len([r for r in state["bindings"]["lbvserver_service_binding"] if r["name"] == "fleet"]) == 2
            log = sim.requests()
            assert [r["path"] for r in log].count(LOGIN) == 1 and log[-1]["path"] == LOGOUT
            spans.append((log[0]["time"], log[-1]["time_done"]))
        # forks 3: the three appliances were converged at the same time, not one after the other
        assert max(start for start, _ in spans) < min(end for _, end in spans), spans
