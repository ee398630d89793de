"""pytest fixtures for the NITRO simulator (loaded from tests/conftest.py).

- ``nitro_sim_server``: session-scoped running Simulator (plain HTTP).
- ``sim``: function-scoped SimHandle on it; state, request log, faults, sessions and time scale are reset first.
- ``nitro_sim_tls_server`` / ``sim_tls``: the same over HTTPS with a self-signed certificate.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from .simulator import Simulator

CONFIG = "/nitro/v1/config/"


class SimHandle:
    """Test-side handle; everything goes through the HTTP control API, so it works for any simulator URL."""

    def __init__(self, url: str, user: str = "nsroot", password: str = "nsroot", simulator: Simulator | None = None):
        self.url = url.rstrip("/")
        self.nsip = self.url.split("://", 1)[1]
        self.user = user
        self.password = password
        self.simulator = simulator
        self.tls = self.url.startswith("https://")
        self.tls_url = self.url if self.tls else None
        self.cert_path = simulator.cert_path if simulator is not None else None
        self._http = requests.Session()
        # No proxies or CA bundles from the environment: REQUESTS_CA_BUNDLE would override session.verify.
        self._http.trust_env = False
        self._verify: str | bool = self.cert_path or False

    @classmethod
    def fresh(cls, simulator: Simulator) -> SimHandle:
        """A handle on a running simulator, its configuration reset to a factory-fresh appliance."""
        handle = cls(simulator.url, simulator.user, simulator.password, simulator)
        handle.reset()
        return handle

    # -- control API -------------------------------------------------------------------------------------------------
    def _control(self, method: str, path: str, body: Any = None) -> Any:
        resp = self._http.request(method, f"{self.url}/sim/v1/{path}", json=body, timeout=30, verify=self._verify)
        if resp.status_code >= 400:
            raise AssertionError(f"control {method} {path}: {resp.status_code} {resp.text}")
        return resp.json()

    def reset(self) -> None:
        self._control("POST", "reset")

    def requests(self) -> list[dict[str, Any]]:
        return self._control("GET", "requests")["requests"]

    def clear_requests(self) -> None:
        self._control("DELETE", "requests")

    def writes(self) -> list[dict[str, Any]]:
        """NITRO requests that are not GET and not login/logout."""
        return [
            r
            for r in self.requests()
            if r["method"] != "GET" and r["path"].rstrip("/") not in (CONFIG + "login", CONFIG + "logout")
        ]

    def fault(
        self,
        kind: str,
        count: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        errorcode: int | None = None,
        message: str | None = None,
        seconds: float | None = None,
        at_item: int | None = None,
    ) -> dict[str, Any]:
        spec = {
            "kind": kind, "count": count, "method": method, "path": path, "status": status,
            "errorcode": errorcode, "message": message, "seconds": seconds, "at_item": at_item,
        }  # fmt: skip
        return self._control("POST", "faults", {k: v for k, v in spec.items() if v is not None})["fault"]

    def faults(self) -> list[dict[str, Any]]:
        return self._control("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def set_cmd_policy(self, cmdspec: str, label: str | None = None) -> dict[str, Any]:
        """Check every authenticated NITRO request against one ALLOW command policy (nitro_sim/cmdpolicy.py);
        the request log records ``label`` with each request."""
        return self._control("POST", "cmdpolicy", {"cmdspec": cmdspec, "label": label})["cmdpolicy"]

    def clear_cmd_policy(self) -> None:
        self._control("DELETE", "cmdpolicy")

    def expire_sessions(self) -> int:
        return self._control("POST", "sessions/expire")["expired"]

    def kill_sessions(self) -> int:
        return self._control("POST", "sessions/kill")["killed"]

    def state(self) -> dict[str, Any]:
        return self._control("GET", "state")

    def vip(self, ip: str) -> dict[str, Any]:
        return self._control("GET", f"vips/{ip}")

    def set_time_scale(self, factor: float) -> None:
        self._control("POST", "time-scale", {"factor": factor})

    def set_ha(self, state: str | None = None, peer: str | None = None, **nodes: Any) -> dict[str, Any]:
        """This simulator's HA nodes (resources/hanode.py): the shorthand ``state`` (standalone, primary, secondary
        or unknown), or ``local=``/``peer_state=`` (Primary, Secondary, UNKNOWN; peer_state None: no peer listed),
        ``hastatus=``, ``peer_hastatus=``, and a failover at a chosen request (``failover_at=N``,
        ``failback_at=M``, ``failover_on="write"|"request"``)."""
        body = {**({"state": state} if state else {}), **({"peer": peer} if peer else {}), **nodes}
        return self._control("POST", "hanode", body)

    def ha(self) -> dict[str, Any]:
        return self._control("GET", "hanode")

    def active_sessions(self) -> int:
        """NITRO sessions open on the simulated appliance (neither logged out, expired nor killed)."""
        return self._control("GET", "sessions")["active"]

    # -- raw NITRO -----------------------------------------------------------------------------------------------------
    def nitro(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Authenticated (X-NITRO-USER/PASS) raw NITRO call; ``path`` relative to /nitro/v1/config/ unless it starts
        with '/'. Recorded in the request log like any request."""
        if not path.startswith("/"):
            path = CONFIG + path
        headers = {"X-NITRO-USER": self.user, "X-NITRO-PASS": self.password}
        resp = self._http.request(
            method, self.url + path, json=body, params=params, headers=headers, timeout=60, verify=self._verify
        )
        try:
            payload = resp.json()
        except ValueError:
            payload = {}
        return resp.status_code, payload

    @staticmethod
    def quote_name(name: str) -> str:
        """Double URL encoding as the official clients do (netscaler.adc quotes names twice)."""
        return quote(quote(name, safe=""), safe="")


@pytest.fixture(scope="session")
def nitro_sim_server() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def sim(nitro_sim_server: Simulator) -> SimHandle:
    return SimHandle.fresh(nitro_sim_server)


@pytest.fixture(scope="session")
def nitro_sim_tls_server() -> Iterator[Simulator]:
    with Simulator(tls=True) as simulator:
        yield simulator


@pytest.fixture
def sim_tls(nitro_sim_tls_server: Simulator) -> SimHandle:
    return SimHandle.fresh(nitro_sim_tls_server)
