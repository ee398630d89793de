"""What `ansible-galaxy collection build` ships: what users need, nothing from development."""

from __future__ import annotations

import json
import subprocess
import tarfile

import pytest

from tests.helpers.runner import REPO

from .conftest import Installed

# What users need: code, roles, playbooks, runtime metadata, docs, the changelog and the simulator for their tests.
REQUIRED = [
    "README.md",
    "meta/runtime.yml",
    "changelogs/changelog.yaml",
    "plugins/module_utils/_client.py",
    "plugins/doc_fragments/connection.py",
    "roles/healthchecked_pool/meta/argument_specs.yml",
    "roles/quiet_vip/tasks/main.yml",
    "playbooks/healthchecked_pool.yml",
    "playbooks/quiet_vip.yml",
    "tests/nitro_sim/fixtures.py",
    "tests/nitro_sim/simulator.py",
    "tests/nitro_sim/cli_commands.py",
    # the least-privilege command policy of each role (docs/permissions.md)
    "extensions/command_policies/policies.yml",
]
# Development only: must never reach users.
FORBIDDEN_PREFIXES = (".venv/", ".ci/", "collections/", "hacking/", "docs/build/", ".pytest_cache/", ".ruff_cache/")
FORBIDDEN_FILES = {"Makefile", "requirements.txt", "constraints.txt", "pyproject.toml", ".gitignore", ".ansible-lint",
                   "ansible.cfg"}  # fmt: skip


@pytest.fixture(scope="module")
def members(installed_collection: Installed) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(installed_collection.tarball) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_tarball_ships_every_module_role_and_playbook(members: dict[str, tarfile.TarInfo]) -> None:
    missing = [path for path in REQUIRED if path not in members]
    assert not missing, missing
    for kind, pattern in (
        ("plugins/modules", "*.py"),
        ("plugins/modules", "*.ps1"),
        ("plugins/module_utils", "*.*"),
        ("plugins/plugin_utils", "*.py"),
        ("plugins/action", "*.py"),
        ("roles", "*/tasks/main.yml"),
        ("playbooks", "*.yml"),
    ):
        for path in sorted((REPO / kind).glob(pattern)):
            assert str(path.relative_to(REPO)) in members, f"{kind}: {path.name} is not in the tarball"


def test_tarball_holds_nothing_from_development(members: dict[str, tarfile.TarInfo]) -> None:
    files = [name for name, m in members.items() if not m.isdir()]
    assert not [name for name in files if name.startswith(FORBIDDEN_PREFIXES) or name in FORBIDDEN_FILES]
    assert not [name for name in files if "__pycache__" in name or name.endswith((".pyc", ".tar.gz"))]
    assert not [name for name, m in members.items() if m.issym() or m.islnk()], "links do not install everywhere"
    # Anything else must be a file the developer means to commit: tracked, or new and not ignored.
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.strip()}")
    known = set(listed.stdout.splitlines()) | {"MANIFEST.json", "FILES.json"}
    assert sorted(set(files) - known) == []


def test_manifest_matches_galaxy_yml(members: dict[str, tarfile.TarInfo], installed_collection: Installed) -> None:
    manifest = json.loads((installed_collection.collection / "MANIFEST.json").read_text())
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"]) == ("adcops", "netscaler")
    assert installed_collection.tarball.name == f"adcops-netscaler-{info['version']}.tar.gz"
    assert info["license"] == ["GPL-3.0-or-later"]
    assert info["dependencies"] == {}
