"""The simulator's control API under `/sim/v1/` (no authentication; README "Control API")."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .cmdpolicy import CommandPolicy
from .errors import Response
from .vips import vip_answer

if TYPE_CHECKING:
    from .server import SimCore


def handle(core: SimCore, method: str, path: str, raw: bytes) -> Response:
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return Response(400, {"error": "invalid JSON"})
    path = path.strip("/")
    try:
        if path == "reset" and method == "POST":
            core.reset()
            return Response(200, {"ok": True})
        if path == "requests":
            if method == "GET":
                return Response(200, {"requests": core.log.list()})
            if method == "DELETE":
                core.log.clear()
                return Response(200, {"ok": True})
        if path == "state" and method == "GET":
            return Response(200, core.appliance.state())
        if path == "faults":
            if method == "POST":
                fault = core.faults.add(body)
                return Response(201, {"fault": fault.public()})
            if method == "GET":
                return Response(200, {"faults": core.faults.list()})
            if method == "DELETE":
                core.faults.clear()
                return Response(200, {"ok": True})
        if path == "cmdpolicy":
            if method == "POST":
                core.cmd_policy = CommandPolicy(body["cmdspec"], body.get("label"))
            elif method == "DELETE":
                core.cmd_policy = None
            if method in ("GET", "POST", "DELETE"):
                return Response(200, {"cmdpolicy": core.cmd_policy.public() if core.cmd_policy else None})
        if path == "sessions" and method == "GET":
            return Response(200, {"active": core.sessions.active()})
        if path == "sessions/expire" and method == "POST":
            return Response(200, {"expired": core.sessions.expire_all()})
        if path == "sessions/kill" and method == "POST":
            return Response(200, {"killed": core.sessions.kill_all()})
        if path == "hanode" and method in ("GET", "POST"):
            hanode = core.appliance.resource("hanode")
            with core.appliance.lock:
                return Response(200, hanode.set(body) if method == "POST" else hanode.control_view())
        if path.startswith("vips/") and method == "GET":
            return Response(200, vip(core, unquote(path[len("vips/") :])))
        if path == "time-scale":
            if method == "POST":
                core.set_time_scale(float(body["factor"]))
            return Response(200, {"factor": core.clock.scale})
    except (ValueError, KeyError, TypeError) as exc:
        return Response(400, {"error": str(exc)})
    return Response(404, {"error": f"no control endpoint {method} /sim/v1/{path}"})


def vip(core: SimCore, ip: str) -> dict[str, Any]:
    """GET /sim/v1/vips/<ip>: what the VIP does; the health hook may answer (``vip``), else vips.py."""
    app = core.appliance
    hook = getattr(app.health, "vip", None)
    if hook is not None:
        return hook(ip)  # type: ignore[no-any-return]
    with app.lock:
        vservers = [{**vs, **app.vserver_state(vs["name"])} for vs in app.iter_vservers() if vs["ipv46"] == ip]
        nsip = app.nsip_entry(ip)
        downstaterst = app.tcpparam().get("downstaterst")
    return vip_answer(ip, nsip, vservers, downstaterst)
