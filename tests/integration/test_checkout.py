"""The shipped playbooks run from a checkout, as the README says, with no Ansible setting in the environment.

After `make collection` (or `make demo`) .venv/collections links the checkout, and ansible.cfg at the root points
Ansible there. Every other test sets ANSIBLE_COLLECTIONS_PATH (tests/helpers/runner.py), which wins over the file;
this one runs as a user does: from the root, with neither ANSIBLE_COLLECTIONS_PATH, ANSIBLE_CONFIG nor a
PYTHONPATH that holds the collection (Ansible also finds collections on sys.path).
"""

from __future__ import annotations

import configparser
import os
import subprocess
from pathlib import Path

from tests.helpers.runner import REPO, VENV_BIN

PLAYBOOKS = sorted((REPO / "playbooks").glob("*.yml"))


def user_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "NETSCALER_"))}
    env.pop("PYTHONPATH", None)
    # where Ansible keeps its temporary files, not where it looks for collections (ANSIBLE_HOME/collections would be
    # searched: the control run below fails if anything but ansible.cfg finds the collection)
    env.update({"ANSIBLE_LOCAL_TEMP": str(REPO / ".venv" / "ansible-tmp"), "ANSIBLE_NOCOLOR": "1", **extra})
    return env


def syntax_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "--syntax-check", *(str(p.relative_to(REPO)) for p in PLAYBOOKS)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_root_ansible_cfg_points_at_the_venv_collections() -> None:
    config = configparser.ConfigParser()
    config.read(REPO / "ansible.cfg")
    first = config["defaults"]["collections_path"].split(":")[0]
    assert first == ".venv/collections"  # relative: Ansible resolves it against the file's directory
    assert (REPO / first / "ansible_collections" / "adcops" / "netscaler" / "galaxy.yml").is_file()


def test_playbooks_run_from_the_root_of_a_checkout(tmp_path: Path) -> None:
    assert len(PLAYBOOKS) >= 4
    proc = syntax_check(user_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for playbook in PLAYBOOKS:
        assert f"playbook: {playbook.relative_to(REPO)}" in proc.stdout, proc.stdout
    # the control: the same run with an empty configuration does not find the collection, so ansible.cfg did
    empty = tmp_path / "empty.cfg"
    empty.write_text("[defaults]\n")
    control = syntax_check(user_env(ANSIBLE_CONFIG=str(empty)))
    assert control.returncode != 0
    assert "the role 'adcops.netscaler.netscaler_node' was not found" in control.stdout + control.stderr
