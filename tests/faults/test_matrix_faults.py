"""Transport and NITRO faults under every kind of write, single and bulk; 503 bursts, 599, session expiry,
stalls, bulk failure at item K, lost answers and writes that race another run."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.faults.conftest import Row, ok, outcome, run

CONFIG = "/nitro/v1/config/"


# -- seeding through raw NITRO (recorded in the request log, so each test clears it after seeding) ---------------


def seed_services(sim, names: list[str], **extra: Any) -> None:
    for index, name in enumerate(names, start=1):
        body = {"name": name, "ip": f"127.0.50.{index}", "servicetype": "HTTP", "port": 80, **extra}
        ok(sim.nitro("POST", "service", {"service": body}))


def seed_vserver(sim, name: str = "v1", members: list[str] = ()) -> None:
    ok(
        sim.nitro(
            "POST", "lbvserver", {"lbvserver": {"name": name, "ipv46": "127.0.9.1", "servicetype": "HTTP", "port": 80}}
        )
    )
    for member in members:
        ok(
            sim.nitro(
                "PUT", "lbvserver_service_binding", {"lbvserver_service_binding": {"name": name, "servicename": member}}
            )
        )


def bound(sim, vserver: str = "v1") -> list[str]:
    rows = sim.state()["bindings"]["lbvserver_service_binding"]
    return sorted(r["servicename"] for r in rows if r["name"] == vserver)


def count_writes(sim, method: str, path_end: str, action: str | None = None) -> int:
    return sum(
        1
        for r in sim.requests()
        if r["method"] == method and r["path"].endswith(path_end) and r["query"].get("action") == action
    )


SVC = ["m1", "m2", "m3"]
LIST = {
    "servicetype": "HTTP",
    "port": 80,
    "services": [{"name": n, "ip": f"127.0.50.{i}"} for i, n in enumerate(SVC, 1)],
}


# -- disconnect after the write landed, for every kind of write --------------------------------------------------


def case_add_single(sim):
    seed_services(sim, ["m1"])
    seed_vserver(sim, "v1", ["m1"])
    return "lb_healthcheck", {"vserver": "v1"}, ("POST", "lbmonitor$")


def check_add_single(sim, row):
    monitors = [n for n in sim.state()["lbmonitor"] if n == "v1-hc"]
    binds = [r for r in sim.state()["bindings"]["service_lbmonitor_binding"] if r["monitor_name"] == "v1-hc"]
    row.duplicated = "no" if count_writes(sim, "POST", "/lbmonitor") == 1 else "add sent twice"
    row.lost = "no" if [r["name"] for r in binds] == ["m1"] else "monitor left unbound"
    return len(monitors) == 1 and len(binds) == 1


def case_add_bulk(sim):
    return "lb_service", LIST, ("POST", "config/service$")


def check_add_bulk(sim, row):
    row.duplicated = "no" if count_writes(sim, "POST", "/service") == 1 else "bulk add sent twice"
    return sorted(sim.state()["service"]) == SVC


def case_update_single(sim):
    return "ns_tcpparam", {"downstaterst": "ENABLED"}, ("PUT", "nstcpparam$")


def check_update_single(sim, row):
    return sim.state()["nstcpparam"]["downstaterst"] == "ENABLED"


def case_update_bulk(sim):
    seed_services(sim, SVC)
    return "lb_service", {**LIST, "comment": "moved"}, ("PUT", "config/service$")


def check_update_bulk(sim, row):
    return all(s.get("comment") == "moved" for s in sim.state()["service"].values())


def case_delete_single(sim):
    seed_vserver(sim, "v1")
    ok(sim.nitro("POST", "lbmonitor", {"lbmonitor": {"monitorname": "v1-hc", "type": "HTTP"}}))
    return "lb_healthcheck", {"vserver": "v1", "state": "absent"}, ("DELETE", "lbmonitor/")


def check_delete_single(sim, row):
    return "v1-hc" not in sim.state()["lbmonitor"]


def case_delete_bulk(sim):
    seed_services(sim, SVC)
    return "lb_service", {"state": "absent", "services": [{"name": n} for n in SVC]}, ("POST", "config/service$")


def check_delete_bulk(sim, row):
    return sim.state()["service"] == {}


def case_bind_single(sim):
    seed_services(sim, ["m1"])
    seed_vserver(sim, "v1")
    return "lb_vserver", {"name": "v1", "services": ["m1"]}, ("PUT", "lbvserver_service_binding$")


def check_bind(sim, row, want=("m1",)):
    rows = bound(sim)
    row.duplicated = "no" if len(rows) == len(set(rows)) else "bound twice"
    return rows == sorted(want)


def case_bind_bulk(sim):
    seed_services(sim, SVC)
    seed_vserver(sim, "v1")
    return "lb_vserver", {"name": "v1", "services": SVC}, ("PUT", "lbvserver_service_binding$")


def check_bind_bulk(sim, row):
    return check_bind(sim, row, SVC)


def case_unbind_single(sim):
    seed_services(sim, ["m1"])
    seed_vserver(sim, "v1", ["m1"])
    return "lb_vserver", {"name": "v1", "services": []}, ("POST", "lbvserver_service_binding$")


def check_unbind(sim, row):
    return bound(sim) == []


def case_unbind_bulk(sim):
    seed_services(sim, SVC)
    seed_vserver(sim, "v1", SVC)
    return "lb_vserver", {"name": "v1", "services": []}, ("POST", "lbvserver_service_binding$")


def case_action(sim):
    return "ns_mode", {"modes": ["USIP"], "state": "enabled"}, ("POST", "nsmode$")


def check_action(sim, row):
    return sim.state()["nsmode"]["usip"] in (True, "true", "YES", "ENABLED")


WRITE_KINDS = {
    "add-single": (case_add_single, check_add_single),
    "add-bulk": (case_add_bulk, check_add_bulk),
    "update-single": (case_update_single, check_update_single),
    "update-bulk": (case_update_bulk, check_update_bulk),
    "delete-single": (case_delete_single, check_delete_single),
    "delete-bulk": (case_delete_bulk, check_delete_bulk),
    "bind-single": (case_bind_single, check_bind),
    "bind-bulk": (case_bind_bulk, check_bind_bulk),
    "unbind-single": (case_unbind_single, check_unbind),
    "unbind-bulk": (case_unbind_bulk, check_unbind),
    "action-enable": (case_action, check_action),
}


@pytest.mark.parametrize("kind", list(WRITE_KINDS), ids=[f"disconnect-after-{k}" for k in WRITE_KINDS])
def test_disconnect_after_write(msim, row: Row, kind: str) -> None:
    setup, check = WRITE_KINDS[kind]
    module, args, (method, path) = setup(msim)
    msim.clear_requests()
    msim.fault("disconnect", method=method, path=path)
    row.expected = "ok, changed; end state right, nothing sent twice"
    result = run(msim, module, args)
    row.happened = outcome(result)
    right = check(msim, row)
    if not right:
        row.lost = "end state wrong"
    row.leaked = ", ".join(result["_leaked"]) or "no"
    assert [f["fired"] for f in msim.faults()] == [1], "the fault did not fire: the row tests nothing"
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert right and row.duplicated == "no" and row.lost == "no"
    assert not result["_leaked"]


# -- 503 bursts, 599, session expiry ------------------------------------------------------------------------------


def test_503_burst_shorter_than_retry_budget(msim, row: Row) -> None:
    seed_services(msim, SVC)
    msim.clear_requests()
    msim.fault("status", count=2, method="PUT", path="config/service$", status=503)
    row.expected = "ok after retries; updated once"
    result = run(msim, "lb_service", {**LIST, "comment": "x"})
    row.happened = outcome(result)
    assert not result.get("failed"), result.get("msg")
    assert all(s.get("comment") == "x" for s in msim.state()["service"].values())


def test_503_burst_longer_than_retry_budget(msim, row: Row) -> None:
    msim.fault("status", count=-1, method="GET", path="lbvserver", status=503)
    row.expected = "fails naming HTTP 503, changed=false, within the retry budget"
    result = run(msim, "lb_vserver", {"name": "v1", "ipv46": "127.0.9.1", "port": 80, "servicetype": "HTTP"})
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is False
    assert "HTTP 503" in result["msg"]
    assert result["_elapsed"] < 20
    assert msim.state()["lbvserver"] == {}


def test_599_error_passes_through(msim, row: Row) -> None:
    msim.fault("status", method="PUT", path="nstcpparam$", status=599, errorcode=257, message="Operation not permitted")
    row.expected = "fails with errorcode 257 and NITRO's message; changed=false"
    result = run(msim, "ns_tcpparam", {"downstaterst": "ENABLED"})
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is False
    assert result["nitro_error"]["errorcode"] == 257 and "Operation not permitted" in result["msg"]
    assert msim.state()["nstcpparam"]["downstaterst"] != "ENABLED"


def test_session_expiry_mid_run(msim, row: Row) -> None:
    seed_services(msim, SVC)
    msim.clear_requests()
    msim.fault("status", method="PUT", path="lbvserver_service_binding$", status=401, errorcode=444,
               message="Session expired or killed. Please login again")  # fmt: skip
    row.expected = "re-login once, ok; vserver and 3 bindings"
    result = run(
        msim, "lb_vserver", {"name": "v1", "ipv46": "127.0.9.1", "port": 80, "servicetype": "HTTP", "services": SVC}
    )
    row.happened = outcome(result)
    logins = sum(1 for r in msim.requests() if r["path"].endswith("/login"))
    row.happened += f"; {logins} logins"
    assert not result.get("failed"), result.get("msg")
    assert logins == 2 and bound(msim) == SVC


# -- stalls past nitro_timeout: the task ends within the documented budget -------------------------------------


@pytest.mark.parametrize(
    ("where", "method", "path"),
    [("login", "POST", "login$"), ("read", "GET", "nstcpparam"), ("write", "PUT", "nstcpparam$")],
    ids=["stall-login", "stall-read", "stall-write"],
)
def test_stall_past_timeout(msim, row: Row, where: str, method: str, path: str) -> None:
    """The appliance stops answering (every matching request stalls). Before the budget, retries multiplied the
    timeout: 4 attempts x 2 s plus back-off, 13 s for a read and 17 s when login stalled."""
    msim.fault("stall", count=-1, method=method, path=path, seconds=6)
    row.expected = "fails in nitro_timeout=2 (+2 s logout) naming the timeout"
    result = run(msim, "ns_tcpparam", {"downstaterst": "ENABLED", "nitro_timeout": 2})
    row.happened = outcome(result)
    assert result.get("failed") is True
    assert "nitro_timeout=2" in result["msg"]
    # budget 2 s, then a logout (which stalls too) capped at min(nitro_timeout, 3) s; plus up to 4 s for starting
    # the module's Python process on a loaded machine
    assert result["_elapsed"] < (2 + 4 if where == "login" else 2 + 2 + 4)


# -- bulk failure at item K, for each bulk kind ------------------------------------------------------------------

FIVE = [f"k{i}" for i in range(5)]
FIVE_LIST = {
    "servicetype": "HTTP",
    "port": 80,
    "services": [{"name": n, "ip": f"127.0.51.{i}"} for i, n in enumerate(FIVE, 1)],
}


def test_bulk_add_fails_at_item_2(msim, row: Row) -> None:
    msim.fault("bulk_fail", method="POST", path="config/service$", at_item=2, errorcode=1097)
    row.expected = "fails; rollback: changed=false, 0 applied, 5 not applied"
    result = run(msim, "lb_service", FIVE_LIST)
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is False
    assert result["applied"] == [] and result["not_applied"] == FIVE
    assert msim.state()["service"] == {}
    assert "failed for 0 of" not in result["msg"]


def test_bulk_update_fails_at_item_2(msim, row: Row) -> None:
    seed_services(msim, FIVE)
    msim.fault("bulk_fail", method="PUT", path="config/service$", at_item=2, errorcode=1097)
    row.expected = "fails; changed=true; applied k0,k1; not applied k2-k4"
    result = run(msim, "lb_service", {**FIVE_LIST, "comment": "new", "services": [{"name": n} for n in FIVE]})
    row.happened = outcome(result)
    comments = {n: s.get("comment") for n, s in msim.state()["service"].items()}
    assert result.get("failed") is True and result["changed"] is True
    assert result["applied"] == FIVE[:2] and result["not_applied"] == FIVE[2:]
    assert [n for n in FIVE if comments[n] == "new"] == FIVE[:2]


def test_bulk_delete_fails_at_item_2(msim, row: Row) -> None:
    seed_services(msim, FIVE)
    msim.fault("bulk_fail", method="POST", path="config/service$", at_item=2, errorcode=1097)
    row.expected = "fails; changed=true; 4 applied, k2 not applied (onerror continue)"
    result = run(msim, "lb_service", {"state": "absent", "services": [{"name": n} for n in FIVE]})
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is True
    assert result["not_applied"] == ["k2"] and sorted(result["applied"]) == sorted(set(FIVE) - {"k2"})
    assert sorted(msim.state()["service"]) == ["k2"]


def test_bulk_bind_fails_at_item_2(msim, row: Row) -> None:
    seed_services(msim, FIVE)
    seed_vserver(msim, "v1")
    msim.fault("bulk_fail", method="PUT", path="lbvserver_service_binding$", at_item=2, errorcode=1097)
    row.expected = "fails; rollback: changed=false, nothing bound"
    result = run(msim, "lb_vserver", {"name": "v1", "services": FIVE})
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is False
    assert result["applied"] == [] and bound(msim) == []


def test_bulk_unbind_fails_at_item_2(msim, row: Row) -> None:
    seed_services(msim, FIVE)
    seed_vserver(msim, "v1", FIVE)
    msim.fault("bulk_fail", method="POST", path="lbvserver_service_binding$", at_item=2, errorcode=1097)
    row.expected = "fails; changed=true; 2 unbound, 3 still bound, listed"
    result = run(msim, "lb_vserver", {"name": "v1", "services": []})
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is True
    assert len(result["applied"]) == 2 and len(result["not_applied"]) == 3
    assert len(bound(msim)) == 3


def test_bulk_disable_fails_at_item_2(msim, row: Row) -> None:
    seed_services(msim, FIVE)
    msim.fault("bulk_fail", method="POST", path="config/service$", at_item=2, errorcode=1097)
    row.expected = "fails; changed=true; k0,k1 disabled, rest listed as not applied"
    result = run(msim, "lb_service", {"state": "disabled", "services": [{"name": n} for n in FIVE]})
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is True
    assert result["applied"] == FIVE[:2] and result["not_applied"] == FIVE[2:]


# -- another run writes the same objects at the same time --------------------------------------------------------


def race(sim, module: str, args: dict[str, Any], where: tuple[str, str], meanwhile) -> dict[str, Any]:
    """Hold the module's write in a stall, make the other run's write meanwhile, then let it through."""
    sim.fault("stall", method=where[0], path=where[1], seconds=1.5)
    out: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: out.update(run(sim, module, args)))
    worker.start()
    deadline = time.monotonic() + 30
    while not sim.faults()[0]["fired"] and time.monotonic() < deadline:
        time.sleep(0.05)
    meanwhile()
    worker.join(60)
    return out


def test_race_single_add_already_exists(msim, row: Row) -> None:
    seed_services(msim, ["m1"])
    seed_vserver(msim, "v1", ["m1"])
    other = {"monitorname": "v1-hc", "type": "HTTP", "interval": 9, "resptimeout": 3}
    row.expected = "273 already exists = present: ok, monitor converged and bound"
    result = race(msim, "lb_healthcheck", {"vserver": "v1", "interval": 5}, ("POST", "lbmonitor$"),
                  lambda: ok(msim.nitro("POST", "lbmonitor", {"lbmonitor": other})))  # fmt: skip
    row.happened = outcome(result)
    monitor = msim.state()["lbmonitor"]["v1-hc"]
    assert not result.get("failed"), result.get("msg")
    assert str(monitor["interval"]) == "5"
    assert [
        r["name"] for r in msim.state()["bindings"]["service_lbmonitor_binding"] if r["monitor_name"] == "v1-hc"
    ] == ["m1"]


def test_race_bulk_add_already_exists(msim, row: Row) -> None:
    row.expected = "one item exists: ok, all 3 present once"
    result = race(msim, "lb_service", LIST, ("POST", "config/service$"),
                  lambda: seed_services(msim, ["m1"]))  # fmt: skip
    row.happened = outcome(result)
    assert not result.get("failed"), result.get("msg")
    assert sorted(msim.state()["service"]) == SVC


def test_race_bulk_bind_already_bound(msim, row: Row) -> None:
    seed_services(msim, SVC)
    seed_vserver(msim, "v1")

    def bind_m2() -> None:
        body = {"lbvserver_service_binding": {"name": "v1", "servicename": "m2"}}
        ok(msim.nitro("PUT", "lbvserver_service_binding", body))

    row.expected = "one already bound: ok, all 3 bound once, no 'failed for 0 of N'"
    result = race(msim, "lb_vserver", {"name": "v1", "services": SVC}, ("PUT", "lbvserver_service_binding$"), bind_m2)
    row.happened = outcome(result)
    assert not result.get("failed"), result.get("msg")
    assert bound(msim) == SVC


def test_concurrent_module_runs(msim, row: Row) -> None:
    row.expected = "two identical lb_service runs at once: both ok, 3 services"
    results: list[dict[str, Any]] = []
    workers = [threading.Thread(target=lambda: results.append(run(msim, "lb_service", LIST))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    row.happened = "; ".join(outcome(r) for r in results)
    assert len(results) == 2 and not any(r.get("failed") for r in results), [r.get("msg") for r in results]
    assert sorted(msim.state()["service"]) == SVC
