"""`make bench`'s issue 28 targets, judged from given results: each MISSED fleet or CPU target carries the Ansible-alone
floor measured in the same run, and says when Ansible alone already misses the target on the machine."""

from __future__ import annotations

from typing import Any

from tests.bench.bench import check_targets

TASKS = [{"task": f"t{i}", "action": "a", "s": 0.05} for i in range(24)]


def run(wall: float, cpu: float, requests: int = 10) -> dict[str, Any]:
    return {"wall_s": wall, "cpu_s": cpu, "requests": requests, "logins": 1, "tasks": TASKS}


def results(alone: list[dict[str, Any]]) -> dict[str, Any]:
    phases = {"converge": run(2.4, 2.5, 19), "no-op": run(2.3, 2.4)}
    speed = [
        {"role": "pool", "n": 100, "path": "fast", "phases": phases},
        {
            "role": "pool",
            "n": 100,
            "path": "ordinary",
            "phases": {p: run(7, 7.5, r["requests"]) for p, r in phases.items()},
        },
        {"role": "pool", "n": 100, "path": "before", "phases": {"converge": run(7, 7.7, 19), "no-op": run(6.4, 6.6)}},
    ]
    fleet = [{"appliances": count, "phases": {"converge": {**run(wall, cpu, 19), "sim_cpu_s": 0.1}}}
             for count, wall, cpu in ((1, 2.0, 2.1), (4, 3.4, 6.0), (16, 10.0, 20.0))]  # fmt: skip
    pool = [{"n": 100, "latency_ms": 0, "phase": p, "adcops": r} for p, r in phases.items()]
    return {"pool": pool, "official": {"source": "skipped"}, "fleet": fleet, "speed": speed, "ansible_alone": alone}


def target(checks: list[dict[str, Any]], start: str) -> dict[str, Any]:
    return next(c for c in checks if c["target"].startswith(start))


def alone(hosts: int, wall: float, cpu: float) -> dict[str, Any]:
    return {"tasks": 24, "hosts": hosts, "wall_s": wall, "cpu_s": cpu, "cpu_s_runs": [cpu], "wall_s_runs": [wall]}


def test_fleet_targets_carry_ansible_alone_and_say_when_it_misses_them_too():
    checks = check_targets(results([alone(1, 1.0, 1.1), alone(4, 1.4, 2.3), alone(16, 4.0, 7.9)]))
    four = target(checks, "[28] 4 appliances")
    assert not four["met"]
    assert "Ansible alone, 24 tasks that do nothing: 1.40x (1.00 s -> 1.40 s)" in four["value"]
    assert "misses it" not in four["value"]  # 1.40x is within 1.5x: this miss is the roles' own
    sixteen = target(checks, "[28] 16 appliances")
    assert "4.00x (1.00 s -> 4.00 s), over the target: Ansible alone misses it on this machine" in sixteen["value"]
    # issue 17's target is "less than 4x": Ansible alone is judged by that same test, so 4.00x misses it
    assert target(checks, "16 appliances converge in less than")["value"] == (
        "5.00x; Ansible alone, 24 tasks that do nothing: 4.00x (1.00 s -> 4.00 s), over the target: Ansible alone "
        "misses it on this machine"
    )


def test_cpu_target_reports_the_cost_above_ansible_alone():
    checks = check_targets(results([alone(1, 1.0, 1.1)]))
    noop = target(checks, "[28] pool no-op: controller CPU at least 3x less than before")
    assert not noop["met"]  # 6.6 s -> 2.4 s is 2.75x
    assert noop["value"] == (
        "6.60 s -> 2.40 s (2.75x); floor: Ansible alone, 24 tasks that do nothing, 1.10 s; above that floor 5.50 s -> "
        "1.30 s (4.23x)"
    )
    assert target(checks, "[28] pool converge: controller CPU at least 3x less than before")["met"]


def test_without_the_floor_runs_the_targets_say_only_what_was_measured():
    checks = check_targets(results([]))
    assert "Ansible alone" not in " ".join(c["value"] for c in checks)
