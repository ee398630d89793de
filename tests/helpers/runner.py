"""Run the collection's modules and playbooks the way Ansible does, for integration tests.

`run_module` executes a module file in a fresh Python process with its arguments as the
`ANSIBLE_MODULE_ARGS` JSON on stdin, which is what AnsiballZ hands a module on the target;
check and diff mode travel as `_ansible_check_mode` / `_ansible_diff`, as the controller
sends them. It is fast enough (about 0.3 s a run) to exercise every option.
`run_playbook` runs real `ansible-playbook` for roles, playbooks and module_defaults.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
COLLECTIONS = REPO / ".venv" / "collections"


def ansible_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NETSCALER_", "ANSIBLE_"))  # a test decides its own connection settings
    }
    env.update(
        {
            "PYTHONPATH": f"{COLLECTIONS}{os.pathsep}{REPO}",
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_HOME": str(REPO / ".venv" / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(REPO / ".venv" / "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_HOST_KEY_CHECKING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        }
    )
    env.update(extra or {})
    return env


CALLBACKS = REPO / "tests" / "helpers" / "callback_plugins"


def json_results_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """ansible_env with the json_results stdout callback (tests/helpers/callback_plugins/json_results.py)."""
    return ansible_env({"ANSIBLE_STDOUT_CALLBACK": "json_results", "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
                        **(extra or {})})  # fmt: skip


def json_results(stdout: str, stderr: str = "") -> dict[str, Any]:
    """The one-line document json_results prints at the end of a run: {"tasks": [...], "stats": {...}}."""
    try:
        return json.loads(stdout[stdout.index('{"tasks"') :].splitlines()[0])  # type: ignore[no-any-return]
    except ValueError as exc:
        raise AssertionError(f"no JSON from ansible-playbook:\n{stdout}\n{stderr}") from exc


def run_module(
    name: str,
    args: dict[str, Any],
    *,
    check: bool = False,
    diff: bool = False,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> dict[str, Any]:
    """Run adcops.netscaler.<name> with ``args``; returns its JSON result plus ``_stdout``/``_stderr``."""
    module_args = {
        **args,
        "_ansible_check_mode": check,
        "_ansible_diff": diff,
        "_ansible_verbosity": 0,
        "_ansible_no_log": False,
        "_ansible_debug": False,
        "_ansible_module_name": f"adcops.netscaler.{name}",
        "_ansible_tmpdir": tempfile.gettempdir(),
        "_ansible_remote_tmp": tempfile.gettempdir(),
        "_ansible_keep_remote_files": False,
    }
    proc = subprocess.run(
        [sys.executable, "-m", f"ansible_collections.adcops.netscaler.plugins.modules.{name}"],
        input=json.dumps({"ANSIBLE_MODULE_ARGS": module_args}),
        capture_output=True,
        text=True,
        env=ansible_env(env),
        timeout=timeout,
        check=False,
    )
    try:
        result = json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError(
            f"module {name} printed no JSON (rc={proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        ) from exc
    result["_stdout"] = proc.stdout
    result["_stderr"] = proc.stderr
    result["_rc"] = proc.returncode
    return result


def connection(sim: Any) -> dict[str, Any]:
    """Connection options for a module run against a simulator handle."""
    return {
        "nsip": sim.nsip,
        "nitro_user": sim.user,
        "nitro_pass": sim.password,
        "nitro_protocol": "http",
    }


def role_connection(sim: Any) -> dict[str, Any]:
    """The netscaler_* variables the roles and playbooks read, for a simulator handle (plain HTTP)."""
    return {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": sim.user,
        "netscaler_nitro_pass": sim.password,
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
    }


def run_playbook(
    playbook: str | Path,
    *,
    extra_vars: dict[str, Any] | None = None,
    check: bool = False,
    diff: bool = False,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    tags: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """ansible-playbook against localhost; returns the finished process (stdout has the recap)."""
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if tags:
        cmd += ["--tags", tags]
    return subprocess.run(
        cmd, capture_output=True, text=True, env=ansible_env(env), timeout=timeout, cwd=REPO, check=False
    )


def recap(stdout: str) -> dict[str, int]:
    """The PLAY RECAP counters of the localhost line, e.g. {'ok': 5, 'changed': 0, 'failed': 0, ...}."""
    for line in stdout.splitlines():
        if line.startswith("localhost") and "ok=" in line:
            return {key: int(value) for key, value in (part.split("=") for part in line.split(":", 1)[1].split())}
    raise AssertionError(f"no PLAY RECAP in output:\n{stdout}")
