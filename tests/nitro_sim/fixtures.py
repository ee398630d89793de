"""pytest plugin for your own repository: test NetScaler playbooks offline against the bundled NITRO simulator.

Load it from the installed collection (its parent directory of ``ansible_collections`` on ``PYTHONPATH``)::

    # conftest.py
    pytest_plugins = ["ansible_collections.adcops.netscaler.tests.nitro_sim.fixtures"]

Fixtures:

- ``netscaler_simulator``: session-scoped; one simulator on a free loopback port, stopped at the end of the session.
- ``netscaler_connection``: function-scoped; the simulator with its configuration reset to a factory-fresh appliance,
  as a dict of the ``netscaler_*`` variables the collection's roles and playbooks take (pass it as extra vars), with
  ``module_args`` (for ``module_defaults`` of ``group/adcops.netscaler.nitro``), ``environment`` (``NETSCALER_*``)
  and ``sim`` (read the appliance's objects with ``sim.nitro("GET", "lbvserver")``, the request log with
  ``sim.requests()``).

The simulator needs ``requests`` and ``cryptography`` in the environment that runs pytest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .pytest_plugin import SimHandle
from .simulator import Simulator


class NetScalerConnection(dict):
    """The ``netscaler_*`` variables of a running simulator, plus the same connection in the other two spellings."""

    def __init__(self, sim: SimHandle) -> None:
        self.sim = sim
        self.module_args = {
            "nsip": sim.nsip,
            "nitro_user": sim.user,
            "nitro_pass": sim.password,
            "nitro_protocol": "http",
            "validate_certs": False,
        }
        self.environment = {
            "NETSCALER_NSIP": sim.nsip,
            "NETSCALER_NITRO_USER": sim.user,
            "NETSCALER_NITRO_PASS": sim.password,
            "NETSCALER_NITRO_PROTOCOL": "http",
            "NETSCALER_VALIDATE_CERTS": "false",
        }
        super().__init__({f"netscaler_{key}": value for key, value in self.module_args.items()})


@pytest.fixture(scope="session")
def netscaler_simulator() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def netscaler_connection(netscaler_simulator: Simulator) -> NetScalerConnection:
    return NetScalerConnection(SimHandle.fresh(netscaler_simulator))
