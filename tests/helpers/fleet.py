"""Several appliances at once: NITRO simulator processes and ansible-playbook over an inventory of them.

`simulator_processes(n)` starts n `python -m tests.nitro_sim` processes (one appliance each, as a fleet is n
machines) and yields a SimHandle per process; `run_inventory_playbook` runs a playbook over an inventory file
with forks, and `host_recaps` reads the PLAY RECAP line of every host.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.helpers.runner import REPO, VENV_BIN, ansible_env
from tests.nitro_sim.pytest_plugin import SimHandle


@contextmanager
def simulator_processes(count: int, *, user: str = "nsroot", password: str = "nsroot") -> Iterator[list[SimHandle]]:
    procs: list[subprocess.Popen[str]] = []
    try:
        for _ in range(count):
            cmd = [sys.executable, "-m", "tests.nitro_sim", "--bind", "127.0.0.1:0", "--time-scale", "0.05"]
            cmd += ["--user", user, "--password", password]
            procs.append(subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
        handles = []
        for proc in procs:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://"), f"simulator did not start (printed {url!r})"
            handles.append(SimHandle(url, user, password))
        yield handles
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_inventory_playbook(
    playbook: str | Path,
    inventory: str | Path,
    *,
    extra_vars: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    forks: int = 5,
    verbosity: int = 0,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), "-f", str(forks), str(playbook)]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    return subprocess.run(
        cmd, capture_output=True, text=True, env=ansible_env(env), timeout=timeout, cwd=REPO, check=False
    )


def host_recaps(stdout: str) -> dict[str, dict[str, int]]:
    """{host: {'ok': n, 'changed': n, 'failed': n, ...}} from the PLAY RECAP."""
    recaps = {}
    for line in stdout.split("PLAY RECAP", 1)[-1].splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line)
        if match and "ok=" in match.group(2):
            recaps[match.group(1)] = {k: int(v) for k, v in (p.split("=") for p in match.group(2).split())}
    return recaps


def survey_vars(playbook: str, name: str, vip: str, backend_factory: Any) -> dict[str, str]:
    """A playbook's inputs for one vserver `name` on `vip`, in the flat string forms a survey sends."""
    if playbook == "healthchecked_pool":
        backends = [backend_factory() for _ in range(2)]
        return {
            "healthchecked_pool_name": name,
            "healthchecked_pool_vip": vip,
            "healthchecked_pool_member_list": ",".join(f"{b.host}:{b.port}" for b in backends),
        }
    # dsr: loopback members answer the PING monitor
    prefix = vip.rsplit(".", 1)[0]
    return {
        "dsr_vserver_name": name,
        "dsr_vserver_vip": vip,
        "dsr_vserver_member_list": f"{prefix}.11, {prefix}.12=2",
        "dsr_vserver_save_config": "true",
    }
