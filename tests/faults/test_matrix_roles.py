"""Bad role variables: a role fails before its first request, naming the variable the user set (Ansible's
check of the role's argument spec, or the plan step, adcops.netscaler.role_plan, for everything else).

One ansible-playbook run holds every row: each row is an inventory host running its role with one bad variable
(the table of tests/unit/plugins/plugin_utils/test_role_plan.py, the one list of bad values per role variable),
so the matrix costs one playbook run however many rows it has. The simulator sees no request at all.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import PASSWORD, USER, Row, leaked
from tests.helpers.runner import REPO, VENV_BIN, ansible_env, role_connection
from tests.unit.plugins.plugin_utils.test_role_plan import BAD, VALID
from tests.unit.plugins.plugin_utils.test_role_plan import role_plan as REMOVE

PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: "adcops.netscaler.{{ row_role }}"
"""


@pytest.fixture(scope="module")
def role_run(matrix_server, tmp_path_factory) -> tuple[dict[str, dict[str, Any]], str, list[dict[str, Any]]]:
    from tests.nitro_sim.pytest_plugin import SimHandle

    sim = SimHandle(matrix_server.url, USER, PASSWORD, matrix_server)
    sim.reset()
    hosts = {}
    for index, (role, key, value, _expected) in enumerate(BAD):
        variables = {**VALID[role], f"{role}_{key}": value}
        hosts[f"row{index}"] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": str(VENV_BIN / "python"),
            "row_role": role,
            **role_connection(sim),
            **{k: v for k, v in variables.items() if v is not REMOVE},
        }
    work = Path(tmp_path_factory.mktemp("roles"))
    (work / "inventory.json").write_text(json.dumps({"all": {"hosts": hosts}}))
    (work / "play.yml").write_text(PLAYBOOK)
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(work / "inventory.json"), "-f", "10", str(work / "play.yml")],
        capture_output=True, text=True, env=ansible_env(), timeout=600, cwd=REPO, check=False,
    )  # fmt: skip
    failures = {
        host: json.loads(body) for host, body in re.findall(r"fatal: \[(row\d+)\]: FAILED! => (\{.*\})", proc.stdout)
    }
    return failures, proc.stdout + proc.stderr, sim.requests()


@pytest.mark.parametrize("index", range(len(BAD)), ids=[f"{r}_{k}" for r, k, _v, _e in BAD])
def test_bad_role_variable(role_run, row: Row, index: int) -> None:
    failures, output, requests = role_run
    role, key, _value, expected = BAD[index]
    row.expected = f"fails naming {role}_{key}; 0 requests"
    result = failures.get(f"row{index}", {})
    message = result.get("msg", "(did not fail)")
    row.happened = f"failed={bool(result)}: {' '.join(message.split())[:80]}; {len(requests)} request(s) in the run"
    row.leaked = ", ".join(leaked(output)) or "no"
    # Ansible validates the role's argument spec (types, choices, suboptions) before the role's first task; what
    # it lets through, the plan step refuses with every remaining problem at once. Either way: named, no request.
    if message.startswith("Validation of arguments failed:"):
        assert f"{role}_{key}" in message, message
    else:
        assert message.startswith(f"{role} refused before any NITRO request: "), message
        assert expected in message, (expected, message)
    assert requests == []
    assert not leaked(output)
