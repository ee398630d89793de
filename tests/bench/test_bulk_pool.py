"""Requests per lb_service run for pools of 10, 100, 500 and 1,000 services: the count must not depend on N.

Prints a table (run with -s to see it) of requests and wall time per phase: create, no-op re-run, update, delete.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.helpers.runner import connection, run_module

SIZES = (10, 100, 500, 1000)


def members(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"name": f"pool-{i:04d}", "ip": f"127.1.{i // 250}.{i % 250 + 1}", **extra} for i in range(count)]


def phase(sim: Any, args: dict[str, Any]) -> tuple[dict[str, Any], int, int, float]:
    sim.clear_requests()
    started = time.monotonic()
    result = run_module("lb_service", {**connection(sim), **args}, timeout=300)
    elapsed = time.monotonic() - started
    assert not result.get("failed"), result.get("msg")
    return result, len(sim.requests()), len(sim.writes()), elapsed


@pytest.mark.slow
def test_requests_independent_of_pool_size(sim: Any) -> None:
    table: dict[int, dict[str, tuple[int, int, float]]] = {}
    for size in SIZES:
        sim.reset()
        base = {"servicetype": "ANY", "port": "*", "usip": True}
        created, *create = phase(sim, {**base, "services": members(size)})
        assert created["summary"]["added"] == size and len(sim.state()["service"]) == size
        rerun, *noop = phase(sim, {**base, "services": members(size)})
        assert rerun["changed"] is False
        updated, *update = phase(sim, {**base, "services": members(size, maxclient=100)})
        assert updated["summary"]["updated"] == size
        deleted, *delete = phase(sim, {**base, "state": "absent", "services": members(size)})
        assert deleted["summary"]["deleted"] == size and sim.state()["service"] == {}
        table[size] = {"create": create, "no-op": noop, "update": update, "delete": delete}

    print("\nrequests (writes) and seconds per lb_service run")
    print(f"{'services':>8} | " + " | ".join(f"{p:>18}" for p in ("create", "no-op", "update", "delete")))
    for size, phases in table.items():
        cells = [f"{r:>3} ({w}) {t:6.2f}s" for r, w, t in phases.values()]
        print(f"{size:>8} | " + " | ".join(f"{c:>18}" for c in cells))

    for name in ("create", "no-op", "update", "delete"):
        counts = {size: table[size][name][0] for size in SIZES}
        assert len(set(counts.values())) == 1, f"{name}: request count depends on the pool size: {counts}"
        writes = {size: table[size][name][1] for size in SIZES}
        assert len(set(writes.values())) == 1, f"{name}: write count depends on the pool size: {writes}"
    assert table[500]["create"][0] <= 5 and table[500]["no-op"][0] == 3 and table[500]["no-op"][1] == 0
