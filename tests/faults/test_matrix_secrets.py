"""Secrets: the password and a session token, each with and without a trailing newline (a file, a YAML block
scalar), searched in every spelling (raw, stripped, JSON/Python-escaped, URL-encoded once and twice) in the
-vvvv output, the Ansible log, the registered results and the simulator's request log."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
import requests

from tests.faults.conftest import PASSWORD, USER, Row, leaked
from tests.helpers.runner import REPO, VENV_BIN, ansible_env
from tests.nitro_sim.pytest_plugin import SimHandle

VARIANTS = ("password", "password+newline", "token", "token+newline")
PLACES = ("-vvvv output", "ansible log", "registered results", "simulator log")


def login(url: str) -> str:
    answer = requests.post(f"{url}/nitro/v1/config/login", json={"login": {"username": USER, "password": PASSWORD}},
                           timeout=30)  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()["sessionid"]


def auth(variant: str, tokens: dict[str, str]) -> dict[str, str]:
    if variant.startswith("password"):
        return {"nitro_user": USER, "nitro_pass": PASSWORD + ("\n" if variant.endswith("newline") else "")}
    return {"nitro_auth_token": tokens[variant]}


@pytest.fixture(scope="module")
def secret_run(matrix_server, tmp_path_factory) -> dict[str, Any]:
    """One ansible-playbook -vvvv run: per variant a task that fails, and one that writes (with diff)."""
    sim = SimHandle(matrix_server.url, USER, PASSWORD, matrix_server)
    sim.reset()
    base = login(sim.url)
    tokens = {"token": login(sim.url), "token+newline": base + "\n"}
    work = tmp_path_factory.mktemp("secrets")
    tasks = []
    for index, variant in enumerate(VARIANTS):
        connection = {"nsip": sim.nsip, "nitro_protocol": "http", **auth(variant, tokens)}
        tasks += [
            {
                "name": f"{variant}: a task that fails",
                "adcops.netscaler.lb_healthcheck_info": {**connection, "vserver": "missing"},
                "register": f"fail_{index}",
                "ignore_errors": True,
            },
            {
                "name": f"{variant}: a task that writes",
                "adcops.netscaler.lb_service": {
                    **connection,
                    "name": f"sec{index}",
                    "ip": f"127.0.70.{index + 1}",
                    "servicetype": "HTTP",
                    "port": 80,
                },
                "register": f"write_{index}",
                "diff": True,
            },
        ]
    names = [f"fail_{i}" for i in range(len(VARIANTS))] + [f"write_{i}" for i in range(len(VARIANTS))]
    results = work / "registered.json"
    tasks.append(
        {
            "name": "Keep the registered results",
            "ansible.builtin.copy": {
                "content": "{{ [" + ", ".join(names) + "] | to_nice_json }}",
                "dest": str(results),
            },
        }
    )
    playbook = work / "secrets.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "connection": "local", "gather_facts": False,
                                     "tasks": tasks}]))  # fmt: skip
    log = work / "ansible.log"
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-vvvv", "-i", "localhost,", str(playbook)],
        capture_output=True, text=True, timeout=300, cwd=REPO, check=False,
        env=ansible_env({"ANSIBLE_LOG_PATH": str(log)}),
    )  # fmt: skip
    return {
        "proc": proc,
        "tokens": tokens,
        "texts": {
            "-vvvv output": proc.stdout + proc.stderr,
            "ansible log": log.read_text() if log.exists() else "",
            "registered results": results.read_text() if results.exists() else "",
            "simulator log": json.dumps(sim.requests()),
        },
    }


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_secret_never_appears(secret_run: dict[str, Any], row: Row, variant: str, place: str) -> None:
    secret = PASSWORD + ("\n" if variant.endswith("newline") else "") if variant.startswith("password") else (
        secret_run["tokens"][variant])  # fmt: skip
    text = secret_run["texts"][place]
    found = leaked(text, (secret,))
    row.expected = "no spelling of the secret (raw, stripped, escaped, URL-encoded)"
    row.happened = f"searched {len(text)} chars: {'found ' + ', '.join(map(repr, found)) if found else 'none found'}"
    row.leaked = "yes" if found else "no"
    assert text, f"nothing captured in {place}: the row would prove nothing"
    # the search itself finds an escaped or encoded spelling, so a leak cannot slip past it
    assert leaked(f"x {secret!r} {json.dumps(secret)} y", (secret,))
    if place == "registered results":
        # the writes did run, and each failure came from NITRO, not from the connection
        registered = json.loads(text)
        assert all(r.get("failed") for r in registered[: len(VARIANTS)])
        assert all("no lbvserver named 'missing'" in r["msg"] for r in registered[: len(VARIANTS)])
        assert all(r.get("changed") for r in registered[len(VARIANTS) :])
    if variant.endswith("newline") and place == "-vvvv output":
        assert "whitespace" in text and "stripped" in text  # the user is told
    assert not found


def test_secret_run_exit_code(secret_run: dict[str, Any]) -> None:
    assert secret_run["proc"].returncode == 0, secret_run["proc"].stdout[-3000:]
