"""make test's cheap guard of `make bench`: a no-op run of the healthchecked_pool role costs the same requests at
N = 10 and N = 200 members, at most 10 requests and exactly one login, the HA gate's read of `hanode` included
(netscaler_node ha.yml reads in the role's session); tests/bench/bench.py measures the rest. The dsr_vserver role
gets the same guard; its no-op costs more (MBF's nsmode, and the read-back of every member's state for its report)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.runner import REPO, recap, run_playbook
from tests.integration.test_nitro_session import HANODE, LOGIN, pool_vars

PLAYBOOK = REPO / "playbooks" / "healthchecked_pool.yml"
MAX_NOOP_REQUESTS = 10
DSR_PLAYBOOK = REPO / "playbooks" / "dsr.yml"
# login, hanode, nsmode, service, lbvserver + binding (lb_vserver), 4 of lb_healthcheck, 4 of the report, logout
MAX_DSR_NOOP_REQUESTS = 15


def dsr_vars(sim: Any, size: int) -> dict[str, Any]:
    pool = pool_vars(sim, size)
    return {
        **{key: value for key, value in pool.items() if key.startswith("netscaler_")},
        "dsr_vserver_name": "dsr",
        "dsr_vserver_vip": "198.18.100.1",
        "dsr_vserver_members": [{"ip": member["ip"]} for member in pool["healthchecked_pool_members"]],
    }


def play(sim: Any, size: int, playbook: Path = PLAYBOOK) -> tuple[list[dict[str, Any]], dict[str, int]]:
    sim.clear_requests()
    extra = pool_vars(sim, size) if playbook == PLAYBOOK else dsr_vars(sim, size)
    proc = run_playbook(playbook, extra_vars=extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return sim.requests(), recap(proc.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("playbook", "ceiling"), [(PLAYBOOK, MAX_NOOP_REQUESTS), (DSR_PLAYBOOK, MAX_DSR_NOOP_REQUESTS)], ids=["pool", "dsr"]
)
def test_noop_requests_do_not_grow_with_the_pool(sim, playbook, ceiling):
    noop: dict[int, Counter[str]] = {}
    for size in (10, 200):
        sim.reset()
        sim.set_time_scale(100)  # the health prober of 200 members stays out of the way
        _converge, counts = play(sim, size, playbook)
        assert counts["changed"] >= 3
        log, counts = play(sim, size, playbook)
        assert counts["changed"] == 0
        assert all(entry["method"] == "GET" or entry["path"].endswith(("/login", "/logout")) for entry in log)
        noop[size] = Counter(f"{entry['method']} {entry['path']}" for entry in log)
        assert [(entry["method"], entry["path"]) for entry in log[:2]] == [("POST", LOGIN), ("GET", HANODE)]
        assert noop[size][f"POST {LOGIN}"] == 1, noop[size]
    assert noop[10] == noop[200], f"no-op requests depend on the pool size: {noop}"
    total = sum(noop[10].values())
    assert total <= ceiling, f"a no-op run costs {total} requests, the HA gate included: {noop[10]}"
