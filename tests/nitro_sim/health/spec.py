"""What the health engine knows of a monitor (`MonitorSpec`) and what one probe found (`ProbeResult`).

Defaults, built-in monitors and time units come from the lbmonitor resource (resources/lbmonitor.py), so the
engine and the configuration never disagree on them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ..resources.lbmonitor import BUILTIN_MONITORS, TIME_DEFAULTS, UNIT_MS, time_ms


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str
    response_time_ms: float = 0.0


def _yes(value: Any) -> bool:
    return str(value).upper() in ("YES", "TRUE", "ENABLED", "1")


def _num(value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _time(attrs: dict[str, Any], name: str) -> float:
    """A duration in seconds: the appliance accessor's `<name>_ms` when present, else value and unit."""
    if attrs.get(f"{name}_ms") not in (None, ""):
        return _num(attrs[f"{name}_ms"], TIME_DEFAULTS[name] * UNIT_MS["SEC"]) / 1000
    return float(time_ms(attrs, name)) / 1000


@dataclass(frozen=True)
class MonitorSpec:
    """What a prober needs from an lbmonitor, with all times in real (unscaled) seconds."""

    name: str
    type: str = "TCP"
    interval: float = 5.0
    resptimeout: float = 2.0
    downtime: float = 30.0
    retries: int = 3
    failureretries: int = 0
    successretries: int = 1
    httprequest: str | None = None
    respcode: tuple[str, ...] = ("200",)
    customheaders: str | None = None
    send: str | None = None
    recv: str | None = None
    secure: bool = False
    reverse: bool = False
    destip: str | None = None
    destport: int | None = None
    enabled: bool = True

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any]) -> MonitorSpec:
        """Build from an lbmonitor as stored or rendered by the simulator (strings or ints, units)."""
        name = str(attrs.get("monitorname") or attrs.get("name") or "")
        base = copy.deepcopy(BUILTIN_MONITORS.get(name, {}))
        base.update({k: v for k, v in attrs.items() if v is not None})
        respcode = base.get("respcode") or ["200"]
        if isinstance(respcode, str):
            respcode = [respcode]
        destip = str(base.get("destip") or "")
        destport = int(_num(base.get("destport"), 0))
        return cls(
            name=name,
            type=str(base.get("type") or "TCP").upper(),
            interval=_time(base, "interval"),
            resptimeout=_time(base, "resptimeout"),
            downtime=_time(base, "downtime"),
            retries=max(1, int(_num(base.get("retries"), 3))),
            failureretries=max(0, int(_num(base.get("failureretries"), 0))),
            successretries=max(1, int(_num(base.get("successretries"), 1))),
            httprequest=base.get("httprequest"),
            respcode=tuple(str(c) for c in respcode),
            customheaders=base.get("customheaders"),
            send=base.get("send"),
            recv=base.get("recv"),
            secure=_yes(base.get("secure", "NO")),
            reverse=_yes(base.get("reverse", "NO")),
            destip=destip if destip not in ("", "0", "0.0.0.0") else None,
            destport=destport or None,
            enabled=str(base.get("state", "ENABLED")).upper() != "DISABLED",
        )
