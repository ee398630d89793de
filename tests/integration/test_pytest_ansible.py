"""Every module through pytest-ansible's `localhost` fixture, with the user-facing simulator fixture.

This is how a user's pytest suite drives single modules in-process (ansible-core's task queue, not a subprocess),
with `netscaler_connection` from tests/nitro_sim/fixtures.py, the plugin the collection ships for users.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tests.nitro_sim.fixtures import NetScalerConnection, netscaler_connection, netscaler_simulator

pytest.importorskip("pytest_ansible")

__all__ = ["netscaler_connection", "netscaler_simulator"]  # fixtures used by name below

pytestmark = pytest.mark.filterwarnings("ignore:Host management is deprecated:DeprecationWarning")

# Each module once, with the options a first-time user would write.
TASKS: list[tuple[str, dict[str, Any]]] = [
    ("ns_mode", {"modes": ["MBF"], "state": "enabled"}),
    ("ns_tcpparam", {"downstaterst": "ENABLED"}),
    ("lb_service", {"name": "pa-svc", "ip": "192.0.2.51", "port": 8080, "servicetype": "HTTP"}),
    (
        "lb_vserver",
        {"name": "pa-vs", "ipv46": "192.0.2.50", "port": 80, "servicetype": "HTTP", "services": ["pa-svc"]},
    ),
    ("lb_healthcheck", {"vserver": "pa-vs", "ping_path": "/healthz"}),
    ("ns_ip_icmp", {"ipaddress": "192.0.2.50", "icmpresponse": "VSVR_CNTRLD"}),
    ("ns_save_config", {}),
]


def run(localhost: Any, module: str, connection: NetScalerConnection, **args: Any) -> dict[str, Any]:
    result = getattr(localhost, f"adcops.netscaler.{module}")(**connection.module_args, **args)
    return result["localhost"]


def test_every_module_through_pytest_ansible(
    localhost: Any, netscaler_connection: NetScalerConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the modules run on the controller, with this Python (it has requests), as a user's conftest would set it
    monkeypatch.setenv("ANSIBLE_PYTHON_INTERPRETER", sys.executable)
    sim = netscaler_connection.sim
    for module, args in TASKS:
        result = run(localhost, module, netscaler_connection, **args)
        assert not result.get("failed"), (module, result)
        assert result["changed"] is True, (module, result)
    info = run(localhost, "lb_healthcheck_info", netscaler_connection, vserver="pa-vs")
    assert [m["name"] for m in info["healthcheck"]["members"]] == ["pa-svc"], info

    # idempotency of every module is proven by tests/dist's smoke; here one re-run shows the in-process path agrees
    sim.clear_requests()
    assert run(localhost, "lb_vserver", netscaler_connection, **dict(TASKS)["lb_vserver"])["changed"] is False
    assert sim.writes() == []
