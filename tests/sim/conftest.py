"""Helpers for the simulator contract tests: a thin NITRO client on top of the `sim` fixture."""

from __future__ import annotations

from typing import Any

import pytest


class Api:
    """Raw NITRO calls through `sim.nitro` with one-line assertions for seeding."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, dict[str, Any]]:
        return self.sim.nitro(method, path, body, params or None)

    def add(self, res: str, **attrs: Any) -> dict[str, Any]:
        status, body = self.call("POST", res, {res: attrs})
        assert status == 201, body
        return body

    def bind(self, binding: str, **attrs: Any) -> None:
        status, body = self.call("PUT", binding, {binding: attrs})
        assert status == 200, body

    def get(self, res: str, name: str | None = None, **params: Any) -> Any:
        path = res if name is None else f"{res}/{self.sim.quote_name(name)}"
        status, body = self.call("GET", path, **params)
        assert status == 200, body
        return body.get(res, [])

    def one(self, res: str, name: str, **params: Any) -> dict[str, Any]:
        rows = self.get(res, name, **params)
        assert len(rows) == 1, rows
        return rows[0]

    def lb_setup(self) -> None:
        """One vserver, one HTTP service bound to it."""
        self.add("lbvserver", name="vs1", servicetype="HTTP", ipv46="127.0.0.10", port=80)
        self.add("service", name="svc1", servicetype="HTTP", ip="127.0.0.20", port=8080)
        self.bind("lbvserver_service_binding", name="vs1", servicename="svc1")


@pytest.fixture
def api(sim: Any) -> Api:
    return Api(sim)


def assert_error(result: tuple[int, dict[str, Any]], status: int, errorcode: int) -> dict[str, Any]:
    got_status, body = result
    assert (got_status, body.get("errorcode")) == (status, errorcode), body
    assert body["severity"] == "ERROR"
    assert isinstance(body["message"], str) and body["message"]
    return body
