"""adcops.netscaler.lb_vserver against the NITRO simulator over HTTP, run the way Ansible runs a module."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.runner import connection, recap, run_module, run_playbook

CONFIG = "/nitro/v1/config/"
VS = {"name": "vs-web", "ipv46": "127.0.50.1", "port": 80, "servicetype": "HTTP"}


def only_reads(sim: Any) -> None:
    requests = sim.requests()
    assert requests, "the module sent no request at all"
    for request in requests:
        assert request["method"] == "GET" or request["path"] in (CONFIG + "login", CONFIG + "logout"), request
    assert sim.writes() == []


def run(sim: Any, args: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return run_module("lb_vserver", {**connection(sim), **args}, **kwargs)


def vserver(sim: Any, name: str = "vs-web") -> dict[str, Any] | None:
    status, body = sim.nitro("GET", f"lbvserver/{name}")
    return body["lbvserver"][0] if status == 200 else None


def bound(sim: Any, name: str = "vs-web") -> dict[str, str]:
    status, body = sim.nitro("GET", f"lbvserver_service_binding/{name}")
    assert status == 200, body
    return {row["servicename"]: row["weight"] for row in body.get("lbvserver_service_binding", [])}


def services(sim: Any, count: int, prefix: str = "web") -> list[str]:
    names = [f"{prefix}-{i:02d}" for i in range(1, count + 1)]
    result = run_module(
        "lb_service",
        {
            **connection(sim),
            "servicetype": "HTTP",
            "port": 80,
            "services": [{"name": n, "ip": f"127.0.51.{i}"} for i, n in enumerate(names, 1)],
        },
    )
    assert result["changed"] is True, result
    return names


def test_create_rerun_update(sim: Any) -> None:
    services(sim, 3)
    args = {**VS, "lbmethod": "ROUNDROBIN", "services": ["web-01", {"name": "web-02", "weight": 3}]}
    sim.clear_requests()
    created = run(sim, args, diff=True)
    assert created["changed"] is True, created
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"]["services"] == [{"name": "web-01"}, {"name": "web-02", "weight": 3}]
    assert created["lbvserver"]["ipv46"] == "127.0.50.1" and created["lbvserver"]["curstate"]
    assert {r["servicename"] for r in created["bindings"]["services"]} == {"web-01", "web-02"}
    assert bound(sim) == {"web-01": "1", "web-02": "3"}
    assert vserver(sim)["lbmethod"] == "ROUNDROBIN"
    # add, one bulk bind
    assert [(w["method"], w["path"].rsplit("/", 1)[-1]) for w in sim.writes()] == [
        ("POST", "lbvserver"),
        ("PUT", "lbvserver_service_binding"),
    ]

    sim.clear_requests()
    again = run(sim, args)
    assert again["changed"] is False
    only_reads(sim)
    # GET lbvserver and one GET of every binding (plus login/logout)
    assert len(sim.requests()) == 4

    # update an attribute, swap a member, change a weight: one PUT, one bulk unbind, one bulk bind
    sim.clear_requests()
    args = {**VS, "lbmethod": "LEASTCONNECTION", "services": [{"name": "web-02", "weight": 5}, "web-03"]}
    updated = run(sim, args, diff=True)
    assert updated["changed"] is True
    assert updated["diff"]["before"]["lbmethod"] == "ROUNDROBIN"
    assert updated["diff"]["after"]["lbmethod"] == "LEASTCONNECTION"
    assert updated["diff"]["before"]["services"] == [{"name": "web-01", "weight": 1}, {"name": "web-02", "weight": 3}]
    assert bound(sim) == {"web-02": "5", "web-03": "1"}
    assert sorted((w["method"], w["query"].get("action") or "") for w in sim.writes()) == [
        ("POST", "unbind"),
        ("PUT", ""),
        ("PUT", ""),
    ]


def test_purge_false_and_omitted_bindings(sim: Any) -> None:
    services(sim, 3)
    run(sim, {**VS, "services": ["web-01", "web-02"]})
    result = run(sim, {"name": "vs-web", "services": ["web-03"], "purge_services": False})
    assert result["changed"] is True
    assert bound(sim) == {"web-01": "1", "web-02": "1", "web-03": "1"}
    sim.clear_requests()
    # bindings omitted: left alone
    assert run(sim, {"name": "vs-web", "lbmethod": "LEASTCONNECTION"})["changed"] is False
    only_reads(sim)
    assert run(sim, {"name": "vs-web", "services": []})["changed"] is True
    assert bound(sim) == {}


def test_servicegroups(sim: Any) -> None:
    for group in ("sg-a", "sg-b"):
        body = {"servicegroup": {"servicegroupname": group, "servicetype": "HTTP"}}
        assert sim.nitro("POST", "servicegroup", body)[0] == 201
    # a service group binding takes no weight (NITRO 1093 "[weight, serviceName]"): refused before any request
    sim.clear_requests()
    refused = run(sim, {**VS, "servicegroups": ["sg-a", {"name": "sg-b", "weight": 4}]})
    assert refused["failed"] is True and refused["msg"].startswith("servicegroups[1].weight: NetScaler takes no weight")
    assert sim.requests() == []
    run(sim, {**VS, "servicegroups": ["sg-a", {"name": "sg-b", "order": 4}]})
    rows = sim.nitro("GET", "lbvserver_servicegroup_binding/vs-web")[1]["lbvserver_servicegroup_binding"]
    assert {(r["servicegroupname"], r.get("order"), r.get("weight")) for r in rows} == {
        ("sg-a", None, None),
        ("sg-b", "4", None),
    }
    sim.clear_requests()
    assert run(sim, {**VS, "servicegroups": ["sg-a", {"name": "sg-b", "order": 4}]})["changed"] is False
    only_reads(sim)
    assert run(sim, {"name": "vs-web", "servicegroups": ["sg-b"]})["changed"] is True
    rows = sim.nitro("GET", "lbvserver_servicegroup_binding/vs-web")[1]["lbvserver_servicegroup_binding"]
    assert [r["servicegroupname"] for r in rows] == ["sg-b"]


def test_check_mode_sends_no_write(sim: Any) -> None:
    services(sim, 2)
    sim.clear_requests()
    result = run(sim, {**VS, "services": ["web-01"]}, check=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["services"] == [{"name": "web-01"}]
    only_reads(sim)
    assert vserver(sim) is None

    run(sim, {**VS, "services": ["web-01"]})
    sim.clear_requests()
    result = run(sim, {"name": "vs-web", "state": "disabled", "services": ["web-02"]}, check=True)
    assert result["changed"] is True
    assert [r["servicename"] for r in result["bindings"]["services"]] == ["web-02"]
    only_reads(sim)
    assert bound(sim) == {"web-01": "1"}


def test_existing_vserver_by_name_returns_ipv46(sim: Any) -> None:
    """quiet_vip calls lb_vserver with just name + icmpvsrresponse and reads ipv46 back."""
    run(sim, VS)
    result = run(sim, {"name": "vs-web", "icmpvsrresponse": "ACTIVE"}, diff=True)
    assert result["changed"] is True
    assert result["lbvserver"]["ipv46"] == "127.0.50.1"
    assert result["lbvserver"]["icmpvsrresponse"] == "ACTIVE"
    assert result["diff"]["before"]["icmpvsrresponse"] == "PASSIVE"
    sim.clear_requests()
    again = run(sim, {"name": "vs-web", "icmpvsrresponse": "ACTIVE"}, check=True)
    assert again["changed"] is False and again["lbvserver"]["ipv46"] == "127.0.50.1"
    only_reads(sim)

    sim.clear_requests()
    missing = run(sim, {"name": "vs-nope", "icmpvsrresponse": "ACTIVE"})
    assert missing["failed"] is True
    assert missing["msg"] == (
        "lbvserver vs-nope does not exist. This task gives only name, icmpvsrresponse, so it changes an existing "
        "vserver and never creates one; check the name (to create the vserver, give servicetype, and ipv46 and port "
        "for an addressable one)"
    )
    assert sim.writes() == []


def test_enable_disable_idempotent(sim: Any) -> None:
    created = run(sim, {**VS, "state": "disabled"})
    assert created["changed"] is True
    assert vserver(sim)["curstate"] == "OUT OF SERVICE"
    sim.clear_requests()
    assert run(sim, {"name": "vs-web", "state": "disabled"})["changed"] is False
    only_reads(sim)
    enabled = run(sim, {"name": "vs-web", "state": "enabled"}, diff=True)
    assert enabled["changed"] is True
    assert enabled["diff"]["before"]["state"] == "disabled" and enabled["diff"]["after"]["state"] == "enabled"
    assert vserver(sim)["curstate"] != "OUT OF SERVICE"
    sim.clear_requests()
    assert run(sim, {"name": "vs-web", "state": "enabled"})["changed"] is False
    only_reads(sim)


def test_absent(sim: Any) -> None:
    services(sim, 1)
    run(sim, {**VS, "services": ["web-01"]})
    gone = run(sim, {"name": "vs-web", "state": "absent"}, diff=True)
    assert gone["changed"] is True and gone["diff"]["after"] == {}
    assert vserver(sim) is None
    assert "127.0.50.1" not in sim.state().get("nsip", {})
    sim.clear_requests()
    assert run(sim, {"name": "vs-web", "state": "absent"})["changed"] is False
    only_reads(sim)


def test_immutable_and_recreate(sim: Any) -> None:
    services(sim, 2)
    run(sim, {**VS, "lbmethod": "ROUNDROBIN", "services": ["web-01", {"name": "web-02", "weight": 9}]})
    sim.clear_requests()
    refused = run(sim, {"name": "vs-web", "port": 8080})
    assert refused["failed"] is True
    assert "port (current '80', wanted 8080)" in refused["msg"] and "recreate" in refused["msg"]
    assert sim.writes() == []

    sim.clear_requests()
    predicted = run(sim, {"name": "vs-web", "port": 8080, "recreate": True}, check=True)
    assert predicted["changed"] is True and predicted["recreate_mode"] == "make-before-break"
    assert predicted["recreated"] == ["vs-web"]
    only_reads(sim)

    sim.clear_requests()
    result = run(sim, {"name": "vs-web", "port": 8080, "recreate": True}, diff=True)
    assert result["changed"] is True and result["recreated"] == ["vs-web"]
    have = vserver(sim)
    assert have["port"] == "8080" and have["ipv46"] == "127.0.50.1" and have["lbmethod"] == "ROUNDROBIN"
    assert bound(sim) == {"web-01": "1", "web-02": "9"}
    # another port on the same address: make-before-break. The replacement is added and bound beside the original,
    # then the original deleted and the replacement renamed; the VIP is never without a vserver.
    assert result["recreate_mode"] == "make-before-break"
    assert write_steps(sim) == [
        ("POST", "lbvserver", None, "vs-web-recreate"),
        ("PUT", "lbvserver_service_binding", None, "vs-web-recreate"),
        ("DELETE", "lbvserver/vs-web", None, None),
        ("POST", "lbvserver", "rename", "vs-web-recreate"),
    ]
    sim.clear_requests()
    assert run(sim, {"name": "vs-web", "port": 8080, "recreate": True})["changed"] is False
    only_reads(sim)

    # another service type on the same address and port: NetScaler cannot hold both, so delete first
    sim.clear_requests()
    result = run(sim, {"name": "vs-web", "servicetype": "TCP", "recreate": True})
    assert result["changed"] is True and result["recreate_mode"] == "delete-first"
    assert vserver(sim)["servicetype"] == "TCP" and bound(sim) == {"web-01": "1", "web-02": "9"}
    assert write_steps(sim) == [
        ("DELETE", "lbvserver/vs-web", None, None),
        ("POST", "lbvserver", None, "vs-web"),
        ("PUT", "lbvserver_service_binding", None, "vs-web"),
    ]


def write_steps(sim: Any) -> list[tuple[str, str, str | None, str | None]]:
    """Each write as (method, path after config/, action, the first object's name)."""
    steps = []
    for write in sim.writes():
        body = next(iter((write.get("body") or {}).values()), None)
        first = body[0] if isinstance(body, list) else body
        steps.append(
            (
                write["method"],
                write["path"].removeprefix(CONFIG),
                write["query"].get("action"),
                first.get("name") if isinstance(first, dict) else None,
            )
        )
    return steps


def test_mac_mode_rule_2329(sim: Any) -> None:
    sim.clear_requests()
    refused = run(sim, {**VS, "m": "MAC", "sessionless": "DISABLED"})
    assert refused["failed"] is True and "2329" in refused["msg"] and "servicetype 'HTTP'" in refused["msg"]
    assert sim.requests() == []
    # Not settled by the options alone: checked after the GET, before any write.
    run(sim, VS)
    sim.clear_requests()
    refused = run(sim, {"name": "vs-web", "m": "MAC"})
    assert refused["failed"] is True and "2329" in refused["msg"]
    assert sim.writes() == []
    dsr = {"name": "vs-dsr", "ipv46": "127.0.50.2", "port": "*", "servicetype": "ANY", "m": "MAC"}
    created = run(sim, dsr)
    assert created["changed"] is True, created
    assert vserver(sim, "vs-dsr")["m"] == "MAC" and vserver(sim, "vs-dsr")["port"] == "65535"
    sim.clear_requests()
    assert run(sim, dsr)["changed"] is False
    only_reads(sim)


def test_bulk_bind_100_services_constant_requests(sim: Any) -> None:
    names = services(sim, 100)
    sim.clear_requests()
    result = run(sim, {**VS, "services": names})
    assert result["changed"] is True and len(result["bindings"]["services"]) == 100
    # login, GET vs, add, bulk bind, GET vs, GET bindings, logout
    assert len(sim.requests()) <= 7
    sim.clear_requests()
    result = run(sim, {**VS, "services": names[50:]})
    assert len(bound(sim)) == 50
    assert len(sim.requests()) <= 8


def test_nitro_error_passthrough(sim: Any) -> None:
    services(sim, 1)
    run(sim, VS)
    sim.fault("bulk_fail", method="PUT", path=CONFIG + "lbvserver_service_binding", at_item=0, errorcode=434)
    result = run(sim, {"name": "vs-web", "services": ["web-01"]})
    assert result["failed"] is True
    assert result["nitro_error"]["errorcode"] == 434
    assert bound(sim) == {}
    # A member that does not exist: NITRO's own error comes back.
    result = run(sim, {"name": "vs-web", "services": ["no-such-service"]})
    assert result["failed"] is True and result["nitro_error"]["errorcode"] in (258, 344)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({**VS, "port": 65536}, "port: 65536 is not a valid port"),
        ({**VS, "ipv46": "1.2.3"}, "ipv46: '1.2.3' is not a valid IP address"),
        ({**VS, "ipv46": "fe80::zz"}, "ipv46: 'fe80::zz' is not a valid IP address"),
        ({**VS, "servicetype": "GOPHER"}, "servicetype: 'GOPHER' is not an lbvserver service type"),
        ({**VS, "timeout": 2000}, "timeout: 2000 is out of range"),
        ({**VS, "services": [{"name": "a", "weight": 101}]}, "services[0].weight: 101 is out of range"),
        ({**VS, "services": ["a", "a"]}, "services: 'a' is listed more than once"),
        ({**VS, "services": [{"name": "a", "prio": 1}]}, "services[0]: unknown key(s) prio"),
        ({**VS, "servicetype": "TCP", "m": "IPTUNNEL", "sessionless": "DISABLED"}, "NITRO error 2329"),
        ({**VS, "lbmethod": "FASTEST"}, "lbmethod"),
    ],
)
def test_validation_fails_before_any_request(sim: Any, args: dict[str, Any], fragment: str) -> None:
    sim.clear_requests()
    result = run(sim, args)
    assert result["failed"] is True
    assert fragment in result["msg"], result["msg"]
    assert sim.requests() == []


def test_playbook_with_module_defaults_group(sim: Any, tmp_path: Any) -> None:
    """Real ansible-playbook: group/adcops.netscaler.nitro defaults, a pool, a vserver, a re-run with no change."""
    playbook = tmp_path / "pool.yml"
    playbook.write_text(
        """
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/adcops.netscaler.nitro:
      nsip: "{{ nsip }}"
      nitro_user: "{{ user }}"
      nitro_pass: "{{ password }}"
      nitro_protocol: http
  tasks:
    - name: Pool
      adcops.netscaler.lb_service:
        servicetype: HTTP
        port: 80
        services:
          - {name: pb-01, ip: 127.0.52.1}
          - {name: pb-02, ip: 127.0.52.2}
    - name: VIP
      adcops.netscaler.lb_vserver:
        name: vs-pb
        ipv46: 127.0.52.100
        port: 80
        servicetype: HTTP
        services: [pb-01, pb-02]
      register: vs
    - name: VIP address comes back
      ansible.builtin.assert:
        that: vs.lbvserver.ipv46 == '127.0.52.100'
"""
    )
    extra = {"nsip": sim.nsip, "user": sim.user, "password": sim.password}
    first = run_playbook(playbook, extra_vars=extra)
    assert first.returncode == 0, first.stdout + first.stderr
    assert recap(first.stdout)["changed"] == 2
    assert bound(sim, "vs-pb") == {"pb-01": "1", "pb-02": "1"}
    sim.clear_requests()
    second = run_playbook(playbook, extra_vars=extra)
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap(second.stdout)["changed"] == 0
    only_reads(sim)
