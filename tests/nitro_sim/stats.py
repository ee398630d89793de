"""Payloads of the NITRO stat endpoints `GET /nitro/v1/stat/lbvserver[/<name>]` and `.../stat/service[/<name>]`.

Field names follow the NITRO statistics reference (NITRO-REF statistics/lb/lbvserver and statistics/basic/service;
GO-SDK stats structs): `state`, `tothits`, `totalrequests`, `curclntconnections`, ... Counters are rendered as
strings like config numbers (NITRO API reference); rates are numbers.

Hit and connection counters only move when traffic flows through the simulator's optional data plane
(dataplane.py); without it they stay 0. `TrafficCounters` is the thread-safe store both sides share.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class _Counter:
    hits: int = 0
    requestbytes: int = 0
    responsebytes: int = 0
    curclnt: int = 0
    cursrvr: int = 0


class TrafficCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._vservers: dict[str, _Counter] = {}
        self._services: dict[str, _Counter] = {}

    def reset(self) -> None:
        with self._lock:
            self._vservers.clear()
            self._services.clear()

    def open(self, vserver: str, service: str | None) -> None:
        """A client connection reached `vserver` and was handed to `service` (None: not forwarded)."""
        with self._lock:
            v = self._vservers.setdefault(vserver, _Counter())
            v.hits += 1
            v.curclnt += 1
            if service is not None:
                s = self._services.setdefault(service, _Counter())
                s.hits += 1
                s.cursrvr += 1
                v.cursrvr += 1

    def close(self, vserver: str, service: str | None, request_bytes: int = 0, response_bytes: int = 0) -> None:
        with self._lock:
            v = self._vservers.setdefault(vserver, _Counter())
            v.curclnt = max(0, v.curclnt - 1)
            v.requestbytes += request_bytes
            v.responsebytes += response_bytes
            if service is not None:
                s = self._services.setdefault(service, _Counter())
                s.cursrvr = max(0, s.cursrvr - 1)
                v.cursrvr = max(0, v.cursrvr - 1)
                s.requestbytes += request_bytes
                s.responsebytes += response_bytes

    def vserver(self, name: str) -> _Counter:
        with self._lock:
            c = self._vservers.get(name, _Counter())
            return _Counter(c.hits, c.requestbytes, c.responsebytes, c.curclnt, c.cursrvr)

    def service(self, name: str) -> _Counter:
        with self._lock:
            c = self._services.get(name, _Counter())
            return _Counter(c.hits, c.requestbytes, c.responsebytes, c.curclnt, c.cursrvr)


def lbvserver_stat(vserver: Mapping[str, Any], counters: TrafficCounters) -> dict[str, Any]:
    """`vserver`: name, ipv46, port, servicetype, curstate, services [(name, state), ...]."""
    states = [state for _, state in vserver.get("services", [])]
    active = sum(1 for s in states if s == "UP")
    health = int(100 * active / len(states)) if states else 0
    c = counters.vserver(str(vserver["name"]))
    return {
        "name": vserver["name"],
        "state": vserver.get("curstate", "DOWN"),
        "primaryipaddress": vserver.get("ipv46") or "0.0.0.0",
        "primaryport": int(vserver.get("port") or 0),
        "type": vserver.get("servicetype"),
        "vslbhealth": str(health),
        "actsvcs": str(active),
        "inactsvcs": str(len(states) - active),
        "tothits": str(c.hits),
        "hitsrate": 0,
        **_traffic(c),
        "curclntconnections": str(c.curclnt),
        "cursrvrconnections": str(c.cursrvr),
        "establishedconn": str(c.curclnt),
        "vsvrsurgecount": "0",
    }


def _traffic(c: _Counter) -> dict[str, Any]:
    """Request/response counters and rates, shared by the vserver and the service stat."""
    return {
        "totalrequests": str(c.hits),
        "requestsrate": 0,
        "totalresponses": str(c.hits),
        "responsesrate": 0,
        "totalrequestbytes": str(c.requestbytes),
        "requestbytesrate": 0,
        "totalresponsebytes": str(c.responsebytes),
        "responsebytesrate": 0,
    }


def service_stat(service: Mapping[str, Any], counters: TrafficCounters) -> dict[str, Any]:
    """`service`: name, ipaddress, port, servicetype, svrstate."""
    c = counters.service(str(service["name"]))
    return {
        "name": service["name"],
        "servicetype": service.get("servicetype"),
        "primaryipaddress": service.get("ipaddress"),
        "primaryport": int(service.get("port") or 0),
        "state": service.get("svrstate", "DOWN"),
        "throughput": "0",
        **_traffic(c),
        "curclntconnections": str(c.cursrvr),
        "cursrvrconnections": str(c.cursrvr),
        "svrestablishedconn": str(c.cursrvr),
        "surgecount": "0",
        "curload": "0",
        "vsvrservicehits": str(c.hits),
        "vsvrservicehitsrate": 0,
        "avgsvrttfb": "0",
    }


def handle_stat(appliance: Any, res: str, name: str | None, query: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """`GET /nitro/v1/stat/<res>[/<name>]` (picked up by server.SimCore as its stat handler).

    A missing name answers like the config GET (404 + 258, 344 for a service).
    """
    from . import errors as E

    counters = getattr(appliance.health, "counters", None) or TrafficCounters()
    health = appliance.health
    with appliance.lock:
        if res == "lbvserver":
            vservers = {v["name"]: v for v in appliance.iter_vservers()}
            if name is not None and name not in vservers:
                appliance.get_obj("lbvserver", name)  # raises the appliance's own not-found error
            rows = []
            for vname in [name] if name is not None else list(vservers):
                v = vservers[vname]
                services = [(s["servicename"], health.service_state(s["servicename"])) for s in v["services"]]
                for g in v["servicegroups"]:
                    for m in appliance.iter_servicegroup_members(g["servicegroupname"]):
                        services.append((f"{g['servicegroupname']}:{m['member_key']}", health.member_state(
                            g["servicegroupname"], m["member_key"])))  # fmt: skip
                view = {**v, "curstate": appliance.vserver_state(vname)["curstate"], "services": services}
                rows.append(lbvserver_stat(view, counters))
        elif res == "service":
            services = {s["name"]: s for s in appliance.iter_services()}
            if name is not None and name not in services:
                appliance.get_obj("service", name)
            # GOING OUT OF SERVICE while a graceful disable drains (resources/service.py)
            state_of = getattr(appliance.resource("service"), "runtime_state", health.service_state)
            rows = [
                service_stat({**s, "ipaddress": s["ip"], "svrstate": state_of(sname)}, counters)
                for sname, s in ([(name, services[name])] if name is not None else services.items())
            ]
        else:
            raise E.not_found(f"resource, {res}")
    payload = E.done()
    if rows:
        payload[res] = rows
    return 200, payload
