"""_options: one declaration gives the argument spec, item suboptions, checks and the planner's ResourceSpec."""

from __future__ import annotations

from ansible_collections.adcops.netscaler.plugins.module_utils._options import EN_DIS, Option, Options, flag
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import Problems, port

TABLE = Options(
    Option("name", required=True),
    Option("port", type="raw", convert=port, attribute=True, immutable=True),
    Option("ip", attribute=True, read_as="ipaddress", update_as="ipaddress", normalizer=str.strip),
    Option("usip", type="bool", convert=flag, attribute=True),
    Option("td", type="int", range=(0, 4094), attribute=True, immutable=True),
    Option("cip", choices=EN_DIS, attribute=True),
    Option("state", choices=("present", "absent"), default="present"),
)


def test_argument_spec() -> None:
    spec = TABLE.argument_spec()
    assert spec["name"] == {"type": "str", "required": True}
    assert spec["cip"] == {"type": "str", "choices": ["ENABLED", "DISABLED"]}
    assert spec["state"] == {"type": "str", "choices": ["present", "absent"], "default": "present"}
    assert "range" not in str(spec) and "convert" not in str(spec)


def test_item_options_require_the_key_and_drop_defaults() -> None:
    items = TABLE.item_options().argument_spec()
    assert items["name"] == {"type": "str", "required": True}
    assert items["state"] == {"type": "str", "choices": ["present", "absent"]}
    nested = Options(Option("items", type="list", elements="dict", suboptions=TABLE.item_options()))
    assert nested.argument_spec()["items"]["options"] == items


def test_resource_spec_derives_from_the_attributes() -> None:
    spec = TABLE.resource("service", state_attr="svrstate")
    assert spec.attributes == ("port", "ip", "usip", "td", "cip")
    assert spec.immutable == ("port", "td")
    assert spec.read_as == {"ip": "ipaddress"} and spec.update_as == {"ip": "ipaddress"}
    assert set(spec.normalizers) == {"ip"}
    assert spec.state_attr == "svrstate" and spec.bulk is True


def test_check_converts_and_collects_every_problem() -> None:
    problems = Problems()
    out = TABLE.check({"port": "*", "usip": True, "td": 5000, "name": "x"}, problems, where="services[1].")
    assert out["port"] == 65535 and out["usip"] == "YES" and out["td"] is None and out["ip"] is None
    assert problems.messages == ["services[1].td: 5000 is out of range; allowed: 0 to 4094"]
    problems = Problems()
    TABLE.check({"port": 0, "td": -1}, problems, names=("port", "td"))
    assert len(problems.messages) == 2


def test_short_ranges() -> None:
    problems = Problems()
    Options(Option("interval", type="int", range=(1, 300)), short_ranges=True).check({"interval": 0}, problems)
    assert problems.messages == ["interval: 0 is out of range; allowed 1-300"]


def test_module_tables_are_consistent() -> None:
    from ansible_collections.adcops.netscaler.plugins.modules import lb_service, lb_vserver, ns_tcpparam

    assert lb_service.SPEC.attributes == tuple(o.name for o in lb_service.ITEM if o.attribute)
    assert set(lb_service.SPEC.immutable) == {"servicetype", "port", "servername", "td"}
    assert set(lb_vserver.SPEC.immutable) == {"servicetype", "port", "td"} and lb_vserver.SPEC.bulk is False
    assert set(ns_tcpparam.DEFAULTS) == set(ns_tcpparam.PARAMS) and None not in ns_tcpparam.DEFAULTS.values()
