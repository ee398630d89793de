"""adcops.netscaler.ns_ip_icmp against the NITRO simulator over HTTP, run the way Ansible runs a module."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.runner import connection, run_module

VIP = "127.61.0.10"


def nitro(sim: Any, method: str, resource: str, body: dict | None = None, params: dict | None = None) -> dict:
    status, data = sim.nitro(method, resource, body=body, params=params)
    assert status < 300, (status, data)
    return data


def add_vserver(sim: Any, name: str, ip: str = VIP, port: int = 80) -> None:
    nitro(sim, "POST", "lbvserver", {"lbvserver": {"name": name, "servicetype": "HTTP", "ipv46": ip, "port": port}})


def nsip(sim: Any, ip: str = VIP) -> dict:
    return nitro(sim, "GET", f"nsip/{ip}")["nsip"][0]


def only_reads(sim: Any) -> None:
    assert sim.writes() == []
    for req in sim.requests():
        assert req["method"] == "GET" or req["path"].endswith(("/login", "/logout")), req


def test_sets_icmpresponse_on_vserver_vip_then_idempotent(sim: Any) -> None:
    add_vserver(sim, "web")
    assert nsip(sim)["icmpresponse"] == "NONE"  # documented default (configure-icmp-responses-for-virtual-servers)
    sim.clear_requests()

    res = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": VIP, "icmpresponse": "VSVR_CNTRLD"})
    assert res["changed"] is True, res
    assert res["changed_keys"] == ["icmpresponse"]
    assert res["created"] is False
    assert res["nsip"]["icmpresponse"] == "VSVR_CNTRLD"
    assert [vs["name"] for vs in res["lbvservers"]] == ["web"]
    assert res["lbvservers"][0]["ipv46"] == VIP
    writes = sim.writes()
    assert [(w["method"], w["path"]) for w in writes] == [("PUT", "/nitro/v1/config/nsip")]
    assert writes[0]["body"] == {"nsip": {"ipaddress": VIP, "icmpresponse": "VSVR_CNTRLD"}}
    # one filtered GET for the vservers on the IP
    vs_gets = [r for r in sim.requests() if r["method"] == "GET" and r["path"].endswith("/lbvserver")]
    assert len(vs_gets) == 1 and vs_gets[0]["query"]["filter"] == f"ipv46:{VIP}"
    assert nsip(sim)["icmpresponse"] == "VSVR_CNTRLD"

    sim.clear_requests()
    again = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": VIP, "icmpresponse": "VSVR_CNTRLD"})
    assert again["changed"] is False, again
    assert again["changed_keys"] == []
    only_reads(sim)


def test_update_several_and_diff(sim: Any) -> None:
    add_vserver(sim, "web")
    sim.clear_requests()
    args = {
        **connection(sim),
        "ipaddress": VIP,
        "icmp": "ENABLED",
        "arpresponse": "ONE_VSERVER",
        "vserverrhilevel": "NONE",
        "icmpresponse": "ONE_VSERVER",
    }
    res = run_module("ns_ip_icmp", args, diff=True)
    assert res["changed"] is True
    assert sorted(res["changed_keys"]) == ["arpresponse", "icmpresponse", "vserverrhilevel"]
    assert res["diff"]["before"] == {
        "ipaddress": VIP,
        "icmp": "ENABLED",
        "arpresponse": "NONE",
        "vserverrhilevel": "ONE_VSERVER",
        "icmpresponse": "NONE",
    }
    assert res["diff"]["after"] == {
        "ipaddress": VIP,
        "icmp": "ENABLED",
        "arpresponse": "ONE_VSERVER",
        "vserverrhilevel": "NONE",
        "icmpresponse": "ONE_VSERVER",
    }
    shown = nsip(sim)
    assert (shown["arpresponse"], shown["vserverrhilevel"], shown["icmpresponse"]) == (
        "ONE_VSERVER",
        "NONE",
        "ONE_VSERVER",
    )
    # the PUT carried only what differed (icmp was already ENABLED)
    (put,) = sim.writes()
    assert "icmp" not in put["body"]["nsip"]


def test_check_mode_sends_no_write(sim: Any) -> None:
    add_vserver(sim, "web")
    sim.clear_requests()
    res = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": VIP, "icmp": "DISABLED"}, check=True, diff=True)
    assert res["changed"] is True
    assert res["nsip"]["icmp"] == "DISABLED"  # what it would show
    assert res["diff"]["after"]["icmp"] == "DISABLED"
    only_reads(sim)
    assert nsip(sim)["icmp"] == "ENABLED"


def test_missing_ip_fails_clearly_without_writes(sim: Any) -> None:
    sim.clear_requests()
    res = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": "127.61.0.99", "icmpresponse": "VSVR_CNTRLD"})
    assert res.get("failed") is True
    assert "127.61.0.99 is not a NetScaler-owned IP" in res["msg"]
    assert "create: true" in res["msg"]
    only_reads(sim)


def test_create_vip_then_idempotent_and_check_mode(sim: Any) -> None:
    ip = "127.61.0.20"
    args = {**connection(sim), "ipaddress": ip, "create": True, "netmask": "255.255.255.255", "icmp": "DISABLED"}
    sim.clear_requests()
    dry = run_module("ns_ip_icmp", args, check=True)
    assert dry["changed"] is True and dry["created"] is True
    only_reads(sim)
    assert ip not in [n["ipaddress"] for n in nitro(sim, "GET", "nsip").get("nsip", [])]

    sim.clear_requests()
    res = run_module("ns_ip_icmp", args)
    assert res["changed"] is True and res["created"] is True
    assert [(w["method"], w["path"]) for w in sim.writes()] == [("POST", "/nitro/v1/config/nsip")]
    shown = nsip(sim, ip)
    assert (shown["type"], shown["netmask"], shown["icmp"]) == ("VIP", "255.255.255.255", "DISABLED")
    assert res["nsip"]["type"] == "VIP"
    assert res["lbvservers"] == []

    sim.clear_requests()
    again = run_module("ns_ip_icmp", args)
    assert again["changed"] is False and again["created"] is False
    only_reads(sim)


def test_shared_vip_lists_every_vserver(sim: Any) -> None:
    add_vserver(sim, "web", port=80)
    add_vserver(sim, "web-tls", port=443)
    add_vserver(sim, "elsewhere", ip="127.61.0.11", port=80)
    res = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": VIP})
    assert res["changed"] is False
    assert sorted(vs["name"] for vs in res["lbvservers"]) == ["web", "web-tls"]
    for vs in res["lbvservers"]:
        assert {"name", "ipv46", "port", "curstate", "icmpvsrresponse"} <= set(vs)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"ipaddress": "10.0.0.300"}, "ipaddress: '10.0.0.300' is not a valid IPv4 or IPv6 address"),
        ({"ipaddress": VIP, "td": 5000}, "td: 5000 is out of range; allowed: 0 to 4094"),
        ({"ipaddress": VIP, "create": True}, "netmask: required when create is true"),
        ({"ipaddress": VIP, "create": True, "netmask": "255.0.255.1"}, "netmask: '255.0.255.1' is not a valid"),
        ({"ipaddress": VIP, "icmpresponse": "SOMETIMES"}, "icmpresponse must be one of"),
        ({"ipaddress": VIP, "arpresponse": "VSVR_CNTRLD"}, "arpresponse must be one of"),
    ],
)
def test_validation_errors_send_nothing(sim: Any, args: dict, message: str) -> None:
    sim.clear_requests()
    res = run_module("ns_ip_icmp", {**connection(sim), **args})
    assert res.get("failed") is True, res
    assert message in res["msg"], res["msg"]
    assert sim.requests() == []


def test_nitro_error_is_passed_through(sim: Any) -> None:
    add_vserver(sim, "web")
    sim.fault(
        "status",
        method="PUT",
        path="/nitro/v1/config/nsip",
        status=599,
        errorcode=1097,
        message="Invalid argument value [icmpresponse]",
    )
    res = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": VIP, "icmpresponse": "ALL_VSERVERS"})
    assert res.get("failed") is True
    assert res["nitro_error"]["errorcode"] == 1097
    assert res["nitro_error"]["http_status"] == 599
    assert "Invalid argument value" in res["msg"]
    assert nsip(sim)["icmpresponse"] == "NONE"


def test_expected_lbvservers_warns_about_shared_vip(sim: Any) -> None:
    add_vserver(sim, "web", port=80)
    add_vserver(sim, "legacy", port=8080)
    res = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": VIP, "expected_lbvservers": ["web"]})
    assert res["changed"] is False
    assert res["unexpected_lbvservers"] == ["legacy"]
    assert "shared with lbvservers not in the expected list: legacy" in str(res.get("warnings"))
    quiet = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": VIP, "expected_lbvservers": ["web", "legacy"]})
    assert quiet["unexpected_lbvservers"] == []
    assert not quiet.get("warnings")


def test_icmp_answer_follows_vserver_control(sim: Any) -> None:
    add_vserver(sim, "web")
    nitro(sim, "PUT", "lbvserver", {"lbvserver": {"name": "web", "icmpvsrresponse": "ACTIVE"}})
    # a vserver without services is DOWN
    default = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": VIP})
    assert default["icmp_answer"]["answers"] is True  # icmpresponse NONE: always
    assert default["lbvservers"][0]["curstate"] == "DOWN"
    assert sim.vip(VIP)["answers_icmp"] is True
    quiet = run_module("ns_ip_icmp", {**connection(sim), "ipaddress": VIP, "icmpresponse": "VSVR_CNTRLD"})
    assert quiet["icmp_answer"]["answers"] is False
    assert sim.vip(VIP)["answers_icmp"] is False  # the simulator's behaviour engine agrees
