"""The documented example of the simulator pytest plugin, run the way a user runs it in their own repository.

docs/examples/pytest_plugin is copied out of the checkout and run by a separate pytest whose only access to the
collection is the installed tarball (PYTHONPATH and ANSIBLE_COLLECTIONS_PATH both point at it).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.helpers.runner import REPO

from .conftest import Installed

EXAMPLE = REPO / "docs" / "examples" / "pytest_plugin"


def test_documented_plugin_example_passes(installed_collection: Installed, tmp_path: Path) -> None:
    user_repo = tmp_path / "user-repo"
    shutil.copytree(EXAMPLE, user_repo)
    proc = installed_collection.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA"],
        extra_env={"PYTHONPATH": str(installed_collection.root), "ANSIBLE_PYTHON_INTERPRETER": None},
        cwd=user_repo,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    passed = [line for line in proc.stdout.splitlines() if line.startswith("PASSED")]
    assert len(passed) == 2, proc.stdout
