"""Contract: config resources, attribute schema and error envelope (NITRO reference: https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/lb/lbvserver)."""

from __future__ import annotations

import pytest

from tests.sim.conftest import assert_error


# --- lbvserver CRUD ------------------------------------------------------------------------------------------------
def test_lbvserver_add_returns_201_and_get_fills_defaults_as_strings(api):
    body = api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    assert body == {"errorcode": 0, "message": "Done", "severity": "NONE"}
    vs = api.one("lbvserver", "vs1")
    assert vs["port"] == "80" and vs["td"] == "0" and vs["range"] == "1"  # numbers as strings, as an appliance answers
    assert vs["lbmethod"] == "LEASTCONNECTION" and vs["m"] == "IP" and vs["persistencetype"] == "NONE"
    assert vs["timeout"] == "2" and vs["icmpvsrresponse"] == "PASSIVE" and vs["downstateflush"] == "ENABLED"
    assert vs["clttimeout"] == "180"


def test_enum_values_are_case_insensitive_and_stored_canonically(api):
    api.add("lbvserver", name="vs1", servicetype="http", ipv46="127.0.0.10", port=80, lbmethod="roundRobin")
    vs = api.one("lbvserver", "vs1")
    assert (vs["servicetype"], vs["lbmethod"]) == ("HTTP", "ROUNDROBIN")


def test_get_all_and_empty_get_has_no_resource_key(api):
    status, body = api.call("GET", "lbvserver")
    assert status == 200 and "lbvserver" not in body and body["errorcode"] == 0
    api.add("lbvserver", name="a", servicetype="TCP", ipv46="127.0.0.11", port=1)
    api.add("lbvserver", name="b", servicetype="TCP", ipv46="127.0.0.12", port=2)
    assert [v["name"] for v in api.get("lbvserver")] == ["a", "b"]


def test_duplicate_add_is_409_273(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    result = api.call("POST", "lbvserver", {"lbvserver": {"name": "vs1", "servicetype": "TCP"}})
    assert_error(result, 409, 273)
    assert api.one("lbvserver", "vs1")["servicetype"] == "HTTP"


def test_missing_resource_is_404_258(api):
    assert_error(api.call("GET", "lbvserver/nope"), 404, 258)
    assert_error(api.call("PUT", "lbvserver", {"lbvserver": {"name": "nope", "lbmethod": "ROUNDROBIN"}}), 404, 258)
    assert_error(api.call("DELETE", "lbvserver/nope"), 404, 258)


@pytest.mark.parametrize("with_name_in_url", [False, True])
def test_update_with_or_without_name_in_url(api, with_name_in_url):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    path = "lbvserver/vs1" if with_name_in_url else "lbvserver"
    status, body = api.call("PUT", path, {"lbvserver": {"name": "vs1", "lbmethod": "ROUNDROBIN", "comment": "x"}})
    assert status == 200 and body["errorcode"] == 0
    vs = api.one("lbvserver", "vs1")
    assert vs["lbmethod"] == "ROUNDROBIN" and vs["comment"] == "x" and vs["ipv46"] == "127.0.0.10"


def test_update_url_name_only(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    status, _ = api.call("PUT", "lbvserver/vs1", {"lbvserver": {"lbmethod": "ROUNDROBIN"}})
    assert status == 200 and api.one("lbvserver", "vs1")["lbmethod"] == "ROUNDROBIN"


@pytest.mark.parametrize(
    ("res", "seed", "attr", "value"),
    [
        ("lbvserver", {"name": "v", "servicetype": "HTTP", "ipv46": "127.0.0.10", "port": 80}, "servicetype", "TCP"),
        ("lbvserver", {"name": "v", "servicetype": "HTTP", "ipv46": "127.0.0.10", "port": 80}, "port", 81),
        ("lbvserver", {"name": "v", "servicetype": "HTTP", "ipv46": "127.0.0.10", "port": 80}, "td", 1),
        ("service", {"name": "v", "servicetype": "HTTP", "ip": "127.0.0.20", "port": 80}, "servicetype", "TCP"),
        ("service", {"name": "v", "servicetype": "HTTP", "ip": "127.0.0.20", "port": 80}, "port", 81),
        ("service", {"name": "v", "servicetype": "HTTP", "ip": "127.0.0.20", "port": 80}, "servername", "x"),
    ],
)
def test_immutable_attribute_on_update_is_rejected(api, res, seed, attr, value):
    api.add(res, **seed)
    key = "monitorname" if res == "lbmonitor" else "name"
    result = api.call("PUT", res, {res: {key: "v", attr: value}})
    assert_error(result, 400, 1090)
    assert api.one(res, "v").get(attr) != str(value)


def test_lbmonitor_type_identifies_the_monitor_on_update(api):
    """lbmonitor set carries `type` with the name (JAVA-SDK lbmonitor.update): another type finds no monitor."""
    api.add("lbmonitor", monitorname="m", type="HTTP")
    assert_error(
        api.call("PUT", "lbmonitor", {"lbmonitor": {"monitorname": "m", "type": "TCP", "retries": 5}}), 404, 258
    )
    assert api.call("PUT", "lbmonitor", {"lbmonitor": {"monitorname": "m", "type": "HTTP", "retries": 5}})[0] == 200
    mon = api.one("lbmonitor", "m")
    assert (mon["type"], mon["retries"]) == ("HTTP", "5")


def test_unknown_attribute_is_rejected_on_add_and_update(api):
    assert_error(
        api.call("POST", "lbvserver", {"lbvserver": {"name": "v", "servicetype": "HTTP", "bogus": 1}}), 400, 278
    )
    assert api.get("lbvserver") == []
    api.add("lbvserver", name="v", servicetype="HTTP")
    assert_error(api.call("PUT", "lbvserver", {"lbvserver": {"name": "v", "bogus": 1}}), 400, 278)


def test_read_only_attribute_is_rejected(api):
    api.add("lbvserver", name="v", servicetype="HTTP")
    assert_error(api.call("PUT", "lbvserver", {"lbvserver": {"name": "v", "curstate": "UP"}}), 400, 278)
    result = api.call("POST", "service", {"service": {"name": "s", "servicetype": "HTTP", "ip": "127.0.0.2",
                                                      "port": 80, "svrstate": "UP"}})  # fmt: skip
    assert_error(result, 400, 278)


@pytest.mark.parametrize(
    ("attrs", "code"),
    [
        ({"servicetype": "NOPE"}, 1097),
        ({"servicetype": "HTTP", "lbmethod": "FASTEST"}, 1097),
        ({"servicetype": "HTTP", "timeout": 1441}, 1097),  # range 0-1440
        ({"servicetype": "HTTP", "ipv46": "127.0.0.300", "port": 80}, 1097),
        ({"servicetype": "HTTP", "port": 70000, "ipv46": "127.0.0.3"}, 1097),
        ({"servicetype": True}, 1097),
        ({}, 1095),  # servicetype is required
        ({"servicetype": "HTTP", "ipv46": "127.0.0.3"}, 1095),  # an address needs a port
    ],
)
def test_invalid_values_and_missing_arguments(api, attrs, code):
    assert_error(api.call("POST", "lbvserver", {"lbvserver": {"name": "v", **attrs}}), 400, code)
    assert api.get("lbvserver") == []


def test_invalid_name_is_1097(api):
    assert_error(api.call("POST", "lbvserver", {"lbvserver": {"name": "-bad", "servicetype": "HTTP"}}), 400, 1097)
    assert_error(api.call("POST", "lbvserver", {"lbvserver": {"name": "a/b", "servicetype": "HTTP"}}), 400, 1097)


def test_delete_then_gone(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    status, body = api.call("DELETE", "lbvserver/vs1")
    assert status == 200 and body["errorcode"] == 0
    assert_error(api.call("GET", "lbvserver/vs1"), 404, 258)


def test_names_are_double_url_encoded_in_paths(api, sim):
    name = "web vs:80@a=b#1"
    api.add("lbvserver", name=name, servicetype="HTTP")
    double = sim.quote_name(name)
    assert "%25" in double
    status, body = api.call("GET", f"lbvserver/{double}")
    assert status == 200 and body["lbvserver"][0]["name"] == name
    assert api.call("PUT", f"lbvserver/{double}", {"lbvserver": {"name": name, "comment": "c"}})[0] == 200
    assert api.call("DELETE", f"lbvserver/{double}")[0] == 200
    assert api.get("lbvserver") == []


def test_idempotent_add_updates_existing(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80, comment="keep")
    status, body = api.call(
        "POST", "lbvserver", {"lbvserver": {"name": "vs1", "servicetype": "HTTP", "lbmethod": "ROUNDROBIN"}},
        idempotent="yes",
    )  # fmt: skip
    assert status == 200 and body["errorcode"] == 0
    vs = api.one("lbvserver", "vs1")
    assert vs["lbmethod"] == "ROUNDROBIN" and vs["comment"] == "keep"  # existing attributes not unset
    status, _ = api.call("POST", "lbvserver", {"lbvserver": {"name": "vs2", "servicetype": "TCP"}}, idempotent="yes")
    assert status == 201


def test_idempotent_add_of_a_service_repeats_cleanly(api):
    svc = {"name": "svc1", "servicetype": "HTTP", "ip": "127.0.0.20", "port": 80}
    assert api.call("POST", "service", {"service": svc}, idempotent="yes")[0] == 201
    status, body = api.call("POST", "service", {"service": {**svc, "maxclient": 7}}, idempotent="yes")
    assert status == 200, body
    assert api.one("service", "svc1")["maxclient"] == "7"
    moved = {**svc, "port": 81}  # an immutable attribute that differs cannot be applied
    assert_error(api.call("POST", "service", {"service": moved}, idempotent="yes"), 400, 1090)


# --- lbvserver behaviours -------------------------------------------------------------------------------------------
def test_lbvserver_with_ip_creates_vip_nsip(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    vip = api.one("nsip", "127.0.0.10")
    assert vip["type"] == "VIP" and vip["icmpresponse"] == "NONE" and vip["state"] == "ENABLED"
    api.call("DELETE", "lbvserver/vs1")
    assert_error(api.call("GET", "nsip/127.0.0.10"), 404, 258)


@pytest.mark.parametrize("mode", ["MAC", "IPTUNNEL"])
def test_mac_and_iptunnel_need_any_wildcard_or_sessionless(api, mode):
    bad = {"name": "v", "servicetype": "HTTP", "ipv46": "127.0.0.10", "port": 80, "m": mode}
    assert_error(api.call("POST", "lbvserver", {"lbvserver": bad}), 599, 2329)
    api.add("lbvserver", name="any", servicetype="ANY", ipv46="127.0.0.11", port="*", m=mode)
    api.add("lbvserver", name="wild", servicetype="HTTP", ipv46="*", port=80, m=mode)
    api.add("lbvserver", name="sl", servicetype="HTTP", ipv46="127.0.0.12", port=80, m=mode, sessionless="ENABLED")
    api.add("lbvserver", name="ip", servicetype="HTTP", ipv46="127.0.0.13", port=80)
    assert_error(api.call("PUT", "lbvserver", {"lbvserver": {"name": "ip", "m": mode}}), 599, 2329)
    assert api.one("lbvserver", "ip")["m"] == "IP"
    assert api.one("lbvserver", "any")["m"] == mode and api.one("lbvserver", "any")["port"] == "65535"


def test_lbvserver_state_follows_bound_services(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    vs = api.one("lbvserver", "vs1")
    assert (vs["curstate"], vs["effectivestate"], vs["totalservices"], vs["activeservices"]) == (
        "DOWN",
        "DOWN",
        "0",
        "0",
    )
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    api.bind("lbvserver_service_binding", name="vs1", servicename="svc1")
    vs = api.one("lbvserver", "vs1")
    assert (vs["curstate"], vs["health"], vs["activeservices"], vs["totalservices"]) == ("UP", "100", "1", "1")
    api.call("POST", "service", {"service": {"name": "svc1"}}, action="disable")
    vs = api.one("lbvserver", "vs1")
    assert (vs["curstate"], vs["activeservices"], vs["health"]) == ("DOWN", "0", "0")
    assert api.one("service", "svc1")["svrstate"] == "OUT OF SERVICE"


def test_enable_disable_actions(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    status, body = api.call("POST", "lbvserver", {"lbvserver": {"name": "vs1"}}, action="disable")
    assert status == 200 and body["errorcode"] == 0
    vs = api.one("lbvserver", "vs1")
    assert (vs["state"], vs["curstate"]) == ("DISABLED", "OUT OF SERVICE")
    api.call("POST", "lbvserver", {"lbvserver": {"name": "vs1"}}, action="enable")
    assert api.one("lbvserver", "vs1")["state"] == "ENABLED"
    assert_error(api.call("POST", "lbvserver", {"lbvserver": {"name": "zz"}}, action="enable"), 404, 258)


def test_unset_restores_default(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", lbmethod="ROUNDROBIN", comment="c")
    status, _ = api.call("POST", "lbvserver", {"lbvserver": {"name": "vs1", "lbmethod": True, "comment": True}},
                         action="unset")  # fmt: skip
    assert status == 200
    vs = api.one("lbvserver", "vs1")
    assert vs["lbmethod"] == "LEASTCONNECTION" and "comment" not in vs
    assert_error(api.call("POST", "lbvserver", {"lbvserver": {"name": "vs1", "bogus": True}}, action="unset"), 400, 278)


def test_rename_moves_bindings_and_conflict_is_409(api):
    api.lb_setup()
    api.add("lbvserver", name="other", servicetype="HTTP")
    status, _ = api.call("POST", "lbvserver", {"lbvserver": {"name": "vs1", "newname": "vs2"}}, action="rename")
    assert status == 200
    assert_error(api.call("GET", "lbvserver/vs1"), 404, 258)
    assert api.get("lbvserver_service_binding", "vs2")[0]["servicename"] == "svc1"
    result = api.call("POST", "lbvserver", {"lbvserver": {"name": "vs2", "newname": "other"}}, action="rename")
    assert_error(result, 409, 273)


def test_rename_of_a_service_takes_its_vserver_and_monitor_bindings_along(api):
    """NITRO reference, basic/service "rename" (https://developer-docs.netscaler.com/en-us/adc-nitro-api/
    current-release/configuration/basic/service): the bindings belong to the object, not to its name."""
    api.lb_setup()
    api.add("lbmonitor", monitorname="mon1", type="HTTP")
    api.bind("service_lbmonitor_binding", name="svc1", monitor_name="mon1", weight=2)
    api.add("service", name="taken", servicetype="HTTP", ip="127.0.0.21", port=80)
    status, _ = api.call("POST", "service", {"service": {"name": "svc1", "newname": "svc2"}}, action="rename")
    assert status == 200
    assert_error(api.call("GET", "service/svc1"), 404, 344)
    assert [r["servicename"] for r in api.get("lbvserver_service_binding", "vs1")] == ["svc2"]
    monitors = {r["monitor_name"]: r.get("weight") for r in api.get("service_lbmonitor_binding", "svc2")}
    assert monitors.get("mon1") == "2"
    assert api.one("service", "svc2")["port"] == "8080"
    # the new name must be free, the old one must exist, and newname follows the object-name rules
    assert_error(api.call("POST", "service", {"service": {"name": "svc2", "newname": "taken"}}, action="rename"),
                 409, 273)  # fmt: skip
    assert_error(api.call("POST", "service", {"service": {"name": "svc1", "newname": "x"}}, action="rename"), 404, 344)
    assert_error(api.call("POST", "service", {"service": {"name": "svc2"}}, action="rename"), 400, 1095)


def test_two_vservers_cannot_listen_on_one_address_and_port(api):
    """409/273 for a second vserver on an IP:port in use in the same traffic domain, on add and on a change of
    ipv46 (inferred, README "Deliberate choices"); another port, another traffic domain, a UDP type beside a TCP
    one (DNS and DNS_TCP) and non-addressable vservers are fine."""
    api.add("lbvserver", name="a", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    result = api.call("POST", "lbvserver", {"lbvserver": {"name": "b", "servicetype": "TCP", "ipv46": "127.0.0.10",
                                                          "port": 80}})  # fmt: skip
    assert "127.0.0.10:80 is used by lbvserver a" in assert_error(result, 409, 273)["message"]
    api.add("lbvserver", name="b", servicetype="HTTP", ipv46="127.0.0.10", port=8080)
    api.add("lbvserver", name="c", servicetype="HTTP", ipv46="127.0.0.10", port=80, td=1)
    api.add("lbvserver", name="d", servicetype="DNS", ipv46="127.0.0.11", port=53)
    api.add("lbvserver", name="e", servicetype="DNS_TCP", ipv46="127.0.0.11", port=53)
    api.add("lbvserver", name="f", servicetype="HTTP")
    api.add("lbvserver", name="g", servicetype="HTTP")
    api.add("lbvserver", name="h", servicetype="SSL", ipv46="127.0.0.12", port=80)
    assert_error(api.call("PUT", "lbvserver", {"lbvserver": {"name": "h", "ipv46": "127.0.0.10"}}), 409, 273)
    assert api.one("lbvserver", "h")["ipv46"] == "127.0.0.12"


def test_unknown_action_is_rejected(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    assert_error(api.call("POST", "lbvserver", {"lbvserver": {"name": "vs1"}}, action="explode"), 400, 1074)


# --- service and server ---------------------------------------------------------------------------------------------
def test_service_ip_on_add_reads_back_as_ipaddress_and_creates_server(api):
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=8080)
    svc = api.one("service", "svc1")
    assert svc["ipaddress"] == "127.0.0.20" and "ip" not in svc
    assert svc["servername"] == "127.0.0.20" and svc["port"] == "8080"
    assert svc["healthmonitor"] == "YES" and svc["usip"] == "NO" and svc["svrstate"] == "UP"
    server = api.one("server", "127.0.0.20")
    assert server["ipaddress"] == "127.0.0.20" and server["state"] == "ENABLED"


def test_service_reuses_server_with_same_ip(api):
    api.add("server", name="web1", ipaddress="127.0.0.21")
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.21", port=80)
    assert api.one("service", "svc1")["servername"] == "web1"
    assert [s["name"] for s in api.get("server")] == ["web1"]


def test_service_port_star_is_65535(api):
    api.add("service", name="any1", servicetype="ANY", ip="127.0.0.22", port="*")
    assert api.one("service", "any1")["port"] == "65535"


def test_service_ip_and_servername_together_is_1092(api):
    api.add("server", name="web1", ipaddress="127.0.0.21")
    body = {"service": {"name": "s", "servicetype": "HTTP", "ip": "127.0.0.21", "servername": "web1", "port": 80}}
    assert_error(api.call("POST", "service", body), 400, 1092)


def test_service_by_servername(api):
    api.add("server", name="web1", ipaddress="127.0.0.21")
    api.add("service", name="s", servicetype="HTTP", servername="web1", port=80)
    assert api.one("service", "s")["ipaddress"] == "127.0.0.21"
    body = {"service": {"name": "t", "servicetype": "HTTP", "servername": "nosuch", "port": 80}}
    assert_error(api.call("POST", "service", body), 404, 258)


def test_missing_service_is_404_344(api):
    assert_error(api.call("GET", "service/nope"), 404, 344)
    assert_error(api.call("DELETE", "service/nope"), 404, 344)


def test_service_update_takes_ipaddress_not_ip(api):
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    assert_error(api.call("PUT", "service", {"service": {"name": "svc1", "ip": "127.0.0.30"}}), 400, 1090)
    status, _ = api.call("PUT", "service", {"service": {"name": "svc1", "ipaddress": "127.0.0.30", "maxclient": 10}})
    assert status == 200
    svc = api.one("service", "svc1")
    assert (svc["ipaddress"], svc["maxclient"]) == ("127.0.0.30", "10")


def test_service_usip_inherits_global_mode(api):
    api.call("POST", "nsmode", {"nsmode": {"mode": ["USIP"]}}, action="enable")
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    assert api.one("service", "svc1")["usip"] == "YES"


def test_usip_is_read_from_the_global_mode_when_added_and_an_explicit_value_wins(api):
    api.add("service", name="svc_off", servicetype="HTTP", ip="127.0.0.20", port=80)
    api.add("servicegroup", servicegroupname="sg_off", servicetype="HTTP")
    api.call("POST", "nsmode", {"nsmode": {"mode": ["USIP"]}}, action="enable")
    api.add("servicegroup", servicegroupname="sg_on", servicetype="HTTP")
    api.add("servicegroup", servicegroupname="sg_explicit", servicetype="HTTP", usip="NO")
    usip = {name: api.one("servicegroup", name)["usip"] for name in ("sg_off", "sg_on", "sg_explicit")}
    assert usip == {"sg_off": "NO", "sg_on": "YES", "sg_explicit": "NO"}
    # Taken when the object is added: turning the mode on later changes no existing object.
    assert api.one("service", "svc_off")["usip"] == "NO"


def test_server_ipaddress_and_domain_together_is_1092(api):
    body = {"server": {"name": "s", "ipaddress": "127.0.0.5", "domain": "example.invalid"}}
    assert_error(api.call("POST", "server", body), 400, 1092)
    assert_error(api.call("POST", "server", {"server": {"name": "s"}}), 400, 1095)


def test_server_disable_takes_its_services_out_of_service(api):
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    api.call("POST", "server", {"server": {"name": "127.0.0.20"}}, action="disable")
    assert api.one("service", "svc1")["svrstate"] == "OUT OF SERVICE"


def test_server_delete_removes_its_services(api):
    api.lb_setup()
    assert api.call("DELETE", "server/127.0.0.20")[0] == 200
    assert_error(api.call("GET", "service/svc1"), 404, 344)
    status, body = api.call("GET", "lbvserver_service_binding/vs1")
    assert status == 200 and "lbvserver_service_binding" not in body


# --- servicegroup ---------------------------------------------------------------------------------------------------
def test_servicegroup_crud_and_defaults(api):
    api.add("servicegroup", servicegroupname="sg1", servicetype="HTTP")
    sg = api.one("servicegroup", "sg1")
    assert sg["healthmonitor"] == "YES" and sg["state"] == "ENABLED" and sg["autoscale"] == "DISABLED"
    assert sg["servicegroupeffectivestate"] == "DOWN"
    assert api.call("PUT", "servicegroup", {"servicegroup": {"servicegroupname": "sg1", "maxclient": 5}})[0] == 200
    assert api.one("servicegroup", "sg1")["maxclient"] == "5"
    assert_error(api.call("POST", "servicegroup", {"servicegroup": {"servicegroupname": "sg1", "servicetype": "HTTP"}}),
                 409, 273)  # fmt: skip
    assert api.call("DELETE", "servicegroup/sg1")[0] == 200
    assert_error(api.call("GET", "servicegroup/sg1"), 404, 258)


# --- lbmonitor ------------------------------------------------------------------------------------------------------
def test_lbmonitor_defaults(api):
    api.add("lbmonitor", monitorname="m1", type="http")
    mon = api.one("lbmonitor", "m1")
    assert mon["type"] == "HTTP"
    assert (mon["interval"], mon["units3"], mon["resptimeout"], mon["units4"]) == ("5", "SEC", "2", "SEC")
    assert (mon["downtime"], mon["retries"], mon["successretries"], mon["failureretries"]) == ("30", "3", "1", "0")
    assert mon["state"] == "ENABLED" and mon["reverse"] == "NO" and mon["secure"] == "NO"


def test_lbmonitor_interval_60_sec_reads_back_as_1_min(api):
    api.add("lbmonitor", monitorname="m1", type="TCP", interval=60, units3="SEC")
    mon = api.one("lbmonitor", "m1")
    assert (mon["interval"], mon["units3"]) == ("1", "MIN")
    api.call("PUT", "lbmonitor", {"lbmonitor": {"monitorname": "m1", "interval": 120, "units3": "SEC"}})
    mon = api.one("lbmonitor", "m1")
    assert (mon["interval"], mon["units3"]) == ("2", "MIN")
    # The unit is an attribute of its own: an interval sent without units3 keeps the stored unit (MIN here).
    api.call("PUT", "lbmonitor", {"lbmonitor": {"monitorname": "m1", "interval": 3}})
    assert (api.one("lbmonitor", "m1")["interval"], api.one("lbmonitor", "m1")["units3"]) == ("3", "MIN")
    api.call("PUT", "lbmonitor", {"lbmonitor": {"monitorname": "m1", "interval": 90, "units3": "SEC"}})
    assert (api.one("lbmonitor", "m1")["interval"], api.one("lbmonitor", "m1")["units3"]) == ("90", "SEC")


def test_lbmonitor_resptimeout_must_be_below_interval(api):
    body = {"lbmonitor": {"monitorname": "m1", "type": "TCP", "interval": 5, "resptimeout": 5}}
    assert_error(api.call("POST", "lbmonitor", body), 400, 1097)
    api.add("lbmonitor", monitorname="m1", type="TCP", interval=5, resptimeout=4)
    assert_error(api.call("PUT", "lbmonitor", {"lbmonitor": {"monitorname": "m1", "resptimeout": 8}}), 400, 1097)
    api.add("lbmonitor", monitorname="m2", type="TCP", interval=1, units3="MIN", resptimeout=30)  # 30 s < 1 min


def test_lbmonitor_units_without_deviation_is_1093(api):
    body = {"lbmonitor": {"monitorname": "m1", "type": "TCP", "units1": "SEC"}}
    assert_error(api.call("POST", "lbmonitor", body), 400, 1093)


def test_lbmonitor_yes_no_flag_as_boolean_is_1097(api):
    assert_error(api.call("POST", "lbmonitor", {"lbmonitor": {"monitorname": "m", "type": "TCP", "secure": True}}),
                 400, 1097)  # fmt: skip


def test_lbmonitor_delete_needs_type(api):
    api.add("lbmonitor", monitorname="m1", type="TCP")
    assert_error(api.call("DELETE", "lbmonitor/m1"), 400, 1095)
    assert_error(api.call("DELETE", "lbmonitor/m1", args="type:HTTP"), 404, 258)
    assert api.call("DELETE", "lbmonitor/m1", args="type:TCP")[0] == 200
    assert_error(api.call("GET", "lbmonitor/m1"), 404, 258)


def test_builtin_monitors_exist_and_cannot_be_deleted(api):
    names = {m["monitorname"] for m in api.get("lbmonitor")}
    assert {"tcp-default", "ping-default", "http", "tcp", "ping"} <= names
    assert_error(api.call("DELETE", "lbmonitor/tcp-default", args="type:TCP"), 599, 257)


def test_password_attributes_are_not_returned(api):
    api.add("lbmonitor", monitorname="m1", type="LDAP", password="secret")
    assert "password" not in api.one("lbmonitor", "m1")


# --- nsip, nstcpparam, nsmode, nsfeature, nsconfig ------------------------------------------------------------------
def test_nsip_crud_with_td_args(api):
    api.add("nsip", ipaddress="127.0.0.50", netmask="255.255.255.0")
    ip = api.one("nsip", "127.0.0.50", args="td:0")
    assert (
        ip["type"] == "SNIP" and ip["td"] == "0" and ip["arp"] == "ENABLED" and ip["vserverrhilevel"] == "ONE_VSERVER"
    )
    assert api.call("PUT", "nsip", {"nsip": {"ipaddress": "127.0.0.50", "icmp": "DISABLED"}})[0] == 200
    assert api.one("nsip", "127.0.0.50")["icmp"] == "DISABLED"
    assert_error(api.call("PUT", "nsip", {"nsip": {"ipaddress": "127.0.0.50", "type": "VIP"}}), 400, 1090)
    assert api.call("DELETE", "nsip/127.0.0.50", args="td:0")[0] == 200
    assert_error(api.call("GET", "nsip/127.0.0.50"), 404, 258)


def test_nstcpparam_singleton(api):
    status, body = api.call("GET", "nstcpparam")
    assert status == 200 and isinstance(body["nstcpparam"], dict)
    p = body["nstcpparam"]
    assert (p["downstaterst"], p["ws"], p["wsval"], p["sack"], p["initialcwnd"]) == (
        "DISABLED",
        "ENABLED",
        "8",
        "ENABLED",
        "10",
    )
    assert api.call("PUT", "nstcpparam", {"nstcpparam": {"downstaterst": "enabled"}})[0] == 200
    assert api.call("GET", "nstcpparam")[1]["nstcpparam"]["downstaterst"] == "ENABLED"
    assert api.call("POST", "nstcpparam", {"nstcpparam": {"downstaterst": True}}, action="unset")[0] == 200
    assert api.call("GET", "nstcpparam")[1]["nstcpparam"]["downstaterst"] == "DISABLED"
    assert_error(api.call("POST", "nstcpparam", {"nstcpparam": {"ws": "ENABLED"}}), 400, 1074)
    assert_error(api.call("PUT", "nstcpparam", {"nstcpparam": {"downstaterst": "MAYBE"}}), 400, 1097)


def test_nsmode_enable_disable_and_booleans(api):
    modes = api.call("GET", "nsmode")[1]["nsmode"]
    assert modes["usip"] is False and modes["l3"] is True and modes["fr"] is True
    assert api.call("POST", "nsmode", {"nsmode": {"mode": ["usip", "L2"]}}, action="enable")[0] == 200
    modes = api.call("GET", "nsmode")[1]["nsmode"]
    assert modes["usip"] is True and modes["l2"] is True
    assert api.call("POST", "nsmode", {"nsmode": {"mode": ["L2"]}}, action="disable")[0] == 200
    assert api.call("GET", "nsmode")[1]["nsmode"]["l2"] is False
    assert_error(api.call("POST", "nsmode", {"nsmode": {"mode": ["WARP"]}}, action="enable"), 400, 1097)


def test_nsfeature_lb_on(api):
    feat = api.call("GET", "nsfeature")[1]["nsfeature"]
    assert feat["lb"] is True and feat["cs"] is False and feat["feature"] == ["LB"]
    api.call("POST", "nsfeature", {"nsfeature": {"feature": ["CS"]}}, action="enable")
    assert api.call("GET", "nsfeature")[1]["nsfeature"]["cs"] is True


def test_nsconfig_save_clears_unsaved_changes(api):
    assert api.call("GET", "nsconfig")[1]["nsconfig"]["configchanged"] is False
    api.add("server", name="s1", ipaddress="127.0.0.5")
    assert api.call("GET", "nsconfig")[1]["nsconfig"]["configchanged"] is True
    status, body = api.call("POST", "nsconfig", {"nsconfig": {}}, action="save")
    assert status == 200 and body["errorcode"] == 0
    cfg = api.call("GET", "nsconfig")[1]["nsconfig"]
    assert cfg["configchanged"] is False and cfg["lastconfigsavetime"]


def test_failed_write_does_not_mark_config_changed(api):
    assert_error(api.call("POST", "server", {"server": {"name": "s1"}}), 400, 1095)
    assert api.call("GET", "nsconfig")[1]["nsconfig"]["configchanged"] is False


# --- GET query parameters -------------------------------------------------------------------------------------------
def _three_vservers(api):
    api.add("lbvserver", name="a", servicetype="HTTP", ipv46="127.0.0.11", port=80)
    api.add("lbvserver", name="b", servicetype="SSL", ipv46="127.0.0.12", port=443)
    api.add("lbvserver", name="c", servicetype="HTTP", ipv46="127.0.0.13", port=80)


def test_get_attrs(api):
    _three_vservers(api)
    assert api.get("lbvserver", attrs="name,port") == [
        {"name": "a", "port": "80"}, {"name": "b", "port": "443"}, {"name": "c", "port": "80"},
    ]  # fmt: skip


def test_get_filter_case_insensitive(api):
    _three_vservers(api)
    assert [v["name"] for v in api.get("lbvserver", filter="servicetype:ssl")] == ["b"]
    assert [v["name"] for v in api.get("lbvserver", filter="servicetype:HTTP,port:80")] == ["a", "c"]
    status, body = api.call("GET", "lbvserver", filter="servicetype:DNS")
    assert status == 200 and "lbvserver" not in body


def test_get_args(api):
    api.add("nsip", ipaddress="127.0.0.50", netmask="255.255.255.0")
    assert [i["ipaddress"] for i in api.get("nsip", args="ipaddress:127.0.0.50,td:0")] == ["127.0.0.50"]


def test_get_count(api):
    _three_vservers(api)
    status, body = api.call("GET", "lbvserver", count="yes")
    assert status == 200 and body["lbvserver"] == [{"__count": 3}]
    assert api.call("GET", "lbvserver", count="yes", filter="servicetype:HTTP")[1]["lbvserver"] == [{"__count": 2}]
    assert api.call("GET", "servicegroup", count="yes")[1]["servicegroup"] == [{"__count": 0}]


def test_get_pagesize_pageno(api):
    _three_vservers(api)
    assert [v["name"] for v in api.get("lbvserver", pagesize=2, pageno=1)] == ["a", "b"]
    assert [v["name"] for v in api.get("lbvserver", pagesize=2, pageno=2)] == ["c"]
    assert_error(api.call("GET", "lbvserver", pagesize=0), 400, 1097)


def test_form_encoded_object_body_is_accepted(sim, api):
    import json

    import requests

    data = {"object": json.dumps({"server": {"name": "s1", "ipaddress": "127.0.0.5"}})}
    resp = requests.post(sim.url + "/nitro/v1/config/server", data=data, auth=(sim.user, sim.password))
    assert resp.status_code == 201
    assert api.one("server", "s1")["ipaddress"] == "127.0.0.5"
