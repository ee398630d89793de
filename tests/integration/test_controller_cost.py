"""A guard on what a pool run costs the controller (issue 28), so that it cannot grow unnoticed.

playbooks/healthchecked_pool.yml at N = 100, no-op, on the in-process path (the default) and on the ordinary
module path (`netscaler_in_process: false`), measured in the same test: the number of tasks, the CPU time of the
whole ansible-playbook process tree (user + system, from the kernel's accounting of waited-for children, so other
load on the machine does not count), and the requests. The full picture, wall times included, is `make bench`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.bench.bench import POOL_PLAYBOOK, members, run_ansible, task_times_env
from tests.helpers.runner import VENV_BIN, ansible_env, role_connection

# The no-op's tasks today (roles/healthchecked_pool and roles/netscaler_node, skipped ones included; 4 of them are the
# service-group mode's, healthchecked_pool_backend; 30 before netscaler_node's logout was imported and its scaffold
# went without a second validation, the save moved into its finish and the secondary's steps into their own file).
# A change that adds one must raise this on purpose: every task costs each run about 0.02 to 0.1 s of controller CPU.
MAX_NOOP_TASKS = 24
# Controller CPU of the no-op: about 2.5 s on the in-process path and 6.5 s on the ordinary one on an idle 2-core
# machine; the limits leave room for a loaded CI machine and still catch a return to the ordinary path.
MAX_NOOP_CPU_S = 4.5
MIN_CPU_RATIO = 1.8


def play(sim: Any, tmp: Path, **extra: Any) -> dict[str, Any]:
    variables = {**role_connection(sim), "healthchecked_pool_name": "cost", "healthchecked_pool_vip": "192.0.2.80",
                 "healthchecked_pool_members": members(100), **extra}  # fmt: skip
    (tmp / "vars.json").write_text(json.dumps(variables))
    times = tmp / "times.json"
    sim.clear_requests()
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(POOL_PLAYBOOK),
           "-e", f"@{tmp / 'vars.json'}"]  # fmt: skip
    proc, _wall, _peak, cpu = run_ansible(cmd, ansible_env(task_times_env(times)))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return {
        "cpu": cpu,
        "tasks": json.loads(times.read_text()),
        "requests": [(r["method"], r["path"]) for r in sim.requests()],
        "stdout": proc.stdout,
    }


def test_pool_no_op_task_count_and_controller_cpu(sim, tmp_path):
    play(sim, tmp_path)  # converge
    fast = play(sim, tmp_path)
    ordinary = play(sim, tmp_path, netscaler_in_process=False)
    for run in (fast, ordinary):
        assert "changed=0" in run["stdout"], run["stdout"][-2000:]
    assert len(fast["tasks"]) == len(ordinary["tasks"]) <= MAX_NOOP_TASKS, [t["task"] for t in fast["tasks"]]
    assert fast["requests"] == ordinary["requests"] and len(fast["requests"]) == 10, fast["requests"]
    assert fast["cpu"] <= MAX_NOOP_CPU_S, f"{fast['cpu']:.2f} s CPU (ordinary path {ordinary['cpu']:.2f} s)"
    assert ordinary["cpu"] >= MIN_CPU_RATIO * fast["cpu"], f"{ordinary['cpu']:.2f} s -> {fast['cpu']:.2f} s"
