"""Shared pytest wiring: the NITRO simulator fixtures and the loopback test backends.

`make pytest` runs the suite on two pytest-xdist workers with ``--dist loadgroup``. Tests are handed out one by
one, except where that would build something expensive twice: the tests of a module with a module-scoped fixture
run in one worker (the fixture is built once, as in a serial run), and so do all the tests that use the installed
tarball (tests/dist's session fixture: one build and install). Everything else is per process already: each
worker starts its own simulators on ephemeral ports, the loopback backends take addresses derived from the pid
and the network namespaces carry random ids.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.nitro_sim.pytest_plugin", "tests.helpers.backends"]

# Session-scoped fixtures whose users share one xdist worker (name -> group).
SHARED_SESSION_FIXTURES = {"installed_collection": "installed_collection"}


def xdist_group(item: pytest.Item) -> str | None:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for name, group in SHARED_SESSION_FIXTURES.items():
        if name in info.name2fixturedefs:
            return group
    for defs in info.name2fixturedefs.values():
        if any(d.scope == "module" for d in defs):
            return item.nodeid.split("::", 1)[0]
    return None


# pytest-xdist 3.8 groups by a "@group" suffix that its own collection hook writes to item._nodeid, which pytest 9.2
# no longer reads (the id is item._id, a NodeId): the marks alone would group nothing, and each worker would build the
# shared fixtures again. So in a loadgroup worker this hook also writes the suffix where the scheduler reads it.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    loadgroup = config.getoption("loadgroup", default=False)
    for item in items:
        group = xdist_group(item)
        if group is not None and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group))
        names = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                        for mark in item.iter_markers("xdist_group")})  # fmt: skip
        node_id = getattr(item, "_id", None)
        if loadgroup and names and node_id is not None and "@" not in item.nodeid:
            item._id = type(node_id).parse(f"{item.nodeid}@{'_'.join(names)}")
