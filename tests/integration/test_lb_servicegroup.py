"""adcops.netscaler.lb_servicegroup against the NITRO simulator: attributes, members and monitors with bulk calls,
check mode, diff, idempotency, recreate."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.runner import connection, run_module

CONFIG = "/nitro/v1/config/"
SESSION = (CONFIG + "login", CONFIG + "logout")


def run(sim: Any, args: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return run_module("lb_servicegroup", {**connection(sim), **args}, **kwargs)


def ok(answer: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    status, body = answer
    assert status in (200, 201), body
    return body


def members(sim: Any, group: str = "sg") -> dict[tuple[str, str], str]:
    rows = ok(sim.nitro("GET", f"servicegroup_servicegroupmember_binding/{group}")).get(
        "servicegroup_servicegroupmember_binding", []
    )
    return {(row["servername"], row["port"]): row["weight"] for row in rows}


def monitors(sim: Any, group: str = "sg") -> list[str]:
    rows = ok(sim.nitro("GET", f"servicegroup_lbmonitor_binding/{group}")).get("servicegroup_lbmonitor_binding", [])
    return sorted(row["monitor_name"] for row in rows)


def group(sim: Any, name: str = "sg") -> dict[str, Any] | None:
    status, body = sim.nitro("GET", f"servicegroup/{name}")
    return body["servicegroup"][0] if status == 200 else None


def steps(sim: Any) -> list[tuple[str, str, str | None]]:
    """The writes: (method, resource, action)."""
    return [(w["method"], w["path"][len(CONFIG) :], (w.get("query") or {}).get("action")) for w in sim.writes()]


def only_reads(sim: Any) -> list[dict[str, Any]]:
    requests = sim.requests()
    assert all(r["method"] == "GET" or r["path"] in SESSION for r in requests), requests
    return [r for r in requests if r["method"] == "GET"]


def monitor(sim: Any, name: str, kind: str = "TCP") -> None:
    ok(sim.nitro("POST", "lbmonitor", {"lbmonitor": {"monitorname": name, "type": kind}}))


def server(sim: Any, name: str, address: str) -> None:
    ok(sim.nitro("POST", "server", {"server": {"name": name, "ipaddress": address}}))


GROUP = {
    "servicegroupname": "sg",
    "servicetype": "HTTP",
    "maxclient": 100,
    "members": [
        {"ip": "127.0.70.1", "port": 8080},
        {"ip": "127.0.70.2", "port": 8080, "weight": 2},
        {"servername": "web3", "port": 8080},
    ],
    "monitors": ["hc-tcp"],
}


def test_create_check_mode_then_real_then_no_op(sim: Any) -> None:
    monitor(sim, "hc-tcp")
    server(sim, "web3", "127.0.70.3")
    sim.clear_requests()
    predicted = run(sim, GROUP, check=True, diff=True)
    assert predicted["changed"] is True, predicted
    assert len(only_reads(sim)) == 1  # the group is missing: nothing else to read
    assert group(sim) is None
    assert predicted["recreated"] == []
    assert predicted["servicegroup"]["maxclient"] == 100
    assert [row["weight"] for row in predicted["bindings"]["members"] if "weight" in row] == ["2"]

    sim.clear_requests()
    result = run(sim, GROUP, diff=True)
    assert result["changed"] is True, result
    # one add, one bulk bind of the three members, one bind of the monitor
    assert steps(sim) == [
        ("POST", "servicegroup", None),
        ("PUT", "servicegroup_servicegroupmember_binding", None),
        ("PUT", "servicegroup_lbmonitor_binding", None),
    ]
    assert len(sim.requests()) == 8  # login, GET, 3 writes, the read-back (2 GETs), logout
    assert members(sim) == {("127.0.70.1", "8080"): "1", ("127.0.70.2", "8080"): "2", ("web3", "8080"): "1"}
    assert monitors(sim) == ["hc-tcp"]
    assert group(sim)["maxclient"] == "100"
    assert result["servicegroup"]["servicetype"] == "HTTP"
    assert sorted(row["ip"] for row in result["bindings"]["members"]) == ["127.0.70.1", "127.0.70.2", "127.0.70.3"]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["members"] == [
        {"ip": "127.0.70.1", "port": 8080},
        {"ip": "127.0.70.2", "port": 8080, "weight": 2},
        {"servername": "web3", "port": 8080},
    ]
    assert result["diff"]["after"]["monitors"] == [{"monitor_name": "hc-tcp"}]

    sim.clear_requests()
    again = run(sim, GROUP, diff=True)
    assert again["changed"] is False, again
    assert len(only_reads(sim)) == 2  # the group and all its bindings
    assert again["diff"]["before"] == again["diff"]["after"]
    sim.clear_requests()
    assert run(sim, GROUP, check=True)["changed"] is False
    assert len(only_reads(sim)) == 2


@pytest.mark.parametrize("count", [3, 40])
def test_members_converge_with_constant_requests(sim: Any, count: int) -> None:
    wanted = [{"ip": f"127.0.71.{i + 1}", "port": 80} for i in range(count)]
    sim.clear_requests()
    assert run(sim, {"servicegroupname": "big", "servicetype": "TCP", "members": wanted})["changed"] is True
    assert len(sim.requests()) == 7
    weights = [{**member, "weight": 5} for member in wanted[1:]] + [{"ip": "127.0.72.1", "port": 80}]
    sim.clear_requests()
    changed = run(sim, {"servicegroupname": "big", "members": weights}, diff=True)
    assert changed["changed"] is True
    # one bulk unbind (the member that left), one bulk update of the weights in place, one bulk bind (the new one)
    assert steps(sim) == [
        ("POST", "servicegroup_servicegroupmember_binding", "unbind"),
        ("PUT", "servicegroup", None),
        ("PUT", "servicegroup_servicegroupmember_binding", None),
    ]
    assert len(members(sim, "big")) == count
    assert set(members(sim, "big").values()) == {"5", "1"}
    sim.clear_requests()
    assert run(sim, {"servicegroupname": "big", "members": weights})["changed"] is False
    assert len(only_reads(sim)) == 2


def test_weight_change_keeps_the_member_bound(sim: Any) -> None:
    run(sim, {"servicegroupname": "sg", "servicetype": "HTTP", "members": [{"ip": "127.0.70.1", "port": 80}]})
    sim.clear_requests()
    predicted = run(sim, {"servicegroupname": "sg", "members": [{"ip": "127.0.70.1", "port": 80, "weight": 9}]},
                    check=True, diff=True)  # fmt: skip
    assert predicted["changed"] is True and predicted["bindings"]["members"][0]["weight"] == "9"
    only_reads(sim)
    sim.clear_requests()
    result = run(sim, {"servicegroupname": "sg", "members": [{"ip": "127.0.70.1", "port": 80, "weight": 9}]})
    assert result["changed"] is True
    (write,) = sim.writes()
    assert write["method"] == "PUT" and write["path"] == CONFIG + "servicegroup"
    assert write["body"]["servicegroup"] == [{"servicegroupname": "sg", "servername": "127.0.70.1", "port": 80,
                                              "weight": 9}]  # fmt: skip
    assert members(sim) == {("127.0.70.1", "80"): "9"}


def test_same_server_on_two_ports_and_purge_off(sim: Any) -> None:
    two = [{"ip": "127.0.70.1", "port": 80}, {"ip": "127.0.70.1", "port": 81}]
    run(sim, {"servicegroupname": "sg", "servicetype": "HTTP", "members": two})
    assert members(sim) == {("127.0.70.1", "80"): "1", ("127.0.70.1", "81"): "1"}
    sim.clear_requests()
    kept = run(sim, {"servicegroupname": "sg", "members": [{"ip": "127.0.70.2", "port": 80}], "purge_members": False})
    assert kept["changed"] is True
    assert steps(sim) == [("PUT", "servicegroup_servicegroupmember_binding", None)]
    assert len(members(sim)) == 3
    sim.clear_requests()
    emptied = run(sim, {"servicegroupname": "sg", "members": []})
    assert emptied["changed"] is True and members(sim) == {}
    assert steps(sim) == [("POST", "servicegroup_servicegroupmember_binding", "unbind")]


def test_monitors_attributes_and_state(sim: Any) -> None:
    monitor(sim, "m1")
    monitor(sim, "m2")
    run(sim, {"servicegroupname": "sg", "servicetype": "HTTP", "monitors": ["m1"]})
    sim.clear_requests()
    result = run(sim, {"servicegroupname": "sg", "monitors": ["m2"], "usip": True, "cip": "ENABLED"}, diff=True)
    assert result["changed"] is True
    assert steps(sim) == [
        ("PUT", "servicegroup", None),
        ("POST", "servicegroup_lbmonitor_binding", "unbind"),
        ("PUT", "servicegroup_lbmonitor_binding", None),
    ]
    assert monitors(sim) == ["m2"]
    assert (group(sim)["usip"], group(sim)["cip"]) == ("YES", "ENABLED")
    assert result["diff"]["before"]["monitors"] == [{"monitor_name": "m1", "weight": 1, "monstate": "ENABLED"}]
    assert result["diff"]["after"]["monitors"] == [{"monitor_name": "m2"}]

    sim.clear_requests()
    disabled = run(sim, {"servicegroupname": "sg", "state": "disabled", "graceful": True, "delay": 5})
    assert disabled["changed"] is True
    (write,) = sim.writes()
    assert write["query"]["action"] == "disable"
    assert write["body"]["servicegroup"] == [{"servicegroupname": "sg", "graceful": "YES", "delay": 5}]
    assert group(sim)["state"] == "DISABLED"
    sim.clear_requests()
    assert run(sim, {"servicegroupname": "sg", "state": "disabled"})["changed"] is False
    assert sim.writes() == []
    assert run(sim, {"servicegroupname": "sg", "state": "enabled"})["changed"] is True
    assert group(sim)["state"] == "ENABLED"


def test_immutable_change_refused_then_recreated_with_its_bindings(sim: Any) -> None:
    monitor(sim, "m1")
    run(sim, {**GROUP, "monitors": ["m1"], "members": GROUP["members"][:2]})
    ok(sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "vs", "servicetype": "HTTP", "ipv46": "127.0.70.80",
                                                      "port": 80}}))  # fmt: skip
    binding = {"lbvserver_servicegroup_binding": {"name": "vs", "servicegroupname": "sg"}}
    ok(sim.nitro("PUT", "lbvserver_servicegroup_binding", binding))
    sim.clear_requests()
    refused = run(sim, {"servicegroupname": "sg", "servicetype": "TCP"})
    assert refused["failed"] is True
    assert "servicetype (current 'HTTP', wanted 'TCP')" in refused["msg"] and "recreate" in refused["msg"]
    assert sim.writes() == []

    sim.clear_requests()
    predicted = run(sim, {"servicegroupname": "sg", "servicetype": "TCP", "recreate": True}, check=True)
    assert predicted["changed"] is True and predicted["recreated"] == ["sg"]
    only_reads(sim)
    result = run(sim, {"servicegroupname": "sg", "servicetype": "TCP", "recreate": True})
    assert result["changed"] is True and result["recreated"] == ["sg"], result
    assert group(sim)["servicetype"] == "TCP" and group(sim)["maxclient"] == "100"  # carried over
    assert members(sim) == {("127.0.70.1", "8080"): "1", ("127.0.70.2", "8080"): "2"}
    assert monitors(sim) == ["m1"]
    rows = ok(sim.nitro("GET", "lbvserver_servicegroup_binding/vs"))["lbvserver_servicegroup_binding"]
    assert [row["servicegroupname"] for row in rows] == ["sg"]  # the vserver binding is back


def test_absent_and_bad_input(sim: Any) -> None:
    run(sim, {"servicegroupname": "sg", "servicetype": "HTTP", "members": [{"ip": "127.0.70.1", "port": 80}]})
    sim.clear_requests()
    gone = run(sim, {"servicegroupname": "sg", "state": "absent"}, diff=True)
    assert gone["changed"] is True and group(sim) is None
    assert steps(sim) == [("POST", "servicegroup", "rm")]  # a bulk delete, with its bindings
    assert gone["diff"]["after"] == {}
    sim.clear_requests()
    assert run(sim, {"servicegroupname": "sg", "state": "absent"})["changed"] is False
    assert len(only_reads(sim)) == 1

    sim.clear_requests()
    bad = run(sim, {
        "servicegroupname": "sg",
        "servicetype": "HTTP",
        "members": [{"ip": "127.0.70.1", "servername": "web1", "port": 80}, {"ip": "127.0.70.2", "port": 80},
                    {"ip": "127.0.70.2", "port": "80"}, {"ip": "127.0.70.300", "port": 80}],
        "monitors": ["tcp-default"],
        "graceful": True,
    })  # fmt: skip
    assert bad["failed"] is True
    for part in (
        "members[0].ip and members[0].servername: give exactly one of them",
        "members: 127.0.70.2:80 is listed more than once",
        "members[3].ip",
        "monitors[0]: tcp-default is a default monitor",
        "graceful and delay apply only to state=disabled",
    ):
        assert part in bad["msg"], bad["msg"]
    assert sim.requests() == []
    missing = run(sim, {"servicegroupname": "nosuch", "maxclient": 5})
    assert missing["failed"] is True and "give servicetype to create it" in missing["msg"]
    assert sim.writes() == []


def test_bound_to_a_vserver_by_lb_vserver(sim: Any) -> None:
    run(sim, {**GROUP, "monitors": None, "members": GROUP["members"][:2]})
    vs = {"name": "vs", "ipv46": "127.0.70.80", "port": 80, "servicetype": "HTTP", "servicegroups": ["sg"]}
    result = run_module("lb_vserver", {**connection(sim), **vs})
    assert result["changed"] is True
    assert [row["servicegroupname"] for row in result["bindings"]["servicegroups"]] == ["sg"]


def test_keep_bound_leaves_a_group_other_vservers_use_alone(sim: Any) -> None:
    """keep_bound: state=present refuses, before any write, to change a group that only other vservers bind (one
    GET decides); a binder listed in keep_bound_except makes the group this task's to converge; state=absent keeps
    a group still bound, with a warning."""
    base = {"servicegroupname": "sg", "servicetype": "HTTP", "members": [{"ip": "127.0.0.21", "port": 80}]}
    assert run(sim, base)["changed"] is True
    ok(sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "other", "servicetype": "HTTP", "ipv46": "127.9.8.1",
                                                     "port": 80}}))  # fmt: skip
    ok(sim.nitro("PUT", "lbvserver_servicegroup_binding",
                 {"lbvserver_servicegroup_binding": {"name": "other", "servicegroupname": "sg"}}))  # fmt: skip
    moved = {**base, "members": [{"ip": "127.0.0.22", "port": 80}], "keep_bound": True}
    for check in (True, False):
        sim.clear_requests()
        result = run(sim, moved, check=check)
        assert result.get("failed") is True, result
        assert "lbvserver(s) other bind it" in result["msg"] and "nothing was written" in result["msg"], result
        assert sim.writes() == []
    assert list(members(sim)) == [("127.0.0.21", "80")]
    result = run(sim, {**moved, "keep_bound_except": ["other"]})
    assert result["changed"] is True and list(members(sim)) == [("127.0.0.22", "80")], result
    result = run(sim, {"servicegroupname": "sg", "state": "absent", "keep_bound": True})
    assert result["changed"] is False and result["kept"] == {"sg": ["other"]}, result
    assert "lbvserver(s) other still bind it" in str(result), sorted(result)
    assert group(sim) is not None
