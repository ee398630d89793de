"""The collection as users install it: `ansible-galaxy collection build`, then `install` into a temporary path.

Everything in tests/dist runs Ansible with only that installed copy on the collections path and nothing of the
checkout on PYTHONPATH, from a working directory outside the checkout, so a file the tarball misses fails here.
It runs on every ansible-core of the matrix (`make core-matrix`): build and install use that core's ansible-galaxy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.runner import REPO
from tests.nitro_sim.fixtures import NetScalerConnection

BIN = Path(sys.executable).parent


def ansible(tool: str) -> str:
    return str(BIN / tool)


class Installed:
    """An installed adcops.netscaler (plus any other collections a test generates next to it)."""

    def __init__(self, root: Path, tarball: Path, workdir: Path) -> None:
        self.root = root  # the directory that holds ansible_collections/
        self.tarball = tarball
        self.workdir = workdir
        self.collection = root / "ansible_collections" / "adcops" / "netscaler"

    def env(self, extra: dict[str, str | None] | None = None) -> dict[str, str]:
        """The environment for Ansible commands; an ``extra`` value of None removes that variable."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("NETSCALER_", "ANSIBLE_")) and key != "PYTHONPATH"
        }
        env.update(
            {
                "ANSIBLE_COLLECTIONS_PATH": str(self.root),
                "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
                "ANSIBLE_HOME": str(self.workdir / "ansible-home"),
                "ANSIBLE_LOCAL_TEMP": str(self.workdir / "ansible-tmp"),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_RETRY_FILES_ENABLED": "false",
                "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
                "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            }
        )
        env.update(extra or {})
        return {key: value for key, value in env.items() if value is not None}

    def run(self, args: list[str], *, extra_env: dict[str, str | None] | None = None, timeout: float = 600,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
        return subprocess.run(
            args, capture_output=True, text=True, env=self.env(extra_env), cwd=cwd or self.workdir,
            timeout=timeout, check=False,
        )  # fmt: skip

    def playbook(self, playbook: str | Path, extra_vars: dict[str, Any] | None = None, *, verbose: bool = False,
                 extra_env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
        cmd = [ansible("ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)]
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        if verbose:
            cmd.append("-vvv")
        return self.run(cmd, extra_env=extra_env)


@pytest.fixture(scope="session")
def installed_collection(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [ansible("ansible-galaxy"), "collection", "build", "--output-path", str(work / "build"), str(REPO)],
        capture_output=True, text=True, cwd=work, timeout=300, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    (tarball,) = (work / "build").glob("adcops-netscaler-*.tar.gz")
    installed = Installed(work / "collections", tarball, work)
    install = installed.run(
        [ansible("ansible-galaxy"), "collection", "install", "--offline", str(tarball), "-p", str(installed.root)]
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert (installed.collection / "MANIFEST.json").is_file(), install.stdout
    return installed


def sim_vars(sim: Any) -> dict[str, Any]:
    """The netscaler_* variables for the collection's roles and playbooks, as the users' pytest plugin yields them."""
    return dict(NetScalerConnection(sim))


def assert_ok(proc: subprocess.CompletedProcess[str]) -> dict[str, int]:
    from tests.helpers.runner import recap

    assert proc.returncode == 0, proc.stdout + proc.stderr
    counters = recap(proc.stdout)
    assert counters["failed"] == 0, proc.stdout
    return counters
