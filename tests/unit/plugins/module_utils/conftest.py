"""Fixtures the unit tests of plugins/module_utils share.

Nothing of the collection is imported at module level, here or through the helpers: collecting the tests must not
import the code under test, so a broken module_utils file fails its own tests with its own error instead of the
collection of every test in this folder. A fixture imports what it needs when a test asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.unit.scripted_server import PASSWORD, ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """A real local HTTP server whose answers the test scripts (tests/unit/scripted_server.py)."""
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def client_for() -> Callable[..., Any]:
    """``client_for(server, **options)``: a NitroClient on the scripted server, over HTTP, with short back-off and
    time budget; ``options`` override the defaults."""
    from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient

    def make(server: ScriptedServer, **kwargs: Any) -> NitroClient:
        options = {"user": "nsroot", "password": PASSWORD, "protocol": "http", "backoff": 0.01, "timeout": 5}
        options.update(kwargs)
        return NitroClient(server.nsip, **options)

    return make
