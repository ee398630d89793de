"""_lb: member parsing and the binding planner (no HTTP)."""

from __future__ import annotations

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._lb import (
    SERVICE_SERVICETYPES,
    binding_view,
    parse_members,
    plan_bindings,
    servicetype,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import InvalidOptions, Problems


def test_parse_members_collects_every_problem() -> None:
    problems = Problems()
    members = parse_members(
        "services",
        ["a", {"name": "b", "weight": "2"}, {"name": "a"}, {"name": "c", "x": 1}, 5, {"name": "d", "weight": 101}],
        problems,
    )
    assert members == {"a": {}, "b": {"weight": 2}, "d": {"weight": None}}
    assert problems.messages == [
        "services: 'a' is listed more than once",
        "services[3]: unknown key(s) x; allowed: name, weight, order",
        "services[4]: 5 is neither a name nor a dict with name and weight",
        "services[5].weight: 101 is out of range; allowed: 1 to 100",
    ]
    assert parse_members("services", None, Problems()) is None


def test_binding_view_numbers() -> None:
    assert binding_view({"a": {"weight": "3", "order": ""}, "b": {}}) == [{"name": "a", "weight": 3}, {"name": "b"}]


def test_plan_bindings_purge_rebind_and_keep() -> None:
    bound = {"services": {"a": {"weight": "1"}, "b": {"weight": "2"}, "x": {}}, "servicegroups": {"g": {}}}
    wanted = {"services": {"a": {}, "b": {"weight": 3}, "c": {"weight": 1}}, "servicegroups": None}
    todo = plan_bindings("vs", wanted, bound, {"services": True, "servicegroups": True})
    assert todo.unbind == {
        "lbvserver_service_binding": [{"name": "vs", "servicename": "b"}, {"name": "vs", "servicename": "x"}]
    }
    assert todo.bind == {
        "lbvserver_service_binding": [
            {"name": "vs", "servicename": "b", "weight": 3},
            {"name": "vs", "servicename": "c", "weight": 1},
        ]
    }
    assert todo.after["servicegroups"] == [{"name": "g"}]  # not given: left alone
    assert todo.changed
    kept = plan_bindings("vs", {"services": {"c": {}}}, bound, {"services": False})
    assert "lbvserver_service_binding" not in kept.unbind
    assert [m["name"] for m in kept.after["services"]] == ["a", "b", "x", "c"]


def test_servicetype_converter() -> None:
    convert = servicetype(SERVICE_SERVICETYPES, "a service type")
    assert convert("servicetype", "http") == "HTTP"
    with pytest.raises(InvalidOptions, match=r"HTTPS is not a NetScaler type: use SSL"):
        convert("servicetype", "HTTPS")
