"""lb_service purge_servers: deleting services also deletes the server objects NITRO created for them, and only
those nothing else uses (deleting a server deletes its services too)."""

from __future__ import annotations

from typing import Any

from tests.helpers.runner import connection, run_module
from tests.integration.test_lb_healthcheck import ok


def run(sim: Any, args: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return run_module("lb_service", {**connection(sim), **args}, **kwargs)


def exists(sim: Any, res: str, name: str) -> bool:
    status, body = sim.nitro("GET", f"{res}/{name}")
    assert status in (200, 404), body
    return status == 200


def add_service(sim: Any, name: str, ip: str, port: Any = "*") -> None:
    ok(sim.nitro("POST", "service", {"service": {"name": name, "ip": ip, "servicetype": "ANY", "port": port}}))


def test_purge_servers_deletes_only_unused_auto_servers(sim: Any) -> None:
    add_service(sim, "a", "127.0.40.1")
    add_service(sim, "b", "127.0.40.2")
    add_service(sim, "b-other", "127.0.40.2", 80)  # shares b's server: it stays
    add_service(sim, "c", "127.0.40.3")
    ok(sim.nitro("PUT", "server", {"server": {"name": "127.0.40.3", "comment": "mine"}}))  # commented: it stays
    add_service(sim, "d", "127.0.40.4")
    ok(sim.nitro("POST", "servicegroup", {"servicegroup": {"servicegroupname": "g", "servicetype": "ANY"}}))
    member = {"servicegroupname": "g", "servername": "127.0.40.4", "port": 81}
    ok(sim.nitro("PUT", "servicegroup_servicegroupmember_binding", {"servicegroup_servicegroupmember_binding": member}))
    ok(sim.nitro("POST", "server", {"server": {"name": "named", "ipaddress": "127.0.40.5"}}))
    ok(sim.nitro("POST", "service", {"service": {"name": "e", "servername": "named", "servicetype": "ANY",
                                                 "port": "*"}}))  # fmt: skip
    gone = {"state": "absent", "purge_servers": True, "services": [{"name": n} for n in ("a", "b", "c", "d", "e")]}

    sim.clear_requests()
    predicted = run(sim, gone, check=True)
    assert predicted["changed"] is True, predicted
    assert predicted["deleted_servers"] == ["127.0.40.1"]
    assert sim.writes() == []

    done = run(sim, gone)
    assert done["changed"] is True, done
    assert done["deleted_servers"] == ["127.0.40.1"]
    assert done["summary"]["deleted"] == 5
    assert not exists(sim, "server", "127.0.40.1")
    for kept in ("127.0.40.2", "127.0.40.3", "127.0.40.4", "named"):
        assert exists(sim, "server", kept), kept
    assert exists(sim, "service", "b-other")
    assert all(not exists(sim, "service", name) for name in ("a", "b", "c", "d", "e"))

    sim.clear_requests()
    again = run(sim, gone)
    assert again["changed"] is False and again["deleted_servers"] == []
    assert sim.writes() == []


def test_without_purge_servers_the_servers_stay(sim: Any) -> None:
    add_service(sim, "a", "127.0.40.1")
    done = run(sim, {"name": "a", "state": "absent"})
    assert done["changed"] is True and done["deleted_servers"] == []
    assert exists(sim, "server", "127.0.40.1")


def test_single_mode_reads_the_other_services(sim: Any) -> None:
    add_service(sim, "a", "127.0.40.1")
    add_service(sim, "a2", "127.0.40.1", 80)
    done = run(sim, {"name": "a", "state": "absent", "purge_servers": True})
    assert done["changed"] is True and done["deleted_servers"] == []
    assert exists(sim, "service", "a2") and exists(sim, "server", "127.0.40.1")
    done = run(sim, {"name": "a2", "state": "absent", "purge_servers": True})
    assert done["deleted_servers"] == ["127.0.40.1"]
    assert not exists(sim, "server", "127.0.40.1")
