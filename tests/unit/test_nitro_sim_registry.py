"""The simulator's resource registry: every file registers, and a resource or binding that declares only its
schema (no hooks) is a full NITRO resource over real HTTP, thanks to the base-class defaults."""

from __future__ import annotations

import importlib
import pkgutil
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.nitro_sim import Simulator, resources
from tests.nitro_sim.pytest_plugin import SimHandle
from tests.nitro_sim.resources import BINDING_REGISTRY, REGISTRY, Binding, Resource
from tests.nitro_sim.runtime import StaticHealth
from tests.nitro_sim.schema import EN_DIS, Attr, attrs_of, enum


def test_every_resource_file_registers_its_resource():
    modules = sorted(m.name for m in pkgutil.iter_modules(resources.__path__) if m.name != "base")
    for module in modules:
        mod = importlib.import_module(f"tests.nitro_sim.resources.{module}")
        declared = [c for c in vars(mod).values() if isinstance(c, type) and c.__module__ == mod.__name__]
        assert any(REGISTRY.get(c.name) is c for c in declared if issubclass(c, Resource)), module
        # A file is named after its resource.
        assert module in REGISTRY, module
    for name, cls in BINDING_REGISTRY.items():
        assert cls.parent in REGISTRY, name
        assert cls.parent_key == REGISTRY[cls.parent].key, name


def test_the_router_has_no_list_of_resources():
    # Whether a resource is a singleton, a binding or an aggregate comes from the registry only.
    from tests.nitro_sim import routing, server

    for module in (routing, server):
        text = Path(module.__file__).read_text(encoding="utf-8")
        for name in ("nstcpparam", "nsmode", "nsfeature", "nsconfig", "nsversion", "SINGLETONS"):
            assert name not in text, (module.__name__, name)


class Widget(Resource):
    """Declares a schema and nothing else."""

    name = "unittestwidget"
    key = "name"
    actions = frozenset({"enable", "disable", "unset", "rename"})
    attrs = attrs_of(
        Attr("name", required=True),
        Attr("size", "int", min=1, max=10, default=3),
        Attr("colour", add_only=True),
        enum("state", EN_DIS, default="ENABLED", add_only=True),
    )


class WidgetSettings(Resource):
    name = "unittestwidgetsettings"
    singleton = True
    actions = frozenset({"unset"})
    attrs = attrs_of(Attr("limit", "int", min=0, max=99, default=7))


class WidgetServerBinding(Binding):
    name = "unittestwidget_server_binding"
    parent, parent_key = "unittestwidget", "name"
    member_attr, member_res = "servername", "server"
    attrs = attrs_of(Attr("name", required=True), Attr("servername"), Attr("weight", "int", min=1, default=1))


TEST_CLASSES = (Widget, WidgetSettings, WidgetServerBinding)
# Defining the classes registered them; keep them out of every other test's simulator.
for _cls in TEST_CLASSES:
    (BINDING_REGISTRY if issubclass(_cls, Binding) else REGISTRY).pop(_cls.name)


@pytest.fixture
def wsim() -> Iterator[SimHandle]:
    for cls in TEST_CLASSES:
        (BINDING_REGISTRY if issubclass(cls, Binding) else REGISTRY)[cls.name] = cls
    try:
        simulator = Simulator(health_factory=StaticHealth).start()
    finally:
        for cls in TEST_CLASSES:
            (BINDING_REGISTRY if issubclass(cls, Binding) else REGISTRY).pop(cls.name)
    yield SimHandle(simulator.url, simulator=simulator)
    simulator.stop()


def code(answer: tuple[int, dict[str, Any]]) -> tuple[int, int]:
    status, payload = answer
    return status, payload.get("errorcode", 0)


def test_a_resource_without_hooks_is_a_full_resource(wsim):
    assert code(wsim.nitro("POST", "unittestwidget", {"unittestwidget": {"name": "w1", "colour": "red"}})) == (201, 0)
    assert code(wsim.nitro("POST", "unittestwidget", {"unittestwidget": {"name": "w1"}})) == (409, 273)
    assert code(wsim.nitro("POST", "unittestwidget", {"unittestwidget": {"name": "w2", "size": 11}})) == (400, 1097)
    status, body = wsim.nitro("GET", "unittestwidget/w1")
    assert status == 200
    assert body["unittestwidget"] == [{"name": "w1", "size": "3", "colour": "red", "state": "ENABLED"}]
    assert code(wsim.nitro("PUT", "unittestwidget/w1", {"unittestwidget": {"size": 5}})) == (200, 0)
    assert code(wsim.nitro("PUT", "unittestwidget", {"unittestwidget": {"name": "w1", "colour": "blue"}})) == (
        400,
        1090,
    )
    assert wsim.nitro("GET", "unittestwidget/w1")[1]["unittestwidget"][0]["size"] == "5"
    assert code(wsim.nitro("POST", "unittestwidget", {"unittestwidget": {"name": "w1", "colour": True}},
                           params={"action": "unset"})) == (400, 1090)  # fmt: skip
    assert code(wsim.nitro("POST", "unittestwidget", {"unittestwidget": {"name": "w1", "size": True}},
                           params={"action": "unset"})) == (200, 0)  # fmt: skip
    assert wsim.nitro("GET", "unittestwidget/w1")[1]["unittestwidget"][0]["size"] == "3"
    assert code(wsim.nitro("POST", "unittestwidget", {"unittestwidget": {"name": "w1"}},
                           params={"action": "disable"})) == (200, 0)  # fmt: skip
    assert code(wsim.nitro("POST", "unittestwidget", {"unittestwidget": {"name": "w1", "newname": "w9"}},
                           params={"action": "rename"})) == (200, 0)  # fmt: skip
    assert wsim.nitro("GET", "unittestwidget/w9")[1]["unittestwidget"][0]["state"] == "DISABLED"
    assert wsim.nitro("GET", "unittestwidget", params={"count": "yes"})[1]["unittestwidget"] == [{"__count": 1}]
    assert code(wsim.nitro("DELETE", "unittestwidget/w9")) == (200, 0)
    assert code(wsim.nitro("GET", "unittestwidget/w9")) == (404, 258)
    assert wsim.state()["unittestwidget"] == {}


def test_a_singleton_without_hooks(wsim):
    assert wsim.nitro("GET", "unittestwidgetsettings")[1]["unittestwidgetsettings"] == {"limit": "7"}
    assert code(wsim.nitro("PUT", "unittestwidgetsettings", {"unittestwidgetsettings": {"limit": 9}})) == (200, 0)
    assert wsim.state()["unittestwidgetsettings"] == {"limit": "9"}
    assert code(wsim.nitro("POST", "unittestwidgetsettings", {"unittestwidgetsettings": {"limit": 1}})) == (400, 1074)
    assert code(wsim.nitro("DELETE", "unittestwidgetsettings")) == (400, 1074)
    assert code(wsim.nitro("POST", "unittestwidgetsettings", {"unittestwidgetsettings": {"limit": True}},
                           params={"action": "unset"})) == (200, 0)  # fmt: skip
    assert wsim.nitro("GET", "unittestwidgetsettings")[1]["unittestwidgetsettings"] == {"limit": "7"}


def test_a_binding_without_hooks_links_two_objects(wsim):
    wsim.nitro("POST", "unittestwidget", {"unittestwidget": {"name": "w1"}})
    wsim.nitro("POST", "server", {"server": {"name": "srv", "ipaddress": "127.0.0.9"}})
    link = {"unittestwidget_server_binding": {"name": "w1", "servername": "srv", "weight": 4}}
    assert code(wsim.nitro("PUT", "unittestwidget_server_binding", link)) == (200, 0)
    assert code(wsim.nitro("PUT", "unittestwidget_server_binding", link)) == (409, 273)
    missing = {"unittestwidget_server_binding": {"name": "w1", "servername": "nope"}}
    assert code(wsim.nitro("PUT", "unittestwidget_server_binding", missing)) == (404, 258)
    rows = [{"name": "w1", "servername": "srv", "weight": "4"}]
    assert wsim.nitro("GET", "unittestwidget_server_binding/w1")[1]["unittestwidget_server_binding"] == rows
    assert wsim.nitro("GET", "unittestwidget_binding/w1")[1]["unittestwidget_binding"] == [
        {"name": "w1", "unittestwidget_server_binding": rows}
    ]
    # Renaming and deleting the member are followed by the link.
    wsim.nitro("POST", "server", {"server": {"name": "srv", "newname": "srv2"}}, params={"action": "rename"})
    assert wsim.state()["bindings"]["unittestwidget_server_binding"][0]["servername"] == "srv2"
    snapshot = wsim.simulator.appliance.export()
    assert code(wsim.nitro("DELETE", "server/srv2")) == (200, 0)
    assert wsim.state()["bindings"]["unittestwidget_server_binding"] == []
    # Export and load restore the link (state file, bulk rollback).
    wsim.simulator.appliance.load(snapshot)
    assert wsim.state()["bindings"]["unittestwidget_server_binding"][0]["servername"] == "srv2"
    unbind = {"args": "servername:srv2"}
    assert code(wsim.nitro("DELETE", "unittestwidget_server_binding/w1", params=unbind)) == (200, 0)
    assert code(wsim.nitro("DELETE", "unittestwidget_server_binding/w1", params=unbind)) == (599, 1303)


def test_the_readme_example_resource_works():
    """The "Add a resource" example of tests/nitro_sim/README.md, run as the file it tells you to save."""
    readme = (Path(resources.__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    code_block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    module = types.ModuleType("tests.nitro_sim.resources.lbgroup")
    module.__package__ = "tests.nitro_sim.resources"
    before = (set(REGISTRY), set(BINDING_REGISTRY))
    exec(compile(code_block, "README.md", "exec"), module.__dict__)
    added = (set(REGISTRY) - before[0], set(BINDING_REGISTRY) - before[1])
    try:
        assert added == ({"lbgroup"}, {"lbgroup_lbvserver_binding"})
        simulator = Simulator(health_factory=StaticHealth).start()
    finally:
        for name in added[0]:
            REGISTRY.pop(name)
        for name in added[1]:
            BINDING_REGISTRY.pop(name)
    try:
        h = SimHandle(simulator.url, simulator=simulator)
        group = {"lbgroup": {"name": "g1", "persistencetype": "cookieinsert", "cookiename": "c"}}
        assert code(h.nitro("POST", "lbgroup", group)) == (201, 0)
        assert code(h.nitro("POST", "lbgroup", {"lbgroup": {"name": "g2", "cookiename": "c"}})) == (400, 1093)
        h.nitro("POST", "lbvserver", {"lbvserver": {"name": "v1", "servicetype": "HTTP"}})
        link = {"lbgroup_lbvserver_binding": {"name": "g1", "vservername": "v1"}}
        assert code(h.nitro("PUT", "lbgroup_lbvserver_binding", link)) == (200, 0)
        assert h.nitro("GET", "lbgroup_binding/g1")[1]["lbgroup_binding"] == [
            {"name": "g1", "lbgroup_lbvserver_binding": [{"name": "g1", "vservername": "v1"}]}
        ]
        assert h.nitro("GET", "lbgroup/g1")[1]["lbgroup"] == [
            {"name": "g1", "persistencetype": "COOKIEINSERT", "timeout": "2", "cookiename": "c"}
        ]
    finally:
        simulator.stop()
