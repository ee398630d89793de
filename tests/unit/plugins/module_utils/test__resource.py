"""_resource: the planner (adds, updates, state, recreate) and apply's order and restore, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroError
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import normalize_port
from ansible_collections.adcops.netscaler.plugins.module_utils._resource import (
    Plan,
    Rebind,
    ResourceSpec,
    apply,
    index_by,
    plan,
    plan_settings,
    recreate_payload,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import ApplianceStateError

SPEC = ResourceSpec(
    resource="service",
    attributes=("ip", "servername", "port", "comment"),
    immutable=("port", "servername"),
    read_as={"ip": "ipaddress"},
    update_as={"ip": "ipaddress"},
    normalizers={"port": normalize_port},
    state_attr="svrstate",
    disable_options=("graceful",),
    carry_one_of=("servername", "ip"),
)
HAVE = {
    "web": {"name": "web", "ipaddress": "10.0.0.1", "servername": "10.0.0.1", "port": "80", "svrstate": "UP"},
    "old": {"name": "old", "ipaddress": "10.0.0.9", "servername": "10.0.0.9", "port": "80", "svrstate": "UP"},
}


def test_nothing_to_do_when_equal_in_nitro_terms() -> None:
    todo = plan(SPEC, [{"name": "web", "ip": "10.0.0.1", "port": 80, "state": "present"}], HAVE)
    assert not todo.changed and todo.before == {} and todo.after == {}


def test_add_update_delete_enable_disable() -> None:
    down = {**HAVE, "off": {"name": "off", "port": "80", "svrstate": "OUT OF SERVICE"}}
    todo = plan(
        SPEC,
        [
            {"name": "new", "ip": "10.0.0.5", "port": 80, "state": "disabled"},
            {"name": "web", "ip": "10.0.0.2", "comment": "c", "state": "disabled", "graceful": "YES"},
            {"name": "off", "state": "enabled"},
            {"name": "old", "state": "absent"},
            {"name": "gone", "state": "absent"},
        ],
        down,
    )
    assert todo.add == [{"name": "new", "ip": "10.0.0.5", "port": 80, "state": "DISABLED"}]
    assert todo.update == [{"name": "web", "ipaddress": "10.0.0.2", "comment": "c"}]  # update_as spelling
    assert todo.disable == [{"name": "web", "graceful": "YES"}]
    assert todo.enable == [{"name": "off"}]
    assert todo.delete == ["old"]
    assert todo.after["web"]["state"] == "disabled" and todo.after["new"]["state"] == "disabled"
    assert todo.counts == {"added": 1, "updated": 1, "deleted": 1, "enabled": 1, "disabled": 1, "recreated": 0}


def test_immutable_change_fails_naming_current_and_wanted() -> None:
    with pytest.raises(ApplianceStateError) as raised:
        plan(SPEC, [{"name": "web", "port": 8080}, {"name": "old", "port": 81}], HAVE)
    assert str(raised.value).startswith("service 'old': cannot change port (current '80', wanted 81)")
    assert "recreate=true" in str(raised.value)
    assert str(raised.value).endswith("(1 more service(s) have immutable changes: web)")


def test_recreate_is_planned_with_carry_over_and_restore() -> None:
    have = {"web": {**HAVE["web"], "comment": "keep", "svrstate": "OUT OF SERVICE"}}
    todo = plan(SPEC, [{"name": "web", "port": 8080, "state": "present"}], have, recreate=True)
    assert todo.recreated == ["web"] and todo.update == [] and todo.changed
    # the wanted port, the rest carried over: servername (not ip: one of them), comment, the disabled state
    assert todo.recreate == [
        {"name": "web", "port": 8080, "servername": "10.0.0.1", "comment": "keep", "state": "DISABLED"}
    ]
    assert todo.restore == [
        {"name": "web", "servername": "10.0.0.1", "port": "80", "comment": "keep", "state": "DISABLED"}
    ]
    assert todo.after["web"]["port"] == 8080 and todo.after["web"]["state"] == "disabled"
    assert todo.counts["recreated"] == 1


def test_recreate_payload_carries_ip_when_no_server_name() -> None:
    have = {"name": "w", "ipaddress": "10.0.0.3", "port": "80", "svrstate": "UP"}
    assert recreate_payload(SPEC, {"name": "w", "port": 81, "state": "enabled"}, have) == {
        "name": "w",
        "port": 81,
        "ip": "10.0.0.3",
    }
    # a wanted ip is not joined by the existing servername (NITRO refuses both)
    assert "servername" not in recreate_payload(SPEC, {"name": "w", "ip": "10.0.0.4"}, HAVE["web"])


def test_index_by_skips_rows_without_key() -> None:
    assert index_by([{"name": 1}, {"x": 2}], "name") == {"1": {"name": 1}}


class Recorder:
    """A client that records writes; ``fail`` names the operations that raise."""

    def __init__(self, fail: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = list(fail)

    def __getattr__(self, operation: str) -> Any:
        def call(resource: str, *_args: Any, **_kwargs: Any) -> None:
            self.calls.append((operation, resource))
            if operation in self.fail:
                self.fail.remove(operation)
                raise NitroError(f"{operation} refused", operation=operation, resource=resource, errorcode=1097)

        return call


def recreate_plan() -> Plan:
    return plan(
        SPEC,
        [{"name": "web", "port": 8080, "state": "present"}, {"name": "new", "ip": "10.0.0.5", "port": 80}],
        HAVE,
        recreate=True,
    )


def test_apply_recreates_first_then_one_call_per_kind() -> None:
    client, bound = Recorder(), []
    apply(client, SPEC, recreate_plan(), Rebind(lambda: bound.append("bind"), lambda: None, "2 binding(s)", []))
    assert client.calls == [("delete_bulk", "service"), ("add_bulk", "service"), ("add_bulk", "service")]
    assert bound == ["bind"]


def test_failed_readd_restores_originals_and_bindings() -> None:
    client, restored = Recorder(fail=("add_bulk",)), []
    with pytest.raises(NitroError) as raised:
        apply(client, SPEC, recreate_plan(), Rebind(lambda: None, lambda: restored.append(1), "2 binding(s)", []))
    assert "nothing was changed in the end" in str(raised.value)
    assert "restored exactly as they were, with their 2 binding(s)" in str(raised.value)
    assert client.calls == [("delete_bulk", "service"), ("add_bulk", "service"), ("add_bulk", "service")]
    assert restored == [1]


def test_failed_restore_lists_what_is_lost() -> None:
    client = Recorder(fail=("add_bulk", "add_bulk"))
    with pytest.raises(NitroError) as raised:
        apply(client, SPEC, recreate_plan(), Rebind(lambda: None, lambda: None, "0 binding(s)", ["b1"]))
    assert "Removed and NOT restored: service(s) [{'name': 'web'" in str(raised.value)
    assert "bindings ['b1']" in str(raised.value)


def test_single_object_resource_uses_plain_delete_and_add_to_restore() -> None:
    single = ResourceSpec(resource="lbvserver", attributes=("port",), immutable=("port",), bulk=False)
    todo = plan(single, [{"name": "vs", "port": 81}], {"vs": {"name": "vs", "port": "80"}}, recreate=True)
    client = Recorder(fail=("add_bulk",))
    with pytest.raises(NitroError, match="the lbvserver was deleted and restored exactly as it was"):
        apply(client, single, todo, Rebind(lambda: None, lambda: None, "1 binding(s)", []))
    assert client.calls == [("delete", "lbvserver"), ("add_bulk", "lbvserver"), ("add", "lbvserver")]


def test_plan_settings_of_a_singleton() -> None:
    have = {"downstaterst": "DISABLED", "nagle": "ENABLED", "wsval": "8", "other": "x"}
    settings = plan_settings({"downstaterst": "ENABLED", "wsval": 8, "nagle": "enabled"}, have)
    assert settings.keys == ["downstaterst"] and settings.changed  # "8" is 8, "enabled" is ENABLED
    assert settings.values == {"downstaterst": "ENABLED"}
    assert settings.before == {"downstaterst": "DISABLED", "wsval": "8", "nagle": "ENABLED"}
    assert settings.after == {"downstaterst": "ENABLED", "wsval": "8", "nagle": "ENABLED"}
    assert settings.predicted == {**have, "downstaterst": "ENABLED"}
    assert not plan_settings({"nagle": "ENABLED"}, have).changed


def test_plan_settings_reads_under_nitro_names_and_ignores_unmanaged() -> None:
    settings = plan_settings(
        {"ip": "10.0.0.2", "comment": None}, {"ipaddress": "10.0.0.1"}, read_as={"ip": "ipaddress"}
    )
    assert settings.keys == ["ip"] and settings.predicted == {"ipaddress": "10.0.0.2"}
    assert settings.before == {"ip": "10.0.0.1", "comment": None}
