"""HA pairs: ns_hanode_info against the simulator's hanode, and a play over both nodes of a pair.

The pair is two simulator processes, one set primary and one secondary through the control API; the play
(playbooks/healthchecked_pool.yml over an inventory of both) must change the primary only and say why it
skipped the secondary; playbooks/dsr.yml the same. Config sync between the nodes is NetScaler's, not modelled and
not tested.
"""

from __future__ import annotations

import pytest

from tests.helpers.backends import backend_factory  # noqa: F401  (fixture)
from tests.helpers.fleet import host_recaps, run_inventory_playbook, simulator_processes
from tests.helpers.runner import REPO, connection, run_module

LOGIN_PATHS = ("/nitro/v1/config/login", "/nitro/v1/config/logout")


@pytest.mark.parametrize(
    ("state", "role", "configurable", "peers"),
    [
        (None, "standalone", True, []),
        ("primary", "primary", True, ["Secondary"]),
        ("secondary", "secondary", False, ["Primary"]),
        ("unknown", "unknown", False, ["UNKNOWN"]),
    ],
)
def test_ns_hanode_info(sim, state, role, configurable, peers):
    if state:
        sim.set_ha(state, peer="192.0.2.7")
    sim.clear_requests()
    result = run_module("ns_hanode_info", connection(sim), check=True)
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    assert result["ha_role"] == role and result["configurable"] is configurable
    assert result["local_node"]["id"] == "0"
    assert [p["state"] for p in result["peer_nodes"]] == peers
    if peers:
        assert result["peer_nodes"][0]["ipaddress"] == "192.0.2.7"
    nitro = [r for r in sim.requests() if r["path"] not in LOGIN_PATHS]
    assert [(r["method"], r["path"]) for r in nitro] == [("GET", "/nitro/v1/config/hanode")]


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


def survey_vars(playbook: str, name: str, vip: str, backend_factory) -> dict[str, str]:  # noqa: F811
    """A playbook's inputs for one vserver `name` on `vip`, in the flat string forms a survey sends."""
    if playbook == "healthchecked_pool":
        backends = [backend_factory() for _ in range(2)]
        return {
            "healthchecked_pool_name": name,
            "healthchecked_pool_vip": vip,
            "healthchecked_pool_member_list": ",".join(f"{b.host}:{b.port}" for b in backends),
        }
    # dsr: loopback members answer the PING monitor
    prefix = vip.rsplit(".", 1)[0]
    return {
        "dsr_vserver_name": name,
        "dsr_vserver_vip": vip,
        "dsr_vserver_member_list": f"{prefix}.11, {prefix}.12=2",
        "dsr_vserver_save_config": "true",
    }


@pytest.mark.parametrize(("playbook", "vip"), [("healthchecked_pool", "127.9.31.1"), ("dsr", "127.0.34.1")])
def test_play_over_an_ha_pair_changes_only_the_primary(tmp_path, backend_factory, playbook, vip):  # noqa: F811
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
        extra = {"netscaler_hosts": "pair", **survey_vars(playbook, "ha", vip, backend_factory)}
        proc = run_inventory_playbook(REPO / "playbooks" / f"{playbook}.yml", inventory, extra_vars=extra,
                                      env=env, forks=2)  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
        recaps = host_recaps(proc.stdout)
        assert recaps["ns-a"]["changed"] >= 3 and recaps["ns-a"]["failed"] == 0
        assert recaps["ns-b"]["changed"] == 0 and recaps["ns-b"]["failed"] == 0
        assert "ns-b" in proc.stdout and "is the SECONDARY node of an HA pair: skipped" in proc.stdout
        assert primary.state()["lbvserver"]["ha"]["ipv46"] == vip
        assert secondary.state()["lbvserver"] == {} and secondary.state()["service"] == {}
        # nothing but the role's session and its HA read reached the secondary
        sent = [(r["method"], r["path"]) for r in secondary.requests()]
        assert sent == [("POST", LOGIN_PATHS[0]), ("GET", "/nitro/v1/config/hanode"), ("POST", LOGIN_PATHS[1])]
        paths = [r["path"] for r in primary.requests()]
        assert paths[:2] == [LOGIN_PATHS[0], "/nitro/v1/config/hanode"] and paths.count(LOGIN_PATHS[0]) == 1
        assert paths[-1] == LOGIN_PATHS[1]
