"""_binding: bindings described by data - identities, the planner and its bulk calls for any parent (no HTTP)."""

from __future__ import annotations

from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._binding import (
    Binding,
    apply_bindings,
    plan_bindings,
    read_bindings,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import (
    BINDING_KINDS,
    SERVICE_MONITORS,
    SERVICEGROUP_MEMBERS,
    SERVICEGROUP_MONITORS,
)


class Client:
    """Answers one aggregate GET and records the bulk calls."""

    def __init__(self, entry: dict[str, Any] | None = None) -> None:
        self.entry = entry
        self.calls: list[tuple[str, str, list[dict[str, Any]], dict[str, Any]]] = []

    def get(self, resource: str, name: str) -> list[dict[str, Any]]:
        self.calls.append(("get", resource, [], {"name": name}))
        return [self.entry] if self.entry is not None else []

    def bind_bulk(self, resource: str, bodies: list[dict[str, Any]], **kwargs: Any) -> None:
        self.calls.append(("bind", resource, bodies, kwargs))

    def unbind_bulk(self, resource: str, bodies: list[dict[str, Any]], **kwargs: Any) -> None:
        self.calls.append(("unbind", resource, bodies, kwargs))

    def update_bulk(self, resource: str, bodies: list[dict[str, Any]], **kwargs: Any) -> None:
        self.calls.append(("update", resource, bodies, kwargs))


def test_a_member_named_by_several_fields_or_by_an_alternative() -> None:
    row = {"servicegroupname": "sg", "ip": "2001:db8:0::1", "servername": "web1", "port": "80", "weight": "2"}
    assert SERVICEGROUP_MEMBERS.identities(row) == [
        (("ip", "2001:db8::1"), ("port", 80)),  # addresses and ports compared, not their spellings
        (("servername", "web1"), ("port", 80)),
    ]
    assert SERVICEGROUP_MEMBERS.member({"servername": "web1", "port": 80}) == (("servername", "web1"), ("port", 80))
    assert SERVICEGROUP_MEMBERS.member({"ip": "10.0.0.1"}) is None  # no port: no identity
    assert SERVICEGROUP_MEMBERS.bind_body(row) == {
        "servicegroupname": "sg", "ip": "2001:db8::1", "port": 80, "weight": 2,
    }  # fmt: skip
    assert SERVICEGROUP_MEMBERS.view(SERVICEGROUP_MEMBERS.member(row), row) == {"ip": "2001:db8::1", "port": 80,
                                                                               "weight": 2}  # fmt: skip


def test_one_get_reads_every_kind_of_a_parent() -> None:
    client = Client({
        "servicegroup_servicegroupmember_binding": [{"servicegroupname": "sg", "ip": "10.0.0.1", "port": "80"}],
        "servicegroup_lbmonitor_binding": [{"servicegroupname": "sg", "monitor_name": "hc", "monstate": "ENABLED"}],
    })  # fmt: skip
    bound = read_bindings(client, "servicegroup", "sg", (SERVICEGROUP_MEMBERS, SERVICEGROUP_MONITORS))
    assert [call[:2] for call in client.calls] == [("get", "servicegroup_binding")]
    assert list(bound["members"]) == [(("ip", "10.0.0.1"), ("port", 80))]
    assert list(bound["monitors"]) == ["hc"]
    assert read_bindings(Client(), "lbvserver", "vs", BINDING_KINDS) == {"services": {}, "servicegroups": {}}


def test_members_given_by_servername_match_rows_read_with_their_ip() -> None:
    rows = {
        (("ip", "10.0.0.1"), ("port", 80)): {"ip": "10.0.0.1", "servername": "web1", "port": "80", "weight": "1"},
        (("ip", "10.0.0.2"), ("port", 80)): {"ip": "10.0.0.2", "servername": "10.0.0.2", "port": "80"},
        (("ip", "10.0.0.3"), ("port", 80)): {"ip": "10.0.0.3", "servername": "10.0.0.3", "port": "80"},
    }
    wanted = {
        (("servername", "web1"), ("port", 80)): {"weight": 1},  # bound as it is: no change
        (("ip", "10.0.0.2"), ("port", 80)): {"weight": 5},  # weight differs: set in place, stays bound
        (("ip", "10.0.0.4"), ("port", 8080)): {},  # new
    }
    todo = plan_bindings("sg", (SERVICEGROUP_MEMBERS,), {"members": wanted}, {"members": rows}, {})
    assert todo.unbind == {
        "servicegroup_servicegroupmember_binding": [
            {"servicegroupname": "sg", "ip": "10.0.0.3", "port": 80},  # purged: not listed
        ]
    }
    assert todo.update == {  # `set serviceGroup sg 10.0.0.2 80 -weight 5`, named by the row's servername
        "servicegroup": [{"servicegroupname": "sg", "servername": "10.0.0.2", "port": 80, "weight": 5}]
    }
    assert todo.bind == {
        "servicegroup_servicegroupmember_binding": [{"servicegroupname": "sg", "ip": "10.0.0.4", "port": 8080}]
    }
    assert todo.after["members"] == [
        {"ip": "10.0.0.1", "port": 80, "weight": 1},
        {"ip": "10.0.0.2", "port": 80, "weight": 5},
        {"ip": "10.0.0.4", "port": 8080},
    ]
    kept = plan_bindings("sg", (SERVICEGROUP_MEMBERS,), {"members": {}}, {"members": rows}, {"members": False})
    assert not kept.changed and len(kept.after["members"]) == 3


def test_apply_unbinds_then_updates_then_binds() -> None:
    rows = {(("ip", "10.0.0.1"), ("port", 80)): {"ip": "10.0.0.1", "servername": "w1", "port": "80", "weight": "1"},
            (("ip", "10.0.0.2"), ("port", 80)): {"ip": "10.0.0.2", "servername": "w2", "port": "80"}}  # fmt: skip
    wanted = {(("ip", "10.0.0.1"), ("port", 80)): {"weight": 2}, (("ip", "10.0.0.3"), ("port", 80)): {}}
    client = Client()
    apply_bindings(client, plan_bindings("sg", (SERVICEGROUP_MEMBERS,), {"members": wanted}, {"members": rows}, {}))
    assert [(call[0], call[1], call[3]["key"]) for call in client.calls] == [
        ("unbind", "servicegroup_servicegroupmember_binding", "servicegroupname"),
        ("update", "servicegroup", "servicegroupname"),
        ("bind", "servicegroup_servicegroupmember_binding", "servicegroupname"),
    ]


def test_apply_unbinds_first_then_binds_with_rollback_naming_the_parent_field() -> None:
    wanted = {"monitors": {"hc2": {"monstate": "ENABLED"}}}
    bound = {"monitors": {"hc": {"servicegroupname": "sg", "monitor_name": "hc"}}}
    todo = plan_bindings("sg", (SERVICEGROUP_MONITORS,), wanted, bound, {})
    client = Client()
    apply_bindings(client, todo)
    assert client.calls == [
        ("unbind", "servicegroup_lbmonitor_binding", [{"servicegroupname": "sg", "monitor_name": "hc"}],
         {"key": "servicegroupname", "onerror": "exit"}),
        ("bind", "servicegroup_lbmonitor_binding",
         [{"servicegroupname": "sg", "monitor_name": "hc2", "monstate": "ENABLED"}],
         {"key": "servicegroupname", "onerror": "rollback"}),
    ]  # fmt: skip


def test_a_new_parent_is_data_only() -> None:
    cs = Binding(
        resource="csvserver_lbvserver_binding", parent="csvserver", parent_key="name", key=("lbvserver",),
        option="default_lbvserver",
    )  # fmt: skip
    todo = plan_bindings("cs1", (cs,), {"default_lbvserver": {"vs2": {}}}, {"default_lbvserver": {"vs1": {}}}, {})
    assert todo.unbind == {"csvserver_lbvserver_binding": [{"name": "cs1", "lbvserver": "vs1"}]}
    assert todo.bind == {"csvserver_lbvserver_binding": [{"name": "cs1", "lbvserver": "vs2"}]}


def test_rows_as_check_mode_predicts_them() -> None:
    service = BINDING_KINDS[0]
    assert service.row("vs", {"name": "web", "weight": 3}) == {"name": "vs", "servicename": "web", "weight": "3"}
    assert SERVICE_MONITORS.bind_body({"name": "web", "monitor_name": "hc", "weight": "1", "monstate": ""}) == {
        "name": "web", "monitor_name": "hc", "weight": 1,
    }  # fmt: skip
