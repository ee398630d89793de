"""hanode: the appliance's high-availability nodes, read-only over NITRO, set through the control API.

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

from typing import Any

from ..errors import NitroError
from ..schema import Attr, attrs_of
from .base import Resource

STATES = {"primary": "Primary", "secondary": "Secondary", "unknown": "UNKNOWN"}
DEFAULT_PEER = "192.0.2.2"


def refuse_write(*_args: Any, **_kwargs: Any) -> Any:
    raise NitroError(599, 257, "the simulator does not model HA configuration")


class Hanode(Resource):
    name = "hanode"
    key = "id"
    attrs = attrs_of(Attr("id", "int", min=0, max=64), *(Attr(a, readonly=True) for a in ("ipaddress", "state")))
    # Read-only over NITRO: every write answers 599/257.
    add = update = delete = action = refuse_write  # type: ignore[assignment]

    def reset(self) -> None:
        super().reset()
        self.role = "standalone"
        self.peer_ip = DEFAULT_PEER

    def export(self) -> dict[str, Any]:
        return {"role": self.role, "peer": self.peer_ip}

    def load(self, data: dict[str, Any]) -> None:
        self.role = data.get("role", "standalone")
        self.peer_ip = data.get("peer", DEFAULT_PEER)

    def set(self, body: Any) -> dict[str, Any]:
        """POST /sim/v1/hanode."""
        if not isinstance(body, dict):
            raise ValueError('expected {"state": ..., "peer": ...}')
        role = str(body.get("state", "")).lower()
        if role != "standalone" and role not in STATES:
            raise ValueError(f"state must be standalone, primary, secondary or unknown, not {body.get('state')!r}")
        self.role = role
        self.peer_ip = str(body.get("peer") or DEFAULT_PEER)
        return self.control_view()

    def control_view(self) -> dict[str, Any]:
        return {"state": self.role, "peer": None if self.role == "standalone" else self.peer_ip}

    def get(self, name: str | None, args: dict[str, str]) -> list[dict[str, Any]]:
        local_state = "Primary" if self.role == "standalone" else STATES[self.role]
        rows = [_node("0", self.app.mgmt_ip, local_state)]
        if self.role != "standalone":
            # The peer as the local node sees it: the other role (unknown stays unknown).
            peer_state = {"primary": "Secondary", "secondary": "Primary"}.get(self.role, "UNKNOWN")
            rows.append(_node("1", self.peer_ip, peer_state))
        if name is None:
            return rows
        found = [row for row in rows if row["id"] == name.strip()]
        if not found:
            raise NitroError(404, 258, f"id, {name}")
        return found

    def dump(self) -> Any:
        return {row["id"]: row for row in self.get(None, {})}


def _node(node_id: str, ip: str, state: str) -> dict[str, Any]:
    return {
        "id": node_id, "name": "", "ipaddress": ip, "state": state, "hastatus": "ENABLED", "hasync": "ENABLED",
        "haprop": "ENABLED", "inc": "DISABLED", "hellointerval": "200", "deadinterval": "3", "failsafe": "OFF",
        "maxflips": "0", "maxfliptime": "0", "syncstatusstrictmode": "DISABLED", "ssl2": "NOT PRESENT",
    }  # fmt: skip
