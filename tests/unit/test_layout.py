"""The unit tests mirror the code: tests/unit/plugins/<dir>/test_<file>.py for plugins/<dir>/<file>.py, with the
fixtures they share in a conftest.py that imports nothing of the collection at module level."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "plugins" / "module_utils"
TESTS = ROOT / "tests" / "unit" / "plugins" / "module_utils"
# Covered through the file that imports them (test__dsr_linux.py plans and renders through _dsr_linux).
COVERED_ELSEWHERE = {"_dsr_linux_host", "_dsr_linux_render"}


def top_level_imports(path: Path) -> list[str]:
    names = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def test_every_test_file_mirrors_a_module_utils_file() -> None:
    code = {path.stem for path in CODE.glob("*.py") if path.stem != "__init__"}
    tests = {path.stem.removeprefix("test_") for path in TESTS.glob("test_*.py")}
    assert tests - code == set(), "a test file named after no file of plugins/module_utils"
    assert code - tests == COVERED_ELSEWHERE
    assert not list((ROOT / "tests" / "unit").glob("test_client*.py")), "client tests live in the mirror"


def test_the_shared_fixtures_import_nothing_of_the_collection_at_module_level() -> None:
    conftest = TESTS / "conftest.py"
    imported = top_level_imports(conftest)
    local = [ROOT / (name.replace(".", "/") + ".py") for name in imported if name.startswith("tests.")]
    for path in [conftest, *local]:
        assert not [name for name in top_level_imports(path) if name.startswith("ansible_collections")], path
