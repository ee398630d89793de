"""What users get cites only what users can read.

The development team keeps private research notes; users have neither those files nor our build
machines. So no file the collection ships may name the notes, a path on a build machine, or a
section sign (how the notes are cited). The file list is the real one: the tarball that
`ansible-galaxy collection build` makes, so galaxy.yml's build_ignore is honoured exactly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Spelled in pieces, so this file does not name what it forbids (it ships too).
FORBIDDEN = (
    "nitro_api" + ".md",
    "healthcheck_and_style" + ".md",
    "dsr_backends" + ".md",
    "/" + "work/",
    "../" + "shared",
    "\u00a7",
)


def ansible_galaxy() -> str:
    beside = Path(sys.executable).with_name("ansible-galaxy")
    found = str(beside) if beside.exists() else shutil.which("ansible-galaxy")
    if found is None:
        pytest.skip("ansible-galaxy is not installed")
    return found


def shipped_files(out: Path) -> dict[str, bytes]:
    """Every regular file of the collection tarball, by its path in the collection."""
    subprocess.run(
        [ansible_galaxy(), "collection", "build", str(REPO), "--output-path", str(out), "--force"],
        check=True,
        capture_output=True,
        cwd=out,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
        timeout=300,
    )
    (tarball,) = out.glob("*.tar.gz")
    with tarfile.open(tarball) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def violations(files: dict[str, bytes], prefixes: tuple[str, ...] = ("",)) -> list[str]:
    """``file:line: text`` for each line that names something users do not have."""
    found = []
    for name, data in sorted(files.items()):
        if not name.startswith(prefixes):
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # binary: nothing a person reads
        for number, line in enumerate(text.splitlines(), 1):
            hits = [word for word in FORBIDDEN if word in line]
            if hits:
                found.append(f"{name}:{number}: {', '.join(hits)}: {line.strip()[:160]}")
    return found


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return shipped_files(tmp_path_factory.mktemp("build"))


def test_the_tarball_is_what_galaxy_yml_says(files: dict[str, bytes]) -> None:
    # The scan below is only as good as its file list: code, docs and the simulator are in it,
    # development files are not.
    assert "plugins/module_utils/_client.py" in files
    assert "README.md" in files
    assert "tests/nitro_sim/README.md" in files
    assert not [name for name in files if name.startswith((".venv/", "docs/build/")) or name == "Makefile"]


def test_no_shipped_file_cites_private_notes_or_build_paths(files: dict[str, bytes]) -> None:
    found = violations(files)
    assert not found, f"{len(found)} line(s) cite what users do not have:\n" + "\n".join(found)


def test_the_scan_finds_each_forbidden_word() -> None:
    # Each word on a line of its own is found, with file and line number; other lines are not.
    for word in FORBIDDEN:
        text = f"clean line\nsee {word} here\n".encode()
        assert violations({"plugins/x.py": text}) == [f"plugins/x.py:2: {word}: see {word} here"]
    assert violations({"plugins/x.py": b"dsr_backends group, /workspace, shared/"}) == []
    assert violations({"a/b.md": b"\xff\xfe binary"}) == []
