"""`hanode`: the appliance's high-availability nodes, read-only, set through the control API.

NITRO `GET /nitro/v1/config/hanode` lists node 0 (always the local node) and, in an HA pair, the peer node
(id 1-64). `state` is the node's master state: `Primary`, `Secondary` or `UNKNOWN` (NITRO reference,
configuration/ha/hanode). A standalone appliance lists node 0 only; that it reads `Primary` there is
inferred, not verified on an appliance. Config sync and command propagation between two simulators are
not modelled: each simulator is one node with its own configuration.

Control API: `GET /sim/v1/hanode` and `POST /sim/v1/hanode {"state": "standalone"|"primary"|"secondary"|
"unknown", "peer": "192.0.2.2"}` (`peer` defaults to 192.0.2.2; ignored for standalone). `POST reset` goes
back to standalone. Writes to `hanode` over NITRO answer 599/257 (HA configuration is not simulated).
"""

from __future__ import annotations

import threading
from typing import Any

from .errors import NitroError

STATES = {"primary": "Primary", "secondary": "Secondary", "unknown": "UNKNOWN"}
DEFAULT_PEER = "192.0.2.2"


class HaNodes:
    """The local node's HA role and, in a pair, its peer."""

    def __init__(self, local_ip: str) -> None:
        self.local_ip = local_ip
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.role = "standalone"
            self.peer_ip = DEFAULT_PEER

    def set(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ValueError('expected {"state": ..., "peer": ...}')
        role = str(body.get("state", "")).lower()
        if role != "standalone" and role not in STATES:
            raise ValueError(f"state must be standalone, primary, secondary or unknown, not {body.get('state')!r}")
        with self.lock:
            self.role = role
            self.peer_ip = str(body.get("peer") or DEFAULT_PEER)
        return self.control_view()

    def control_view(self) -> dict[str, Any]:
        with self.lock:
            return {"state": self.role, "peer": None if self.role == "standalone" else self.peer_ip}

    def rows(self, node_id: str | None) -> list[dict[str, Any]]:
        """NITRO GET view; numbers render as strings like every other resource."""
        with self.lock:
            local_state = "Primary" if self.role == "standalone" else STATES[self.role]
            rows = [_node("0", self.local_ip, local_state)]
            if self.role != "standalone":
                # The peer as the local node sees it: the other role (unknown stays unknown).
                peer_state = {"primary": "Secondary", "secondary": "Primary"}.get(self.role, "UNKNOWN")
                rows.append(_node("1", self.peer_ip, peer_state))
        if node_id is None:
            return rows
        found = [row for row in rows if row["id"] == node_id.strip()]
        if not found:
            raise NitroError(404, 258, f"id, {node_id}")
        return found

    @staticmethod
    def refuse_write() -> NitroError:
        return NitroError(599, 257, "the simulator does not model HA configuration")


def _node(node_id: str, ip: str, state: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "name": "",
        "ipaddress": ip,
        "state": state,
        "hastatus": "ENABLED",
        "hasync": "ENABLED",
        "haprop": "ENABLED",
        "inc": "DISABLED",
        "hellointerval": "200",
        "deadinterval": "3",
        "failsafe": "OFF",
        "maxflips": "0",
        "maxfliptime": "0",
        "syncstatusstrictmode": "DISABLED",
        "ssl2": "NOT PRESENT",
    }
