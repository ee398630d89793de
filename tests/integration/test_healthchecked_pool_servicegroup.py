"""healthchecked_pool with healthchecked_pool_backend: servicegroup, end to end (real ansible-playbook, the
simulator): one service group <pool>-sg holds the members, its cost does not grow with them, and a live pool
switches between services and the group make-before-break, also when a step fails."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.helpers.backends import backend_factory, loopback_ip  # noqa: F401  (fixtures)
from tests.integration.test_lb_healthcheck import monitors_of, ok
from tests.integration.test_role_plan import bound, play, pool_vars, same_plan, services

CONFIG = "/nitro/v1/config/"
GROUP = "servicegroup"


def group_vars(members: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return pool_vars(members, healthchecked_pool_backend=GROUP, **extra)


def groups_of(sim, vserver: str) -> list[str]:
    rows = ok(sim.nitro("GET", f"lbvserver_servicegroup_binding/{vserver}")).get("lbvserver_servicegroup_binding", [])
    return sorted(row["servicegroupname"] for row in rows)


def members_of(sim, group: str) -> dict[str, dict[str, Any]]:
    """The group's members by ip:port (None when the group does not exist)."""
    status, body = sim.nitro("GET", f"servicegroup_servicegroupmember_binding/{group}")
    if status == 404:
        return None  # type: ignore[return-value]
    rows = (body or {}).get("servicegroup_servicegroupmember_binding", [])
    return {f"{row['ip']}:{row['port']}": row for row in rows}


def group_monitors(sim, group: str) -> list[str]:
    rows = ok(sim.nitro("GET", f"servicegroup_lbmonitor_binding/{group}")).get("servicegroup_lbmonitor_binding", [])
    return sorted(row["monitor_name"] for row in rows if row["monitor_name"] not in ("tcp-default", "ping-default"))


def group_exists(sim, group: str) -> bool:
    return sim.nitro("GET", f"servicegroup/{group}")[0] == 200


def test_group_pool_costs_the_same_for_2_or_50_members_and_a_rerun_only_reads(sim):
    costs = {}
    for count in (2, 50):
        name = f"grp{count}"
        members = [{"ip": f"127.0.6{count % 10}.{i + 1}", "port": 8080} for i in range(count)]
        variables = group_vars(members, healthchecked_pool_name=name, healthchecked_pool_vip=f"127.9.6{count % 10}.1")
        sim.clear_requests()
        proc, counts = play(sim, **variables)
        assert proc.returncode == 0, proc.stdout
        first = sim.requests()
        assert len(members_of(sim, f"{name}-sg")) == count
        assert groups_of(sim, name) == [f"{name}-sg"] and bound(sim, name) == {}
        assert group_monitors(sim, f"{name}-sg") == [f"{name}-hc"]
        assert not [s for s in services(sim) if s.startswith(name)]

        sim.clear_requests()
        proc, counts = play(sim, **variables)
        assert proc.returncode == 0, proc.stdout
        assert counts["changed"] == 0, proc.stdout
        assert sim.writes() == []
        costs[count] = (len(first), len(sim.requests()))
    assert costs[2] == costs[50], costs


def test_group_members_change_budget_and_allow_empty(sim, backend_factory):  # noqa: F811
    sim.set_time_scale(0.02)
    backends = [backend_factory() for _ in range(3)]
    members = [{"ip": b.host, "port": b.port} for b in backends]
    keys = [f"{b.host}:{b.port}" for b in backends]
    proc, _ = play(sim, **group_vars(members[:2], healthchecked_pool_wait=True, healthchecked_pool_wait_timeout=20))
    assert proc.returncode == 0, proc.stdout
    assert "Members of web not UP: none" in proc.stdout, proc.stdout
    assert set(members_of(sim, "web-sg")) == set(keys[:2])

    # one joins, one's weight changes: only the group's member bindings change, the vserver is not written
    sim.clear_requests()
    proc, _ = play(sim, **group_vars([members[0], {**members[1], "weight": 7}, members[2]]))
    assert proc.returncode == 0, proc.stdout
    rows = members_of(sim, "web-sg")
    assert set(rows) == set(keys) and int(rows[keys[1]]["weight"]) == 7
    assert all("servicegroup" in w["path"] for w in sim.writes()), sim.writes()

    # two leave: refused by the budget before any write, then allowed
    sim.clear_requests()
    proc, _ = play(sim, **group_vars(members[:1], healthchecked_pool_max_member_removals=1))
    assert proc.returncode != 0
    assert "healthchecked_pool_max_member_removals: this run would remove 2 member(s)" in proc.stdout, proc.stdout
    assert f"web-sg member {keys[1]}" in proc.stdout
    assert sim.writes() == []
    proc, _ = play(sim, **group_vars(members[:1], healthchecked_pool_max_member_removals=2))
    assert proc.returncode == 0, proc.stdout
    assert set(members_of(sim, "web-sg")) == set(keys[:1])

    # emptied only when asked
    sim.clear_requests()
    proc, _ = play(sim, **group_vars([]))
    assert proc.returncode != 0 and "healthchecked_pool_members: empty" in proc.stdout
    assert sim.requests() == []
    proc, _ = play(sim, **group_vars([], healthchecked_pool_allow_empty=True))
    assert proc.returncode == 0, proc.stdout
    assert members_of(sim, "web-sg") == {} and groups_of(sim, "web") == ["web-sg"]


class StatePoller:
    """A client's view during the run: the vserver's state and bindings, read every few milliseconds."""

    def __init__(self, sim, vserver: str) -> None:
        self.sim, self.vserver = sim, vserver
        self.seen: list[tuple[str, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            status, body = self.sim.nitro("GET", f"lbvserver/{self.vserver}")
            if status == 200:
                row = body["lbvserver"][0]
                self.seen.append((row["curstate"], int(row.get("totalservices") or 0)))
            time.sleep(0.01)

    def __enter__(self) -> StatePoller:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_switch_a_live_pool_both_ways_keeps_members_up(sim, backend_factory):  # noqa: F811
    sim.set_time_scale(0.02)
    backends = [backend_factory() for _ in range(2)]
    members = [{"ip": b.host, "port": b.port} for b in backends]
    names = [f"web-{b.host}-{b.port}" for b in backends]
    services_mode = pool_vars(members, healthchecked_pool_wait=True, healthchecked_pool_wait_timeout=20)
    proc, _ = play(sim, **services_mode)
    assert proc.returncode == 0, proc.stdout
    assert set(bound(sim, "web")) == set(names)

    # services -> group: check mode predicts the real run task by task, without a write
    to_group = group_vars(members, healthchecked_pool_max_member_removals=0)
    sim.clear_requests()
    check, _ = play(sim, check=True, diff=True, **to_group)
    assert check.returncode == 0, check.stdout
    assert sim.writes() == []
    with StatePoller(sim, "web") as poller:
        real, _ = play(sim, diff=True, **to_group)
    assert real.returncode == 0, real.stdout
    same_plan(check.stdout, real.stdout)
    assert poller.seen and all(state == "UP" and total >= 2 for state, total in poller.seen), poller.seen
    assert groups_of(sim, "web") == ["web-sg"] and bound(sim, "web") == {}
    assert not set(names) & services(sim)  # the old services are gone
    assert group_monitors(sim, "web-sg") == ["web-hc"]
    # the group was bound before the services were unbound
    writes = [(w["path"].rsplit("/config/", 1)[-1].split("/")[0], (w.get("query") or {}).get("action")) for w in
              sim.writes()]  # fmt: skip
    bind_group = writes.index(("lbvserver_servicegroup_binding", None))
    unbind_services = writes.index(("lbvserver_service_binding", "unbind"))
    assert bind_group < unbind_services, writes

    sim.clear_requests()
    proc, counts = play(sim, **to_group)
    assert proc.returncode == 0 and counts["changed"] == 0, proc.stdout
    assert sim.writes() == []

    # group -> services
    sim.clear_requests()
    check, _ = play(sim, check=True, **services_mode)
    assert check.returncode == 0 and sim.writes() == [], check.stdout
    with StatePoller(sim, "web") as poller:
        real, _ = play(sim, **{**services_mode, "healthchecked_pool_max_member_removals": 0})
    assert real.returncode == 0, real.stdout
    same_plan(check.stdout, real.stdout)
    assert poller.seen and all(state == "UP" and total >= 2 for state, total in poller.seen), poller.seen
    assert set(bound(sim, "web")) == set(names) and groups_of(sim, "web") == []
    assert not group_exists(sim, "web-sg")
    assert all(monitors_of(sim, name) == ["web-hc"] for name in names)
    proc, counts = play(sim, **services_mode)
    assert proc.returncode == 0 and counts["changed"] == 0, proc.stdout


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_failed_step_mid_switch_leaves_members_bound_and_reports_the_change(sim, backend_factory):  # noqa: F811
    backends = [backend_factory() for _ in range(2)]
    members = [{"ip": b.host, "port": b.port} for b in backends]
    names = [f"web-{b.host}-{b.port}" for b in backends]
    assert play(sim, **pool_vars(members))[0].returncode == 0

    # the group's member bind fails: the group was added (a change), the services still serve
    sim.fault("bulk_fail", method="PUT", path=CONFIG + "servicegroup_servicegroupmember_binding", at_item=1,
              errorcode=257)  # fmt: skip
    proc, _ = play(sim, **group_vars(members))
    assert proc.returncode != 0
    failed = proc.stdout.split("Create or update the service group and its members", 1)[1].split("TASK [", 1)[0]
    assert '"changed": true' in failed and '"applied"' in failed, failed
    assert set(bound(sim, "web")) == set(names)

    # the unbind of the services fails: both forms stay bound
    sim.clear_faults()
    sim.fault("status", method="POST", path="lbvserver_service_binding", status=599, errorcode=257)
    proc, _ = play(sim, **group_vars(members))
    assert proc.returncode != 0
    assert "Unbind the members' old form" in proc.stdout.split("fatal:", 1)[0].rsplit("TASK [", 1)[1], proc.stdout
    assert set(bound(sim, "web")) == set(names) and groups_of(sim, "web") == ["web-sg"]
    assert len(members_of(sim, "web-sg")) == 2

    # a re-run completes the switch
    sim.clear_faults()
    proc, _ = play(sim, **group_vars(members, healthchecked_pool_max_member_removals=0))
    assert proc.returncode == 0, proc.stdout
    assert bound(sim, "web") == {} and groups_of(sim, "web") == ["web-sg"]
    assert not set(names) & services(sim)


def test_absent_deletes_the_group_unless_another_vserver_binds_it(sim):
    members = [{"ip": "127.0.61.1", "port": 8080}, {"ip": "127.0.61.2", "port": 8080}]
    assert play(sim, **group_vars(members))[0].returncode == 0
    ok(sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "other", "servicetype": "HTTP", "ipv46": "127.9.20.2",
                                                     "port": 80}}))  # fmt: skip
    ok(sim.nitro("PUT", "lbvserver_servicegroup_binding", {"lbvserver_servicegroup_binding": {
        "name": "other", "servicegroupname": "web-sg"}}))  # fmt: skip
    absent = group_vars([], healthchecked_pool_state="absent")
    sim.clear_requests()
    check, _ = play(sim, check=True, **absent)
    assert check.returncode == 0 and sim.writes() == [], check.stdout
    real, _ = play(sim, **absent)
    assert real.returncode == 0, real.stdout
    same_plan(check.stdout, real.stdout)
    assert "kept servicegroup 'web-sg': lbvserver(s) other still bind it" in real.stdout + real.stderr
    assert sim.nitro("GET", "lbvserver/web")[0] == 404
    assert group_exists(sim, "web-sg")
    assert sim.nitro("GET", "lbmonitor/web-hc")[0] == 404

    ok(sim.nitro("DELETE", "lbvserver/other"))
    assert play(sim, **group_vars(members))[0].returncode == 0
    real, _ = play(sim, **absent)
    assert real.returncode == 0, real.stdout
    assert not group_exists(sim, "web-sg") and sim.nitro("GET", "lbvserver/web")[0] == 404
    proc, counts = play(sim, **absent)
    assert proc.returncode == 0 and counts["changed"] == 0, proc.stdout


def test_a_group_of_that_name_that_serves_other_vservers_is_refused_before_any_write(sim):
    """<pool>-sg exists and only another vserver binds it: taking it over would change that vserver's members. The
    run fails at the check-mode read, naming the vserver, and writes nothing; a group no vserver binds (left by an
    earlier failed run) is converged."""
    ok(sim.nitro("POST", "servicegroup", {"servicegroup": {"servicegroupname": "web-sg", "servicetype": "HTTP"}}))
    ok(sim.nitro("PUT", "servicegroup_servicegroupmember_binding",
                 {"servicegroup_servicegroupmember_binding": {"servicegroupname": "web-sg", "ip": "127.0.7.9",
                                                              "port": 80}}))  # fmt: skip
    ok(sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "legacy", "servicetype": "HTTP", "ipv46": "127.9.7.1",
                                                     "port": 80}}))  # fmt: skip
    ok(sim.nitro("PUT", "lbvserver_servicegroup_binding",
                 {"lbvserver_servicegroup_binding": {"name": "legacy", "servicegroupname": "web-sg"}}))  # fmt: skip
    members = [{"ip": "127.0.7.1", "port": 80}]
    sim.clear_requests()
    proc, counts = play(sim, **group_vars(members))
    assert proc.returncode != 0 and counts["failed"] == 1, proc.stdout
    assert "a servicegroup named 'web-sg' exists and lbvserver(s) legacy bind it" in proc.stdout, proc.stdout
    assert sim.writes() == [], sim.writes()
    assert list(members_of(sim, "web-sg")) == ["127.0.7.9:80"]
    # Unbound from legacy, the group is nobody's: the pool takes it over.
    ok(sim.nitro("DELETE", "lbvserver_servicegroup_binding/legacy", params={"args": "servicegroupname:web-sg"}))
    proc, counts = play(sim, **group_vars(members))
    assert proc.returncode == 0, proc.stdout
    assert list(members_of(sim, "web-sg")) == ["127.0.7.1:80"] and groups_of(sim, "web") == ["web-sg"]
