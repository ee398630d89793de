"""hanode: the appliance's high-availability nodes, read-only over NITRO, set through the control API.

NITRO `GET /nitro/v1/config/hanode` lists node 0 (always the local node) and, in an HA pair, the peer node
(id 1-64). `state` is the node's HA master state, one of `Primary`, `Secondary`, `UNKNOWN`; `hastatus` one of
`ENABLED`, `STAYSECONDARY`, `DISABLED`, `STAYPRIMARY`; `masterstatetime` the time elapsed in the current master
state (NITRO reference, configuration/ha/hanode). A standalone appliance lists node 0 only; that it reads
`Primary` there is inferred, not verified on an appliance. So is the no-peer window (`local` other than
`Primary` with no `peer_state`): NetScaler documents that STAYSECONDARY "works on both a standalone and a
secondary" node ("Forcing the secondary node to stay secondary", docs.netscaler.com), so a standalone node set to
stay secondary would list itself `Secondary` with no peer. Config sync and command propagation between two
simulators are not modelled: each simulator is one node with its own configuration.

Control API: `GET /sim/v1/hanode` and `POST /sim/v1/hanode` with either
- `{"state": "standalone"|"primary"|"secondary"|"unknown", "peer": "192.0.2.2"}`: the shorthand of a healthy
  pair (the peer shows the other role; `unknown` shows `UNKNOWN` on both sides), or
- any of `{"local": "Primary"|"Secondary"|"UNKNOWN", "peer_state": same or null (no peer listed), "peer": IP,
  "hastatus": H, "peer_hastatus": H}` to drive every state NITRO lists: split brain is
  `{"local": "Primary", "peer_state": "Primary"}`;
- plus `"failover_at": N` (and `"failover_on": "write"` (default) or `"request"`): the N-th write (a NITRO
  request other than GET, login and logout) or the N-th NITRO request from now swaps the two nodes' master states
  before it is processed, as a failover during a run does (the write lands on the node that is now secondary).
  `"failback_at": M` swaps them back at the M-th (same counting), for a double failover. `"failover_path": R`
  counts only requests whose path matches the regex R (searched), e.g. `"nsconfig"` for the save, a role's last
  write. `"masterstatetime": S` starts the nodes S (simulated) seconds into their master states.
`POST reset` goes back to standalone. Writes to `hanode` over NITRO answer 599/257 (HA configuration is not
simulated).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import NitroError
from ..schema import Attr, attrs_of
from .base import Resource

STATES = {"primary": "Primary", "secondary": "Secondary", "unknown": "UNKNOWN"}
MASTER_STATES = ("Primary", "Secondary", "UNKNOWN")
HASTATUS = ("ENABLED", "STAYSECONDARY", "DISABLED", "STAYPRIMARY")
DEFAULT_PEER = "192.0.2.2"
SESSION_PATHS = ("/nitro/v1/config/login", "/nitro/v1/config/logout")
SWAP = {"Primary": "Secondary", "Secondary": "Primary", "UNKNOWN": "UNKNOWN"}


def refuse_write(*_args: Any, **_kwargs: Any) -> Any:
    raise NitroError(599, 257, "the simulator does not model HA configuration")


def _master_state(value: Any, field: str, *, allow_none: bool = False) -> str | None:
    if value is None and allow_none:
        return None
    for state in MASTER_STATES:
        if str(value).casefold() == state.casefold():
            return state
    allowed = ", ".join(MASTER_STATES) + (" or null" if allow_none else "")
    raise ValueError(f"{field} must be one of {allowed}, not {value!r}")


class Hanode(Resource):
    name = "hanode"
    key = "id"
    attrs = attrs_of(Attr("id", "int", min=0, max=64), *(Attr(a, readonly=True) for a in ("ipaddress", "state")))
    # Read-only over NITRO: every write answers 599/257.
    add = update = delete = action = refuse_write  # type: ignore[assignment]

    def reset(self) -> None:
        super().reset()
        self.failovers: list[int] = []
        self.failover_on = "write"
        self.failover_path: re.Pattern[str] | None = None
        self.counted = 0
        self.load({})

    def export(self) -> dict[str, Any]:
        return {
            "local": self.local, "peer_state": self.peer_state, "peer": self.peer_ip, "hastatus": self.hastatus,
            "peer_hastatus": self.peer_hastatus, "since": self.since,
        }  # fmt: skip

    def load(self, data: dict[str, Any]) -> None:
        self.local: str = data.get("local", "Primary")
        self.peer_state: str | None = data.get("peer_state")
        self.peer_ip: str = data.get("peer", DEFAULT_PEER)
        self.hastatus: str = data.get("hastatus", "ENABLED")
        self.peer_hastatus: str = data.get("peer_hastatus", "ENABLED")
        # a bulk rollback (bulk.py) loads an export: the failover schedule is not part of it
        self.since: float = data.get("since", self.app.clock.now())

    def set(self, body: Any) -> dict[str, Any]:
        """POST /sim/v1/hanode."""
        if not isinstance(body, dict):
            raise ValueError('expected {"state": ...} or {"local": ..., "peer_state": ...}')
        known = {"state", "peer", "local", "peer_state", "hastatus", "peer_hastatus", "failover_at", "failback_at",
                 "failover_on", "failover_path", "masterstatetime"}  # fmt: skip
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown hanode fields: {sorted(unknown)}")
        if "state" in body and ("local" in body or "peer_state" in body):
            raise ValueError("give state (the shorthand) or local/peer_state, not both")
        if "state" in body:
            role = str(body["state"]).lower()
            if role != "standalone" and role not in STATES:
                raise ValueError(f"state must be standalone, primary, secondary or unknown, not {body['state']!r}")
            local = "Primary" if role == "standalone" else STATES[role]
            peer_state = (
                None if role == "standalone" else {"primary": "Secondary", "secondary": "Primary"}.get(role, "UNKNOWN")
            )
        else:
            local = _master_state(body.get("local", "Primary"), "local")
            peer_state = _master_state(body.get("peer_state"), "peer_state", allow_none=True)
        statuses = {}
        for field in ("hastatus", "peer_hastatus"):
            value = str(body.get(field, "ENABLED")).upper()
            if value not in HASTATUS:
                raise ValueError(f"{field} must be one of {', '.join(HASTATUS)}, not {body.get(field)!r}")
            statuses[field] = value
        on = str(body.get("failover_on", "write"))
        if on not in ("write", "request"):
            raise ValueError(f"failover_on must be write or request, not {on!r}")
        failovers = [int(body[k]) for k in ("failover_at", "failback_at") if body.get(k) is not None]
        if any(n < 1 for n in failovers) or failovers != sorted(set(failovers)):
            raise ValueError("failover_at and failback_at count from 1, failback_at after failover_at")
        self.load({"local": local, "peer_state": peer_state, "peer": str(body.get("peer") or DEFAULT_PEER), **statuses})
        # how long the nodes have been in their master states already (a pair that has run for a day: 86400)
        self.since -= float(body.get("masterstatetime") or 0)
        self.failovers, self.failover_on, self.counted = failovers, on, 0
        self.failover_path = re.compile(body["failover_path"]) if body.get("failover_path") else None
        return self.control_view()

    def on_request(self, method: str, path: str) -> None:
        """Called for every NITRO request before it is processed: a scheduled failover happens here."""
        if not self.failovers:
            return
        if self.failover_on == "write" and (method == "GET" or path.rstrip("/") in SESSION_PATHS):
            return
        if self.failover_path is not None and not self.failover_path.search(path):
            return
        self.counted += 1
        if self.counted == self.failovers[0]:
            self.failovers.pop(0)
            self.local = SWAP[self.local]
            if self.peer_state is not None:
                self.peer_state = SWAP[self.peer_state]
            self.since = self.app.clock.now()

    def control_view(self) -> dict[str, Any]:
        role = "standalone" if self.peer_state is None and self.local == "Primary" else None
        if role is None and self.peer_state is not None:
            role = {("Primary", "Secondary"): "primary", ("Secondary", "Primary"): "secondary"}.get(
                (self.local, self.peer_state), "unknown"
            )
        return {
            "state": role or "unknown", "local": self.local, "peer_state": self.peer_state,
            "peer": None if self.peer_state is None else self.peer_ip, "hastatus": self.hastatus,
            "peer_hastatus": self.peer_hastatus, "pending_failovers": list(self.failovers), "counted": self.counted,
        }  # fmt: skip

    def get(self, name: str | None, args: dict[str, str]) -> list[dict[str, Any]]:
        elapsed = str(int(max(0.0, self.app.clock.now() - self.since)))
        rows = [_node("0", self.app.mgmt_ip, self.local, self.hastatus, elapsed)]
        if self.peer_state is not None:
            rows.append(_node("1", self.peer_ip, self.peer_state, self.peer_hastatus, elapsed))
        if name is None:
            return rows
        found = [row for row in rows if row["id"] == name.strip()]
        if not found:
            raise NitroError(404, 258, f"id, {name}")
        return found

    def dump(self) -> Any:
        return {row["id"]: row for row in self.get(None, {})}


def _node(node_id: str, ip: str, state: str, hastatus: str, elapsed: str) -> dict[str, Any]:
    return {
        "id": node_id, "name": "", "ipaddress": ip, "state": state, "hastatus": hastatus, "hasync": "ENABLED",
        "haprop": "ENABLED", "inc": "DISABLED", "hellointerval": "200", "deadinterval": "3", "failsafe": "OFF",
        "maxflips": "0", "maxfliptime": "0", "syncstatusstrictmode": "DISABLED", "ssl2": "NOT PRESENT",
        "masterstatetime": elapsed,
    }  # fmt: skip
