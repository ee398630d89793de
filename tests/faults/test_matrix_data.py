"""Data loss: recreate that fails half-way, a pool member shared with another pool, check mode of a new pool."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.faults.conftest import PASSWORD, USER, Row, leaked, ok, outcome, run
from tests.helpers.runner import REPO, recap, run_playbook

POOL_PLAYBOOK = REPO / "playbooks" / "healthchecked_pool.yml"
QUIET_PLAYBOOK = REPO / "playbooks" / "quiet_vip.yml"


def seed_bound_service(sim) -> None:
    """Service s1 (port 80, a comment) bound to v1 with weight 3 and to custom monitor mon1."""
    ok(sim.nitro("POST", "service", {"service": {"name": "s1", "ip": "127.0.60.1", "servicetype": "HTTP", "port": 80,
                                                  "comment": "keep me"}}))  # fmt: skip
    ok(sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "v1", "ipv46": "127.0.9.1", "servicetype": "HTTP",
                                                      "port": 80, "lbmethod": "LEASTCONNECTION"}}))  # fmt: skip
    ok(sim.nitro("PUT", "lbvserver_service_binding",
                 {"lbvserver_service_binding": {"name": "v1", "servicename": "s1", "weight": 3}}))  # fmt: skip
    ok(sim.nitro("POST", "lbmonitor", {"lbmonitor": {"monitorname": "mon1", "type": "HTTP"}}))
    ok(sim.nitro("PUT", "service_lbmonitor_binding",
                 {"service_lbmonitor_binding": {"name": "s1", "monitor_name": "mon1"}}))  # fmt: skip


def snapshot(sim) -> dict[str, Any]:
    state = sim.state()
    service = state["service"].get("s1") or {}
    vserver = state["lbvserver"].get("v1") or {}
    binds = state["bindings"]
    return {
        "service": {k: service.get(k) for k in ("port", "servicetype", "comment", "servername")},
        "vserver": {k: vserver.get(k) for k in ("port", "servicetype", "lbmethod", "ipv46")},
        "vs_binds": sorted(
            (r["name"], r["servicename"], str(r.get("weight"))) for r in binds["lbvserver_service_binding"]
        ),
        "mon_binds": sorted(
            (r["name"], r["monitor_name"]) for r in binds["service_lbmonitor_binding"] if r["monitor_name"] == "mon1"
        ),
    }


def test_recreate_service_with_https_is_rejected_before_any_request(msim, row: Row) -> None:
    seed_bound_service(msim)
    before = snapshot(msim)
    msim.clear_requests()
    row.expected = "servicetype HTTPS rejected (use SSL); 0 requests; nothing removed"
    result = run(msim, "lb_service", {"name": "s1", "servicetype": "HTTPS", "recreate": True})
    row.happened = f"{outcome(result)}; {len(msim.requests())} requests"
    row.lost = "no" if snapshot(msim) == before else "configuration changed"
    assert result.get("failed") is True and "use SSL" in result["msg"]
    assert msim.requests() == [] and row.lost == "no"


def test_recreate_service_readd_fails_restores_everything(msim, row: Row) -> None:
    """A servicetype change on the same server and port: delete-first."""
    seed_bound_service(msim)
    before = snapshot(msim)
    msim.clear_requests()
    # the first POST service is the bulk rm (let it through), the next is the re-add: fail it
    msim.fault("stall", method="POST", path="config/service$", seconds=0)
    msim.fault("bulk_fail", method="POST", path="config/service$", at_item=0, errorcode=1097)
    row.expected = "delete-first; fails, changed=true, says restored; service, weight-3 and monitor bindings back"
    result = run(msim, "lb_service", {"name": "s1", "servicetype": "TCP", "recreate": True})
    row.happened = outcome(result)
    after = snapshot(msim)
    row.lost = "no" if after == before else f"{before} -> {after}"
    assert [f["fired"] for f in msim.faults()] == [1, 1]
    assert result.get("failed") is True and result["changed"] is True
    assert "restored exactly as they were" in result["msg"]
    assert after == before


@pytest.mark.parametrize(
    ("step", "faults", "changed"),
    [
        ("add", [("status", "POST", "config/service$", {"count": -1, "status": 500})], False),
        ("bind", [("bulk_fail", "PUT", "lbvserver_service_binding$", {"at_item": 0})], True),
        (
            "delete",
            [("stall", "POST", "config/service$", {"seconds": 0}), ("bulk_fail", "POST", "config/service$", {})],
            True,
        ),
    ],
    ids=["svc-mbb-add-refused-persistently", "svc-mbb-bind-fails", "svc-mbb-delete-of-original-fails"],
)
def test_recreate_service_port_change_beside_fails(msim, row: Row, step: str, faults: list, changed: bool) -> None:
    """A port change: the replacement is added beside the original; a failure before the original is deleted leaves
    it serving, unchanged (before: delete-first, so a refused add and a refused restore lost the service)."""
    seed_bound_service(msim)
    before = snapshot(msim)
    for kind, method, path, extra in faults:
        msim.fault(kind, method=method, path=path, **extra)
    row.expected = f"fails at the {step}; s1, its weight-3 and monitor bindings untouched; no s1-recreate left"
    result = run(msim, "lb_service", {"name": "s1", "port": 8080, "recreate": True})
    row.happened = outcome(result)
    after = snapshot(msim)
    row.lost = "no" if after == before else f"{before} -> {after}"
    assert result.get("failed") is True and result["changed"] is changed
    assert "nothing was changed" in result["msg"] and "serv" in result["msg"] and ", unchanged, " in result["msg"]
    assert after == before and "s1-recreate" not in msim.state()["service"]


def test_recreate_vserver_readd_fails_restores_everything(msim, row: Row) -> None:
    """A servicetype change on the same IP:port: NetScaler cannot hold both vservers, so the original goes first."""
    seed_bound_service(msim)
    before = snapshot(msim)
    msim.fault("bulk_fail", method="POST", path="config/lbvserver$", at_item=0, errorcode=1097)
    row.expected = "delete-first; fails, changed=true, says restored; vserver and its weight-3 binding back"
    result = run(msim, "lb_vserver", {"name": "v1", "servicetype": "TCP", "recreate": True})
    row.happened = outcome(result)
    after = snapshot(msim)
    row.lost = "no" if after == before else f"{before} -> {after}"
    assert [f["fired"] for f in msim.faults()] == [1]
    assert result.get("failed") is True and result["changed"] is True
    assert "restored exactly as it was" in result["msg"]
    assert after == before


def test_recreate_vserver_port_change_under_persistent_add_failure(msim, row: Row) -> None:
    """Before (delete-first for every change): the vserver was deleted, every add refused, the restore too, and
    the vserver and its bindings were gone. Now the replacement is added beside the original first."""
    seed_bound_service(msim)
    before = snapshot(msim)
    msim.clear_requests()
    msim.fault("status", count=-1, method="POST", path="config/lbvserver$", status=500)
    row.expected = "make-before-break; fails, changed=false; v1 and its weight-3 binding untouched, nothing deleted"
    result = run(msim, "lb_vserver", {"name": "v1", "port": 8080, "recreate": True})
    row.happened = outcome(result)
    after = snapshot(msim)
    row.lost = "no" if after == before else f"{before} -> {after}"
    assert result.get("failed") is True and result["changed"] is False
    assert "still serves, unchanged, with its 1 binding(s)" in result["msg"] and "v1-recreate" in result["msg"]
    assert after == before
    assert [w["method"] for w in msim.writes()] == ["POST"]  # only the refused add: no delete was sent


@pytest.mark.parametrize(
    ("step", "fault"),
    [
        ("bind", ("bulk_fail", "PUT", "lbvserver_service_binding$")),
        ("delete", ("status", "DELETE", "config/lbvserver/v1$")),
    ],
    ids=["mbb-bind-fails", "mbb-delete-of-original-fails"],
)
def test_recreate_vserver_beside_fails_after_the_add(msim, row: Row, step: str, fault: tuple[str, str, str]) -> None:
    seed_bound_service(msim)
    before = snapshot(msim)
    kind, method, path = fault
    extra = {"at_item": 0, "errorcode": 1097} if kind == "bulk_fail" else {"status": 599, "errorcode": 257}
    msim.fault(kind, method=method, path=path, **extra)
    row.expected = "fails, says nothing changed in the end; replacement removed, v1 and binding untouched"
    result = run(msim, "lb_vserver", {"name": "v1", "port": 8080, "recreate": True})
    row.happened = outcome(result)
    after = snapshot(msim)
    row.lost = "no" if after == before else f"{before} -> {after}"
    assert [f["fired"] for f in msim.faults()] == [1]
    assert result.get("failed") is True and result["changed"] is True  # the replacement existed for a while
    assert "nothing was changed in the end" in result["msg"] and "'v1-recreate' was removed again" in result["msg"]
    assert after == before and "v1-recreate" not in msim.state()["lbvserver"]


def test_recreate_vserver_rename_fails_says_how_to_finish(msim, row: Row) -> None:
    seed_bound_service(msim)
    # let the add through, fail the rename (the second POST on config/lbvserver)
    msim.fault("stall", method="POST", path="config/lbvserver$", seconds=0)
    msim.fault("status", method="POST", path="config/lbvserver$", status=599, errorcode=257)
    row.expected = "fails, changed=true; replacement serves bound as v1-recreate; message says rename by hand"
    result = run(msim, "lb_vserver", {"name": "v1", "port": 8080, "recreate": True})
    row.happened = outcome(result)
    state = msim.state()
    binds = sorted(
        (r["name"], r["servicename"], str(r["weight"])) for r in state["bindings"]["lbvserver_service_binding"]
    )
    row.lost = "no" if binds == [("v1-recreate", "s1", "3")] else f"bindings {binds}"
    assert result.get("failed") is True and result["changed"] is True
    assert "renaming 'v1-recreate' to 'v1' failed" in result["msg"] and "rename it by hand" in result["msg"]
    assert str(state["lbvserver"]["v1-recreate"]["port"]) == "8080" and "v1" not in state["lbvserver"]
    assert row.lost == "no"


def test_recreate_service_completes_with_bindings(msim, row: Row) -> None:
    seed_bound_service(msim)
    row.expected = "ok, changed; new port, weight-3 and monitor bindings restored"
    result = run(msim, "lb_service", {"name": "s1", "port": 8080, "recreate": True})
    row.happened = outcome(result)
    after = snapshot(msim)
    assert not result.get("failed"), result.get("msg")
    assert str(after["service"]["port"]) == "8080" and after["service"]["comment"] == "keep me"
    assert after["vs_binds"] == [("v1", "s1", "3")] and after["mon_binds"] == [("s1", "mon1")]


# -- the roles ------------------------------------------------------------------------------------------------


def play(sim, playbook, *, check: bool = False, **pool: Any):
    extra = {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": USER,
        "netscaler_nitro_pass": PASSWORD,
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
        **pool,
    }
    proc = run_playbook(playbook, extra_vars=extra, check=check, timeout=300)
    return proc, recap(proc.stdout)


def pool_vars(state: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "healthchecked_pool_name": "poolA",
        "healthchecked_pool_vip": "127.0.9.10",
        "healthchecked_pool_state": state,
        "healthchecked_pool_members": members,
    }


SHARED = {"name": "shared", "ip": "127.0.61.1", "port": 80}
OWN = {"name": "a1", "ip": "127.0.61.2", "port": 80}


def seed_two_pools(sim) -> None:
    """poolA binds shared and a1; poolB (another team's vserver) binds shared."""
    for member in (SHARED, OWN):
        body = {"name": member["name"], "ip": member["ip"], "servicetype": "HTTP", "port": 80}
        ok(sim.nitro("POST", "service", {"service": body}))
    for name, vip, members in (("poolA", "127.0.9.10", ["shared", "a1"]), ("poolB", "127.0.9.11", ["shared"])):
        ok(
            sim.nitro(
                "POST", "lbvserver", {"lbvserver": {"name": name, "ipv46": vip, "servicetype": "HTTP", "port": 80}}
            )
        )
        for member in members:
            body = {"lbvserver_service_binding": {"name": name, "servicename": member}}
            ok(sim.nitro("PUT", "lbvserver_service_binding", body))


@pytest.mark.parametrize("state", ["present", "absent"], ids=["pool-member-leaves", "pool-absent"])
def test_role_keeps_a_service_another_vserver_binds(msim, row: Row, state: str) -> None:
    seed_two_pools(msim)
    members = [OWN] if state == "present" else [SHARED, OWN]
    row.expected = "shared service kept and still bound to poolB, with a warning; a1 handled"
    proc, counts = play(msim, POOL_PLAYBOOK, **pool_vars(state, members))
    services = sorted(msim.state()["service"])
    binds = sorted((r["name"], r["servicename"]) for r in msim.state()["bindings"]["lbvserver_service_binding"])
    row.happened = f"rc={proc.returncode} {counts}; services {services}"
    row.lost = "no" if ("poolB", "shared") in binds and "shared" in services else "poolB lost its member"
    row.leaked = ", ".join(leaked(proc.stdout + proc.stderr)) or "no"
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert row.lost == "no"
    assert "kept service 'shared': lbvserver(s) poolB still bind it" in proc.stdout + proc.stderr
    assert ("poolA", "shared") not in binds
    if state == "present":
        assert ("poolA", "a1") in binds
    else:
        assert "a1" not in services and "poolA" not in msim.state()["lbvserver"]


def test_role_check_mode_predicts_a_new_pool(msim, row: Row) -> None:
    row.expected = "--check on a pool that does not exist: ok, changes predicted, 0 writes"
    msim.clear_requests()
    proc, counts = play(msim, POOL_PLAYBOOK, check=True, **pool_vars("present", [OWN, SHARED]))
    writes = msim.writes()
    row.happened = f"rc={proc.returncode} {counts}; {len(writes)} writes"
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert counts["changed"] >= 3 and counts["failed"] == 0
    assert writes == []


def concurrently(runs: list) -> list:
    results: list = [None] * len(runs)

    def work(index: int) -> None:
        results[index] = runs[index]()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(runs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


def test_role_healthchecked_pool_concurrent_runs(msim, row: Row) -> None:
    members = [OWN, SHARED, {"ip": "127.0.61.3", "port": 80}]
    row.expected = "two identical runs at once: both succeed; 1 vserver, 3 services, 3 bindings, 1 monitor"
    results = concurrently([lambda: play(msim, POOL_PLAYBOOK, **pool_vars("present", members))] * 2)
    state = msim.state()
    binds = [r for r in state["bindings"]["lbvserver_service_binding"] if r["name"] == "poolA"]
    row.happened = "; ".join(f"rc={proc.returncode} failed={counts['failed']}" for proc, counts in results)
    row.duplicated = "no" if len(binds) == 3 and list(state["lbmonitor"]).count("poolA-hc") == 1 else "yes"
    assert all(proc.returncode == 0 for proc, _counts in results), [p.stdout[-2000:] for p, _c in results]
    assert "failed for 0 of" not in "".join(p.stdout for p, _c in results)
    assert len(state["service"]) == 3 and len(binds) == 3 and "poolA-hc" in state["lbmonitor"]


def test_role_quiet_vip_concurrent_runs(msim, row: Row) -> None:
    ok(
        msim.nitro(
            "POST", "lbvserver", {"lbvserver": {"name": "qv", "ipv46": "127.0.9.20", "servicetype": "HTTP", "port": 80}}
        )
    )
    row.expected = "two identical runs at once: both succeed; VIP quiet settings set once"
    results = concurrently([lambda: play(msim, QUIET_PLAYBOOK, quiet_vip_vservers=["qv"])] * 2)
    state = msim.state()
    row.happened = "; ".join(f"rc={proc.returncode} failed={counts['failed']}" for proc, counts in results)
    assert all(proc.returncode == 0 for proc, _counts in results), [p.stdout[-2000:] for p, _c in results]
    assert state["lbvserver"]["qv"]["icmpvsrresponse"] == "ACTIVE"
    assert state["nstcpparam"]["downstaterst"] == "ENABLED"
    assert json.dumps(state["nsip"]).count("127.0.9.20") >= 1
