"""Contract: bindings and default monitors (https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/lb/lbvserver_service_binding)."""

from __future__ import annotations

import pytest

from tests.sim.conftest import assert_error


def _empty(api, path):
    status, body = api.call("GET", path)
    assert status == 200 and body["errorcode"] == 0
    return set(body) == {"errorcode", "message", "severity"}


# --- lbvserver_service_binding ------------------------------------------------------------------------------------
def test_bind_service_to_vserver_and_read_back(api):
    api.lb_setup()
    rows = api.get("lbvserver_service_binding", "vs1")
    assert len(rows) == 1
    row = rows[0]
    assert (row["name"], row["servicename"], row["weight"]) == ("vs1", "svc1", "1")
    assert (row["ipv46"], row["port"], row["servicetype"], row["curstate"]) == ("127.0.0.20", "8080", "HTTP", "UP")
    assert (row["vsvrbindsvcip"], row["vsvrbindsvcport"]) == ("127.0.0.20", "8080")


def test_bind_with_weight_and_name_in_url(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    status, _ = api.call("PUT", "lbvserver_service_binding/vs1",
                         {"lbvserver_service_binding": {"servicename": "svc1", "weight": 40}})  # fmt: skip
    assert status == 200
    assert api.get("lbvserver_service_binding", "vs1")[0]["weight"] == "40"


def test_duplicate_binding_is_409_273(api):
    api.lb_setup()
    body = {"lbvserver_service_binding": {"name": "vs1", "servicename": "svc1"}}
    assert_error(api.call("PUT", "lbvserver_service_binding", body), 409, 273)
    assert len(api.get("lbvserver_service_binding", "vs1")) == 1


def test_bind_to_missing_vserver_or_service(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    missing_vs = {"lbvserver_service_binding": {"name": "nope", "servicename": "svc1"}}
    assert_error(api.call("PUT", "lbvserver_service_binding", missing_vs), 404, 258)
    missing_svc = {"lbvserver_service_binding": {"name": "vs1", "servicename": "nope"}}
    assert_error(api.call("PUT", "lbvserver_service_binding", missing_svc), 404, 344)
    assert _empty(api, "lbvserver_service_binding/vs1")


def test_binding_weight_out_of_range_is_1097(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    body = {"lbvserver_service_binding": {"name": "vs1", "servicename": "svc1", "weight": 101}}
    assert_error(api.call("PUT", "lbvserver_service_binding", body), 400, 1097)


def test_binding_get_of_parent_without_members_has_no_key(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    assert _empty(api, "lbvserver_service_binding/vs1")
    assert_error(api.call("GET", "lbvserver_service_binding/nope"), 404, 258)


def test_unbind_with_args(api):
    api.lb_setup()
    status, body = api.call("DELETE", "lbvserver_service_binding/vs1", args="servicename:svc1")
    assert status == 200 and body["errorcode"] == 0
    assert _empty(api, "lbvserver_service_binding/vs1")
    assert api.one("service", "svc1")["name"] == "svc1"  # unbinding keeps the service


def test_unbind_of_missing_member_is_599_1303(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    assert_error(api.call("DELETE", "lbvserver_service_binding/vs1", args="servicename:svc1"), 599, 1303)
    assert_error(api.call("DELETE", "lbvserver_service_binding/vs1"), 400, 1095)


# POST on a binding binds, as the official collection's standalone binding modules send it (create_resource),
# with the same answers as PUT.
def test_post_on_binding_binds(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    body = {"lbvserver_service_binding": {"name": "vs1", "servicename": "svc1", "weight": 7}}
    status, answer = api.call("POST", "lbvserver_service_binding", body)
    assert (status, answer["errorcode"]) == (201, 0), answer
    rows = api.get("lbvserver_service_binding", "vs1")
    assert [(r["servicename"], r["weight"]) for r in rows] == [("svc1", "7")]


def test_post_duplicate_binding_is_409_273_like_put(api):
    api.lb_setup()
    body = {"lbvserver_service_binding": {"name": "vs1", "servicename": "svc1"}}
    assert_error(api.call("POST", "lbvserver_service_binding", body), 409, 273)
    assert len(api.get("lbvserver_service_binding", "vs1")) == 1


def test_post_binding_to_missing_parent_or_member_like_put(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    for method in ("POST", "PUT"):
        missing_vs = {"lbvserver_service_binding": {"name": "nope", "servicename": "svc1"}}
        assert_error(api.call(method, "lbvserver_service_binding", missing_vs), 404, 258)
        missing_svc = {"lbvserver_service_binding": {"name": "vs1", "servicename": "nope"}}
        assert_error(api.call(method, "lbvserver_service_binding", missing_svc), 404, 344)
        no_parent_key = {"lbvserver_service_binding": {"servicename": "svc1"}}
        assert_error(api.call(method, "lbvserver_service_binding", no_parent_key), 400, 1095)
    assert _empty(api, "lbvserver_service_binding/vs1")


def test_post_monitor_binding_and_default_monitor_rules(api):
    api.add("service", name="svc1", servicetype="ANY", ip="127.0.0.20", port="*")
    api.add("lbmonitor", monitorname="m-ping", type="PING")
    body = {"service_lbmonitor_binding": {"name": "svc1", "monitor_name": "m-ping"}}
    status, answer = api.call("POST", "service_lbmonitor_binding", body)
    assert (status, answer["errorcode"]) == (201, 0), answer
    assert [r["monitor_name"] for r in api.get("service_lbmonitor_binding", "svc1")] == ["m-ping"]
    assert_error(api.call("POST", "service_lbmonitor_binding", body), 409, 273)
    default = {"service_lbmonitor_binding": {"name": "svc1", "monitor_name": "ping-default"}}
    assert_error(api.call("POST", "service_lbmonitor_binding", default), 599, 2165)
    missing = {"service_lbmonitor_binding": {"name": "nope", "monitor_name": "m-ping"}}
    assert_error(api.call("POST", "service_lbmonitor_binding", missing), 404, 344)


def test_post_bulk_bind_with_rollback(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    body = {
        "params": {"onerror": "rollback"},
        "lbvserver_service_binding": [
            {"name": "vs1", "servicename": "svc1"},
            {"name": "vs1", "servicename": "nope"},
        ],
    }
    status, answer = api.call("POST", "lbvserver_service_binding", body)
    assert (status, answer["errorcode"]) == (207, 1243), answer
    assert [r["errorcode"] for r in answer["response"]] == [0, 344]
    assert _empty(api, "lbvserver_service_binding/vs1")


def test_post_on_unknown_binding_is_1074(api):
    body = {"lbvserver_nosuch_binding": {"name": "vs1"}}
    assert_error(api.call("POST", "lbvserver_nosuch_binding", body), 400, 1074)


def test_delete_of_bound_service_removes_the_binding(api):
    api.lb_setup()
    assert api.call("DELETE", "service/svc1")[0] == 200
    assert _empty(api, "lbvserver_service_binding/vs1")
    assert api.one("lbvserver", "vs1")["totalservices"] == "0"


# --- lbvserver_servicegroup_binding + members ----------------------------------------------------------------------
def _group(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
    api.add("servicegroup", servicegroupname="sg1", servicetype="HTTP")
    api.bind("servicegroup_servicegroupmember_binding", servicegroupname="sg1", ip="127.0.0.31", port=8080)
    api.bind("servicegroup_servicegroupmember_binding", servicegroupname="sg1", ip="127.0.0.32", port=8080, weight=3)


def test_servicegroup_members(api):
    _group(api)
    rows = api.get("servicegroup_servicegroupmember_binding", "sg1")
    assert [(r["ip"], r["port"], r["weight"], r["servername"], r["state"], r["svrstate"]) for r in rows] == [
        ("127.0.0.31", "8080", "1", "127.0.0.31", "ENABLED", "UP"),
        ("127.0.0.32", "8080", "3", "127.0.0.32", "ENABLED", "UP"),
    ]
    assert api.one("server", "127.0.0.31")["ipaddress"] == "127.0.0.31"  # member by IP creates the server
    assert api.one("servicegroup", "sg1")["servicegroupeffectivestate"] == "UP"


def test_servicegroup_member_errors(api):
    _group(api)
    dup = {"servicegroup_servicegroupmember_binding": {"servicegroupname": "sg1", "ip": "127.0.0.31", "port": 8080}}
    assert_error(api.call("PUT", "servicegroup_servicegroupmember_binding", dup), 409, 273)
    both = {"servicegroup_servicegroupmember_binding": {"servicegroupname": "sg1", "ip": "127.0.0.33",
                                                        "servername": "127.0.0.31", "port": 1}}  # fmt: skip
    assert_error(api.call("PUT", "servicegroup_servicegroupmember_binding", both), 400, 1092)
    noport = {"servicegroup_servicegroupmember_binding": {"servicegroupname": "sg1", "ip": "127.0.0.33"}}
    assert_error(api.call("PUT", "servicegroup_servicegroupmember_binding", noport), 400, 1095)


def test_servicegroup_member_unbind_by_ip_or_servername(api):
    _group(api)
    path = "servicegroup_servicegroupmember_binding/sg1"
    assert api.call("DELETE", path, args="ip:127.0.0.31,port:8080")[0] == 200
    assert api.call("DELETE", path, args="servername:127.0.0.32,port:8080")[0] == 200
    assert _empty(api, path)
    assert_error(api.call("DELETE", path, args="ip:127.0.0.31,port:8080"), 404, 258)


def test_servicegroup_member_weight_set_through_the_group(api):
    """`set serviceGroup <name> <serverName> <port> -weight <w>` (CLI-REF "set serviceGroup"): PUT servicegroup."""
    _group(api)
    body = {"servicegroup": {"servicegroupname": "sg1", "servername": "127.0.0.31", "port": 8080, "weight": 7}}
    assert api.call("PUT", "servicegroup", body)[0] == 200
    by_ip = {"servicegroup": {"servicegroupname": "sg1", "ip": "127.0.0.32", "port": 8080, "weight": 8}}
    assert api.call("PUT", "servicegroup", by_ip)[0] == 200
    rows = api.get("servicegroup_servicegroupmember_binding", "sg1")
    assert [(r["ip"], r["weight"]) for r in rows] == [("127.0.0.31", "7"), ("127.0.0.32", "8")]
    missing = {"servicegroup": {"servicegroupname": "sg1", "servername": "127.0.0.31", "port": 9, "weight": 2}}
    assert_error(api.call("PUT", "servicegroup", missing), 404, 258)
    mixed = {"servicegroup": {"servicegroupname": "sg1", "servername": "127.0.0.31", "port": 8080, "maxclient": 2}}
    assert_error(api.call("PUT", "servicegroup", mixed), 400, 278)
    too_heavy = {"servicegroup": {"servicegroupname": "sg1", "servername": "127.0.0.31", "port": 8080, "weight": 101}}
    assert api.call("PUT", "servicegroup", too_heavy)[0] == 400


def test_servicegroup_member_disable_via_action(api):
    _group(api)
    body = {"servicegroup": {"servicegroupname": "sg1", "servername": "127.0.0.31", "port": 8080}}
    assert api.call("POST", "servicegroup", body, action="disable")[0] == 200
    rows = api.get("servicegroup_servicegroupmember_binding", "sg1")
    assert (rows[0]["state"], rows[0]["svrstate"]) == ("DISABLED", "OUT OF SERVICE")
    assert api.one("servicegroup", "sg1")["servicegroupeffectivestate"] == "PARTIAL-UP"


def test_vserver_servicegroup_binding_and_aggregate(api):
    _group(api)
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    api.bind("lbvserver_service_binding", name="vs1", servicename="svc1")
    api.bind("lbvserver_servicegroup_binding", name="vs1", servicegroupname="sg1")
    row = api.get("lbvserver_servicegroup_binding", "vs1")[0]
    assert (row["servicegroupname"], row["servicename"]) == ("sg1", "sg1")
    agg = api.one("lbvserver_binding", "vs1")
    assert agg["name"] == "vs1"
    assert [r["servicename"] for r in agg["lbvserver_service_binding"]] == ["svc1"]
    assert [r["servicegroupname"] for r in agg["lbvserver_servicegroup_binding"]] == ["sg1"]
    vs = api.one("lbvserver", "vs1")
    assert (vs["totalservices"], vs["activeservices"], vs["curstate"]) == ("3", "3", "UP")
    assert_error(api.call("DELETE", "lbvserver_servicegroup_binding/vs1", args="servicegroupname:nope"), 599, 1303)
    assert api.call("DELETE", "lbvserver_servicegroup_binding/vs1", args="servicegroupname:sg1")[0] == 200
    assert "lbvserver_servicegroup_binding" not in api.one("lbvserver_binding", "vs1")


def test_vserver_binding_with_servicename_and_servicegroupname_is_1092(api):
    _group(api)
    api.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=80)
    body = {"lbvserver_service_binding": {"name": "vs1", "servicename": "svc1", "servicegroupname": "sg1"}}
    assert_error(api.call("PUT", "lbvserver_service_binding", body), 400, 1092)


def test_servicegroup_binding_weight_needs_servicename_1093(api):
    """The trace of netscaler.adc issue #191: a weight with servicegroupname alone is 400/1093."""
    _group(api)
    body = {"lbvserver_servicegroup_binding": {"name": "vs1", "servicegroupname": "sg1", "weight": 1}}
    error = assert_error(api.call("PUT", "lbvserver_servicegroup_binding", body), 400, 1093)
    assert error["message"] == "Argument pre-requisite missing [weight, serviceName]"
    assert api.get("lbvserver_servicegroup_binding", "vs1") == []


@pytest.mark.parametrize(
    "body",
    [{"servicegroupname": "sg1"}, {"servicename": "sg1", "weight": 1}, {"servicename": "sg1", "weight": 7}],
    ids=["no-weight", "servicename-weight-1", "servicename-weight-7"],
)
def test_servicegroup_binding_row_carries_no_weight(api, body):
    """README "Deliberate choices": the row of a service group binding never shows a weight (the official
    lbvserver_servicegroup_binding target, run on a CPX, re-applies servicename + weight 1 and expects changed)."""
    _group(api)
    api.bind("lbvserver_servicegroup_binding", name="vs1", **body)
    row = api.get("lbvserver_servicegroup_binding", "vs1")[0]
    assert (row["servicegroupname"], row["servicename"]) == ("sg1", "sg1") and "weight" not in row
    assert "weight" not in api.one("lbvserver_binding", "vs1")["lbvserver_servicegroup_binding"][0]


def test_servicegroup_binding_with_servicename_key(api):
    """COLL binds groups with `servicename` as primary key (#352 / PR #359)."""
    _group(api)
    api.bind("lbvserver_servicegroup_binding", name="vs1", servicename="sg1")
    assert api.get("lbvserver_servicegroup_binding", "vs1")[0]["servicegroupname"] == "sg1"


# --- monitors ---------------------------------------------------------------------------------------------------------
def test_new_service_has_default_monitor(api):
    api.add("service", name="web", servicetype="HTTP", ip="127.0.0.20", port=80)
    api.add("service", name="any", servicetype="ANY", ip="127.0.0.21", port="*")
    api.add("service", name="udp", servicetype="UDP", ip="127.0.0.22", port=53)
    assert [r["monitor_name"] for r in api.get("service_lbmonitor_binding", "web")] == ["tcp-default"]
    assert [r["monitor_name"] for r in api.get("service_lbmonitor_binding", "any")] == ["ping-default"]
    assert [r["monitor_name"] for r in api.get("service_lbmonitor_binding", "udp")] == ["ping-default"]


def test_custom_monitor_replaces_default_and_default_returns_on_last_unbind(api):
    api.add("service", name="web", servicetype="HTTP", ip="127.0.0.20", port=80)
    api.add("lbmonitor", monitorname="m1", type="HTTP")
    api.add("lbmonitor", monitorname="m2", type="TCP")
    api.bind("service_lbmonitor_binding", name="web", monitor_name="m1", weight=2)
    rows = api.get("service_lbmonitor_binding", "web")
    assert [(r["monitor_name"], r["weight"], r["monstate"]) for r in rows] == [("m1", "2", "ENABLED")]
    # Runtime fields come from the health hook (numbers as strings).
    assert rows[0]["monitor_state"] == "UP" and rows[0]["totalprobes"].isdigit() and rows[0]["failedprobes"].isdigit()
    api.bind("service_lbmonitor_binding", name="web", monitor_name="m2")
    api.call("DELETE", "service_lbmonitor_binding/web", args="monitor_name:m1")
    assert [r["monitor_name"] for r in api.get("service_lbmonitor_binding", "web")] == ["m2"]
    api.call("DELETE", "service_lbmonitor_binding/web", args="monitor_name:m2")
    assert [r["monitor_name"] for r in api.get("service_lbmonitor_binding", "web")] == ["tcp-default"]


def test_default_monitor_cannot_be_unbound_599_2164(api):
    api.add("service", name="web", servicetype="HTTP", ip="127.0.0.20", port=80)
    assert_error(api.call("DELETE", "service_lbmonitor_binding/web", args="monitor_name:tcp-default"), 599, 2164)
    assert [r["monitor_name"] for r in api.get("service_lbmonitor_binding", "web")] == ["tcp-default"]


def test_default_monitor_cannot_be_bound_explicitly_2165(api):
    api.add("service", name="web", servicetype="HTTP", ip="127.0.0.20", port=80)
    body = {"service_lbmonitor_binding": {"name": "web", "monitor_name": "tcp-default"}}
    assert_error(api.call("PUT", "service_lbmonitor_binding", body), 599, 2165)


def test_monitor_binding_errors(api):
    api.add("service", name="web", servicetype="HTTP", ip="127.0.0.20", port=80)
    api.add("lbmonitor", monitorname="m1", type="HTTP")
    body = {"service_lbmonitor_binding": {"name": "web", "monitor_name": "nope"}}
    assert_error(api.call("PUT", "service_lbmonitor_binding", body), 404, 258)
    body = {"service_lbmonitor_binding": {"name": "nope", "monitor_name": "m1"}}
    assert_error(api.call("PUT", "service_lbmonitor_binding", body), 404, 344)
    api.bind("service_lbmonitor_binding", name="web", monitor_name="m1")
    body = {"service_lbmonitor_binding": {"name": "web", "monitor_name": "m1"}}
    assert_error(api.call("PUT", "service_lbmonitor_binding", body), 409, 273)
    api.add("lbmonitor", monitorname="m2", type="TCP")
    assert_error(api.call("DELETE", "service_lbmonitor_binding/web", args="monitor_name:m2"), 599, 2170)


def test_bound_monitor_cannot_be_deleted_2131(api):
    api.add("service", name="web", servicetype="HTTP", ip="127.0.0.20", port=80)
    api.add("lbmonitor", monitorname="m1", type="HTTP")
    api.bind("service_lbmonitor_binding", name="web", monitor_name="m1")
    assert_error(api.call("DELETE", "lbmonitor/m1", args="type:HTTP"), 599, 2131)
    api.call("DELETE", "service_lbmonitor_binding/web", args="monitor_name:m1")
    assert api.call("DELETE", "lbmonitor/m1", args="type:HTTP")[0] == 200


def test_lbmonitor_service_binding_is_the_same_link_seen_from_the_monitor(api):
    api.add("service", name="web", servicetype="HTTP", ip="127.0.0.20", port=80)
    api.add("lbmonitor", monitorname="m1", type="HTTP")
    api.bind("lbmonitor_service_binding", monitorname="m1", servicename="web", weight=5)
    assert [(r["monitor_name"], r["weight"]) for r in api.get("service_lbmonitor_binding", "web")] == [("m1", "5")]
    rows = api.get("lbmonitor_service_binding", "m1")
    assert [(r["monitorname"], r["servicename"], r["state"], r["weight"]) for r in rows] == [
        ("m1", "web", "ENABLED", "5")
    ]
    agg = api.one("lbmonitor_binding", "m1")
    assert [r["servicename"] for r in agg["lbmonitor_service_binding"]] == ["web"]
    assert api.call("DELETE", "lbmonitor_service_binding/m1", args="servicename:web")[0] == 200
    assert [r["monitor_name"] for r in api.get("service_lbmonitor_binding", "web")] == ["tcp-default"]
    assert _empty(api, "lbmonitor_service_binding/m1")


def test_service_binding_aggregate(api):
    api.add("service", name="web", servicetype="HTTP", ip="127.0.0.20", port=80)
    agg = api.one("service_binding", "web")
    assert agg["name"] == "web"
    assert [r["monitor_name"] for r in agg["service_lbmonitor_binding"]] == ["tcp-default"]
    assert_error(api.call("GET", "service_binding/nope"), 404, 344)


def test_servicegroup_lbmonitor_binding(api):
    api.add("servicegroup", servicegroupname="sg1", servicetype="HTTP")
    api.add("lbmonitor", monitorname="m1", type="HTTP")
    api.bind("servicegroup_lbmonitor_binding", servicegroupname="sg1", monitor_name="m1")
    rows = api.get("servicegroup_lbmonitor_binding", "sg1")
    assert [(r["monitor_name"], r["monstate"], r["weight"]) for r in rows] == [("m1", "ENABLED", "1")]
    body = {"servicegroup_lbmonitor_binding": {"servicegroupname": "sg1", "monitor_name": "m1"}}
    assert_error(api.call("PUT", "servicegroup_lbmonitor_binding", body), 409, 273)
    body = {"servicegroup_lbmonitor_binding": {"servicegroupname": "sg1", "monitor_name": "tcp-default"}}
    assert_error(api.call("PUT", "servicegroup_lbmonitor_binding", body), 599, 2165)
    assert [r["servicegroupname"] for r in api.get("lbmonitor_servicegroup_binding", "m1")] == ["sg1"]
    assert_error(api.call("DELETE", "lbmonitor/m1", args="type:HTTP"), 599, 2131)
    assert_error(api.call("DELETE", "servicegroup_lbmonitor_binding/sg1", args="monitor_name:tcp-default"), 599, 2164)
    assert api.call("DELETE", "servicegroup_lbmonitor_binding/sg1", args="monitor_name:m1")[0] == 200
    assert _empty(api, "servicegroup_lbmonitor_binding/sg1")
    assert_error(api.call("DELETE", "servicegroup_lbmonitor_binding/sg1", args="monitor_name:m1"), 599, 2170)


def test_binding_filter_and_count(api):
    api.add("lbvserver", name="vs1", servicetype="HTTP")
    for i in range(3):
        api.add("service", name=f"s{i}", servicetype="HTTP", ip=f"127.0.0.{20 + i}", port=80)
        api.bind("lbvserver_service_binding", name="vs1", servicename=f"s{i}")
    assert [r["servicename"] for r in api.get("lbvserver_service_binding", "vs1", filter="servicename:s1")] == ["s1"]
    assert api.call("GET", "lbvserver_service_binding/vs1", count="yes")[1]["lbvserver_service_binding"] == [
        {"__count": 3}
    ]


def test_bulkbindings_returns_bindings_of_every_parent(api):
    for vs in ("vs1", "vs2"):
        api.add("lbvserver", name=vs, servicetype="HTTP")
    api.add("service", name="s1", servicetype="HTTP", ip="127.0.0.21", port=80)
    api.bind("lbvserver_service_binding", name="vs1", servicename="s1")
    api.bind("lbvserver_service_binding", name="vs2", servicename="s1")
    rows = api.get("lbvserver_service_binding", bulkbindings="yes")
    assert [(r["name"], r["servicename"]) for r in rows] == [("vs1", "s1"), ("vs2", "s1")]
