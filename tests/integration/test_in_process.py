"""The in-process path (plugins/plugin_utils/_in_process.py) gives what the ordinary module path gives.

Every NITRO module's scenarios of test_module_verbs, plus failures, a warning, a loop, the connection from the
task's `environment:` and a no_log secret, run through ansible-playbook twice against the same simulator, reset in
between, with its health checks static (every enabled member UP, so that the results do not depend on how long
each path takes) and a password that is not the user name: once with
`netscaler_in_process: false` (AnsiballZ, a new interpreter: ansible-core's own path) and once on the fast path.
Both runs must give the same task results (as callbacks see them, after no_log censoring), the same NITRO requests
in the same order, and the secret in neither output; -vvv must show which path each task took.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.runner import REPO, VENV_BIN, ansible_env, connection, json_results, json_results_env
from tests.integration.test_module_verbs import SCENARIOS, nitro_modules, pool
from tests.nitro_sim.pytest_plugin import SimHandle
from tests.nitro_sim.runtime import StaticHealth
from tests.nitro_sim.simulator import Simulator

FAST = "run in a fork of the controller's worker"
ORDINARY = "ordinary module execution"
# Values that differ between any two runs, whatever the path: session tokens, measured durations, clock times.
CLOCK_KEYS = ("masterstatetime", "last_saved")
TOKEN = re.compile(r"^[0-9a-f]{16,}$")
SECONDS = re.compile(r"\b\d+\.\d+ s\b")


@pytest.fixture
def static_sim() -> Iterator[SimHandle]:
    with Simulator(password="in-process-Secret-7", health_factory=StaticHealth) as simulator:
        yield SimHandle.fresh(simulator)


def extra_scenarios(sim: Any) -> dict[str, tuple[Any, list[dict[str, Any]]]]:
    """Tasks beyond the verbs' scenarios: module -> (setup, tasks with their own keywords)."""
    conn = connection(sim)
    env = {"NETSCALER_NSIP": conn["nsip"], "NETSCALER_NITRO_USER": conn["nitro_user"],
           "NETSCALER_NITRO_PASS": conn["nitro_pass"], "NETSCALER_NITRO_PROTOCOL": "http"}  # fmt: skip
    return {
        "lb_service": (pool, [
            # a warning (kept services) must be in the result, not printed by the controller
            {"adcops.netscaler.lb_service": {**conn, "services": [{"name": "w1"}], "state": "absent",
                                             "keep_bound": True}},
            # bad input: fails before any request, naming the option
            {"adcops.netscaler.lb_service": {**conn, "name": "x", "ip": "300.1.1.1", "port": 80,
                                             "servicetype": "HTTP"}},
            # a NITRO error passed through
            {"adcops.netscaler.lb_service": {**conn, "name": "w1", "ip": "127.9.1.1", "port": 80,
                                             "servicetype": "NOTATYPE"}},
            # the connection from the task's environment only
            {"adcops.netscaler.lb_service": {"name": "e1", "ip": "127.0.0.31", "port": 80, "servicetype": "HTTP"},
             "environment": env},
            # a loop: each item its own module run; nothing (warnings, arguments) carries over
            {"adcops.netscaler.lb_service": {**conn, "services": [{"name": "{{ item }}"}], "state": "absent",
                                             "keep_bound": True}, "loop": ["w2", "e1"]},
        ]),
        "nitro_session": (None, [
            {"adcops.netscaler.nitro_session": {**conn, "nitro_pass": "not-the-password"}},
        ]),
    }  # fmt: skip


def playbook(path: Path, tasks: list[dict[str, Any]]) -> None:
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    path.write_text(yaml.safe_dump(play, sort_keys=False))


def scenario_tasks(sim: Any, module: str) -> tuple[Any, list[dict[str, Any]]]:
    setup, steps = SCENARIOS.get(module, (None, []))
    tasks: list[dict[str, Any]] = []
    for label, args in steps:
        call = {f"adcops.netscaler.{module}": {**connection(sim), **args}}
        tasks += [
            {"name": f"{label} (check)", **call, "check_mode": True, "diff": True},
            {"name": label, **call, "diff": True},
            {"name": f"{label} (again)", **call, "diff": True},
        ]
    extra_setup, extra = extra_scenarios(sim).get(module, (None, []))
    tasks += [{"name": f"extra {i}", **task} for i, task in enumerate(extra)]
    for task in tasks:
        task["ignore_errors"] = True
    return setup or extra_setup, tasks


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<clock>" if k in CLOCK_KEYS else normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return SECONDS.sub("<s> s", "<token>" if TOKEN.match(value) else value)
    if isinstance(value, float):
        return "<float>"
    return value


def differences(fast: Any, ordinary: Any, path: str = "") -> list[str]:
    if isinstance(fast, dict) and isinstance(ordinary, dict):
        keys = sorted(set(fast) | set(ordinary), key=str)
        return [d for k in keys for d in differences(fast.get(k, "-"), ordinary.get(k, "-"), f"{path}.{k}")]
    if isinstance(fast, list) and isinstance(ordinary, list) and len(fast) == len(ordinary):
        pairs = enumerate(zip(fast, ordinary, strict=True))
        return [d for i, (f, o) in pairs for d in differences(f, o, f"{path}[{i}]")]
    return [] if fast == ordinary else [f"{path}: fast {fast!r}, ordinary {ordinary!r}"]


def run(sim: Any, module: str, tmp: Path, in_process: bool) -> tuple[dict[str, Any], list[Any], str]:
    sim.reset()
    setup, tasks = scenario_tasks(sim, module)
    if setup:
        setup(sim)
    sim.clear_requests()
    path = tmp / f"{module}-{in_process}.yml"
    playbook(path, tasks)
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-vvv", str(path),
         "-e", json.dumps({"netscaler_in_process": in_process})],
        capture_output=True, text=True, env=json_results_env(), cwd=REPO, timeout=300, check=False,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    document = json_results(proc.stdout, proc.stderr)
    requests = [(r["method"], r["path"], r["query"], r["body"], r["status"], r["errorcode"]) for r in sim.requests()]
    return normalise(document), normalise(requests), out


@pytest.mark.parametrize("module", nitro_modules())
def test_in_process_gives_what_the_module_path_gives(static_sim, module, tmp_path):
    sim = static_sim
    ordinary, ordinary_requests, ordinary_out = run(sim, module, tmp_path, in_process=False)
    fast, fast_requests, fast_out = run(sim, module, tmp_path, in_process=True)
    tasks = len(ordinary["tasks"])
    assert tasks >= 1, ordinary_out
    # Each run took the path it was asked for, for every module run (a loop's items are runs of one task).
    runs = ordinary_out.count(f"{ORDINARY} (netscaler_in_process is false)")
    assert runs >= tasks and FAST not in ordinary_out, ordinary_out
    assert fast_out.count(FAST) == runs and ORDINARY not in fast_out, fast_out
    assert fast["stats"] == ordinary["stats"]
    for got, want in zip(fast["tasks"], ordinary["tasks"], strict=True):
        assert got == want, (got["task"], differences(got, want))
    assert fast_requests == ordinary_requests
    # The secret is masked the same way on both paths (the results above). The fast path prints it nowhere, even at
    # -vvv; the ordinary path prints it only where ansible-core shows the command it runs, with the `environment:`
    # of the task that takes its password from there.
    assert sim.password not in fast_out and "not-the-password" not in fast_out, fast_out
    leaks = [line for line in ordinary_out.splitlines() if sim.password in line or "not-the-password" in line]
    assert all("<localhost> EXEC" in line and "NETSCALER_NITRO_PASS=" in line for line in leaks), leaks


def test_every_nitro_module_has_the_in_process_action():
    """An action plugin of the module's own name (a redirect in meta/runtime.yml would work too, but makes
    ansible-lint's fqcn rule ask users for the action plugin's name instead of the module's)."""
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())
    assert "action" not in runtime.get("plugin_routing", {})
    own = {p.stem for p in (REPO / "plugins" / "action").glob("*.py") if "(InProcessAction)" in p.read_text()}
    assert set(runtime["action_groups"]["nitro"]) == set(nitro_modules()) == own


def test_another_interpreter_become_or_async_takes_the_ordinary_path(static_sim, tmp_path):
    """Another interpreter may hold other libraries, become means another user, and async is ansible-core's own
    wrapper: ansible-core's own path, said at -vvv, with the same result."""
    sim = static_sim
    other = tmp_path / "python3"
    other.symlink_to(sys.executable)
    task = {"adcops.netscaler.ns_hanode_info": connection(sim), "register": "info"}
    tasks = [
        {"name": "another interpreter", **task, "vars": {"ansible_python_interpreter": str(other)}},
        {"name": "become", **task, "become": True, "become_method": "su", "become_user": "root",
         "vars": {"ansible_python_interpreter": sys.executable}, "ignore_errors": True},
        {"name": "async", **task, "async": 60, "poll": 1, "vars": {"ansible_python_interpreter": sys.executable}},
    ]  # fmt: skip
    path = tmp_path / "paths.yml"
    playbook(path, tasks)
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-vvv", str(path)],
        capture_output=True, text=True, env=ansible_env(), cwd=REPO, timeout=300, check=False,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert f"{ORDINARY} (the module's interpreter {other} is not this controller's {sys.executable})" in out, out
    assert f"{ORDINARY} (the task uses become)" in out and FAST not in out, out
    assert f"{ORDINARY} (the task uses async)" in out and proc.returncode == 0, out
    assert "ok: [localhost]" in out, out
