"""plugins/plugin_utils/_in_process.py: what rules the in-process path out before any module runs. The path itself,
against the ordinary one, is tests/integration/test_in_process.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.adcops.netscaler.plugins.plugin_utils import _in_process


def test_preload_found_what_the_modules_import():
    assert _in_process.PRELOAD_PROBLEM is None


@pytest.mark.parametrize("missing", ["requests", "ansible_collections.adcops.netscaler.plugins.module_utils._module"])
def test_a_controller_without_the_modules_libraries_keeps_the_ordinary_path(missing):
    """The modules may run on a bastion host that has requests while the controller has not: importing the action
    plugin must still work, and the in-process path says why it is not taken."""
    code = (
        f"import sys; sys.modules[{missing!r}] = None\n"
        "from ansible_collections.adcops.netscaler.plugins.plugin_utils import _in_process\n"
        "print(_in_process.PRELOAD_PROBLEM)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                          timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith(f"{missing} cannot be imported by the controller's Python"), proc.stdout


def test_arguments_are_encoded_as_the_ansiballz_payload_carries_them():
    encoded = json.loads(_in_process.encode_arguments({"name": "web", "_ansible_check_mode": True}))
    assert encoded == {"ANSIBLE_MODULE_ARGS": {"name": "web", "_ansible_check_mode": True}}
