"""A guard on what a pool run costs the controller (issue 28), so that it cannot grow unnoticed.

playbooks/healthchecked_pool.yml at N = 100, no-op, on the in-process path (the default) and on the ordinary
module path (`netscaler_in_process: false`), measured in the same test: the number of tasks, the CPU time of the
whole ansible-playbook process tree (user + system, from the kernel's accounting of waited-for children, so other
load on the machine does not count), and the requests. The full picture, wall times included, is `make bench`.
"""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path
from typing import Any

from tests.helpers.runner import REPO, VENV_BIN, ansible_env, role_connection

PLAYBOOK = REPO / "playbooks" / "healthchecked_pool.yml"
TASK_TIMES = REPO / "tests" / "bench" / "callback_plugins"
# The no-op's tasks today (roles/healthchecked_pool and roles/netscaler_node, skipped ones included; 4 of them are the
# service-group mode's, healthchecked_pool_backend). A change that adds one must raise this on purpose: every task
# costs each run about 0.03 to 0.1 s of controller CPU.
MAX_NOOP_TASKS = 30
# Controller CPU of the no-op: about 2.5 s on the in-process path and 6.5 s on the ordinary one on an idle 2-core
# machine; the limits leave room for a loaded CI machine and still catch a return to the ordinary path.
MAX_NOOP_CPU_S = 4.5
MIN_CPU_RATIO = 1.8
MEMBERS = [{"ip": f"198.18.0.{i + 1}", "port": 80} for i in range(100)]


def play(sim: Any, tmp: Path, **extra: Any) -> dict[str, Any]:
    variables = {**role_connection(sim), "healthchecked_pool_name": "cost", "healthchecked_pool_vip": "192.0.2.80",
                 "healthchecked_pool_members": MEMBERS, **extra}  # fmt: skip
    (tmp / "vars.json").write_text(json.dumps(variables))
    times = tmp / "times.json"
    env = ansible_env({"ANSIBLE_CALLBACK_PLUGINS": str(TASK_TIMES), "ANSIBLE_CALLBACKS_ENABLED": "task_times",
                       "BENCH_TASK_TIMES": str(times)})  # fmt: skip
    sim.clear_requests()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(PLAYBOOK),
         "-e", f"@{tmp / 'vars.json'}"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return {
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
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
