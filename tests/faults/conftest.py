"""The fault matrix: every NITRO module and role driven through the simulator's faults and bad inputs.

Each test is one row: the fault or input, the outcome it must have, what happened, and whether anything was
lost, duplicated or leaked. The test asserts its row (so every row can fail); the whole matrix is printed at the
end of the pytest run by ``pytest_terminal_summary``, with the outcome of each row.

The simulator here runs with a password of its own (with characters that change when escaped, quoted or
URL-encoded), so every row can also search the module's output for it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import pytest

from tests.helpers.runner import run_module
from tests.nitro_sim.pytest_plugin import SimHandle
from tests.nitro_sim.simulator import Simulator

USER = "nsroot"
PASSWORD = "Mx pw/9#q+z%41&'\"ok"  # space, slash, hash, plus, percent, ampersand, quotes


@dataclass
class Row:
    area: str
    case: str
    expected: str = ""
    happened: str = "(not reached)"
    lost: str = "no"
    duplicated: str = "no"
    leaked: str = "no"
    outcome: str = "?"


@pytest.fixture
def row(request: pytest.FixtureRequest) -> Row:
    module = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_matrix_")
    case = request.node.callspec.id if hasattr(request.node, "callspec") else request.node.name.removeprefix("test_")
    new = Row(area=module, case=case)
    request.node.matrix_row = new
    return new


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    entry = getattr(item, "matrix_row", None)
    if entry is None:
        return
    if report.failed:
        entry.outcome = "FAIL"
    elif report.when == "call" and report.passed and entry.outcome != "FAIL":
        entry.outcome = "ok"
    elif report.skipped:
        entry.outcome = "skipped"
    if report.when == "teardown":
        # The row travels on the last report of the test: under pytest-xdist the test runs in a worker, and only
        # the reports (attributes included) reach the controller, which prints the summary.
        report.matrix_row = asdict(entry)


# Rows as the reports deliver them, keyed by test id (in the order the tests finished); serial and xdist alike.
REPORTED: dict[str, Row] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    data = getattr(report, "matrix_row", None)
    if data is not None:
        REPORTED[report.nodeid] = Row(**data)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    rows = list(REPORTED.values())
    if not rows:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault matrix")
    header = ("area", "case (fault or input)", "expected", "happened", "lost", "dup", "leaked", "row")
    widths = (9, 44, 44, 58, 4, 4, 6, 4)

    def line(cells: tuple[str, ...]) -> str:
        return " | ".join(str(c)[:w].ljust(w) for c, w in zip(cells, widths, strict=True))

    write(line(header))
    write("-+-".join("-" * w for w in widths))
    for entry in rows:
        cells = (entry.area, entry.case, entry.expected, entry.happened, entry.lost, entry.duplicated, entry.leaked)
        write(line((*cells, entry.outcome)))
    failed = sum(1 for entry in rows if entry.outcome == "FAIL")
    areas = sorted({entry.area for entry in rows})
    write(f"{len(rows)} rows in {len(areas)} areas ({', '.join(areas)}); {failed} failed")


# -- the simulator -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def matrix_server() -> Iterator[Simulator]:
    simulator = Simulator(user=USER, password=PASSWORD).start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def matrix_tls_server() -> Iterator[Simulator]:
    simulator = Simulator(user=USER, password=PASSWORD, tls=True).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def msim(matrix_server: Simulator) -> SimHandle:
    handle = SimHandle(matrix_server.url, USER, PASSWORD, matrix_server)
    handle.reset()
    return handle


@pytest.fixture
def msim_tls(matrix_tls_server: Simulator) -> SimHandle:
    handle = SimHandle(matrix_tls_server.url, USER, PASSWORD, matrix_tls_server)
    handle.reset()
    return handle


def conn(sim: SimHandle, **overrides: Any) -> dict[str, Any]:
    options = {"nsip": sim.nsip, "nitro_user": USER, "nitro_pass": PASSWORD, "nitro_protocol": "http"}
    options.update(overrides)
    return options


def leaked(text: str, secrets: tuple[str, ...] = (PASSWORD,)) -> list[str]:
    """The spellings of the secrets that occur in ``text`` (empty: nothing leaked)."""
    # Imported here: importing the collection while pytest loads conftests (before Ansible's collection loader is
    # set up) breaks later imports of its modules.
    from ansible_collections.adcops.netscaler.plugins.module_utils._client import secret_forms

    return sorted({form for secret in secrets for form in secret_forms(secret) if len(form) >= 6 and form in text})


def run(
    sim: SimHandle,
    module: str,
    args: dict[str, Any],
    *,
    check: bool = False,
    env: dict[str, str] | None = None,
    **conn_overrides: Any,
) -> dict:
    """Run a module against the matrix simulator; adds ``_elapsed`` and ``_leaked`` (secret spellings found)."""
    started = time.monotonic()
    options = {key: value for key, value in {**conn(sim, **conn_overrides), **args}.items() if value is not None}
    result = run_module(module, options, check=check, env=env, timeout=120)
    result["_elapsed"] = time.monotonic() - started
    result["_leaked"] = leaked(result["_stdout"] + result["_stderr"])
    return result


def outcome(result: dict[str, Any]) -> str:
    """One line for the 'happened' column."""
    took = f"{result['_elapsed']:.1f}s"
    if result.get("failed"):
        return f"failed in {took}, changed={result.get('changed')}: {result.get('msg', '')}"
    return f"ok in {took}, changed={result.get('changed')}"


def nitro_writes(sim: SimHandle) -> list[dict[str, Any]]:
    return sim.writes()


def nitro_requests(sim: SimHandle) -> list[dict[str, Any]]:
    return sim.requests()


def ok(answer: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    status, body = answer
    assert status < 300, (status, body)
    return body
