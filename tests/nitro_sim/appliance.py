"""Thread-safe in-memory NetScaler configuration and the NITRO operations on it.

Every public operation validates first and mutates afterwards, so a failed single operation leaves no trace.
All state is guarded by ``self.lock`` (one RLock); the HTTP layer holds it for a whole request, bulk included.

Read-only accessors for the behaviour engine (health probing, VIP and data plane); call them under
``appliance.lock`` (they take it themselves, it is re-entrant) and treat the results as snapshots:

- ``iter_services() -> list[dict]``: name, servicetype, ip, port, servername, td, disabled (service or its
  server disabled), healthmonitor (bool), monitors (list of ``{monitor_name, monstate, weight, passive,
  default}``; the default monitor when no custom monitor is bound).
- ``service_monitors(name) -> list[dict]``: the same monitor list for one service.
- ``monitor(name) -> dict | None``: canonical lbmonitor attributes (defaults filled, interval already
  normalised) plus ``interval_ms``, ``resptimeout_ms``, ``downtime_ms`` and ``builtin``.
- ``iter_servicegroups() -> list[dict]``: servicegroupname, servicetype, disabled, healthmonitor, monitors.
- ``iter_servicegroup_members(servicegroup=None) -> list[dict]``: servicegroupname, servername, ip, port,
  weight, member_key ``(servername, port)``, disabled (group, member or server), healthmonitor, monitors.
- ``iter_vservers() -> list[dict]``: name, servicetype, ipv46, port, td, disabled, lbmethod, m,
  icmpvsrresponse, rhistate, downstateflush, sessionless, services ``[{servicename, weight}]``,
  servicegroups ``[{servicegroupname, weight}]`` (states are not included: ask ``vserver_state``).
- ``vserver_state(name) -> dict``: curstate, effectivestate, health, activeservices, totalservices.
- ``iter_nsips() -> list[dict]``: canonical nsip entries with defaults filled.
- ``nsip_entry(ip) -> dict | None``; ``tcpparam() -> dict`` (nstcpparam with defaults).
- ``service_disabled(name)``, ``member_disabled(servicegroup, member_key)``.
- ``generation``: incremented on every successful write; ``clock``: the simulated clock (runtime.SimClock).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from . import errors as E
from .errors import NitroError
from .runtime import SimClock, StaticHealth
from .schema import (
    AGGREGATES,
    BINDINGS,
    NSFEATURES,
    NSFEATURES_DEFAULT_ON,
    NSMODES,
    NSMODES_DEFAULT_ON,
    PING_DEFAULT_TYPES,
    RESOURCES,
    Attr,
    ResourceSpec,
    check_name,
    render_value,
)

DEFAULT_MONITORS = ("tcp-default", "ping-default")
UNIT_MS = {"SEC": 1000, "MSEC": 1, "MIN": 60000}
# Per-unit ranges of the lbmonitor time values (CLI-REF: interval 1-20940 s, resptimeout/downtime 1-20939 s).
TIME_MAX_SEC = {"interval": 20940, "resptimeout": 20939, "downtime": 20939, "deviation": 20939}
TIME_UNIT_ATTR = {"interval": "units3", "resptimeout": "units4", "downtime": "units2", "deviation": "units1"}

# Built-in monitors present on every appliance (their names are the defaults the appliance binds, §2.6).
BUILTIN_MONITORS: dict[str, dict[str, Any]] = {
    "ping-default": {"type": "PING"},
    "tcp-default": {"type": "TCP"},
    "arp": {"type": "ARP"},
    "nd6": {"type": "ND6"},
    "ping": {"type": "PING"},
    "tcp": {"type": "TCP"},
    "http": {"type": "HTTP", "httprequest": "HEAD /", "respcode": ["200"]},
    "tcp-ecv": {"type": "TCP-ECV"},
    "http-ecv": {"type": "HTTP-ECV", "send": "GET /"},
    "udp-ecv": {"type": "UDP-ECV"},
    "dns": {"type": "DNS", "query": "invalid", "querytype": "Address"},
    "ftp": {"type": "FTP"},
    "tcps": {"type": "TCP", "secure": "YES"},
    "https": {"type": "HTTP", "httprequest": "HEAD /", "respcode": ["200"], "secure": "YES"},
    "https-ecv": {"type": "HTTP-ECV", "send": "GET /", "secure": "YES"},
}

NSVERSION = "NetScaler NS13.1: Build 49.13.nc, Date: Jul 26 2023, 05:54:52   (64-bit)"
NS_MGMT_IP = "127.0.0.1"

NAMED_RESOURCES = ("lbvserver", "service", "server", "servicegroup", "lbmonitor")


def _ctime(epoch: float | None) -> str:
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(epoch)) if epoch else ""


def split_kv(text: str | None) -> dict[str, str]:
    """Parse ``k:v,k2:v2`` (args= / filter=); a value may contain ':' (IPv6), split at the first one only."""
    out: dict[str, str] = {}
    if not text:
        return out
    for part in text.split(","):
        if not part:
            continue
        key, sep, value = part.partition(":")
        if not sep:
            raise E.invalid_arg(part)
        out[key.strip()] = value
    return out


class Appliance:
    """The configuration store. See the module docstring for the accessor API."""

    def __init__(
        self,
        health_factory: Callable[[Appliance], Any] | None = None,
        clock: SimClock | None = None,
        mgmt_ip: str = NS_MGMT_IP,
        probe_allow: Iterable[str] = ("127.0.0.0/8", "::1/128"),
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock or SimClock()
        self.mgmt_ip = mgmt_ip
        self.probe_allow = tuple(probe_allow)  # for the health engine (probes only to these networks)
        self.generation = 0
        self.on_write: Callable[[], None] | None = None  # persistence hook (state file)
        self._reset_unlocked()
        self.health = (health_factory or StaticHealth)(self)

    # ------------------------------------------------------------------------------------------------------------
    # state lifecycle

    def _reset_unlocked(self) -> None:
        self.objects: dict[str, dict[str, dict[str, Any]]] = {r: {} for r in RESOURCES if r != "nstcpparam"}
        self.vs_svc: dict[str, dict[str, dict[str, Any]]] = {}
        self.vs_sg: dict[str, dict[str, dict[str, Any]]] = {}
        self.svc_mon: dict[str, dict[str, dict[str, Any]]] = {}
        self.sg_mon: dict[str, dict[str, dict[str, Any]]] = {}
        self.sg_members: dict[str, dict[tuple[str, int], dict[str, Any]]] = {}
        self.tcpparams: dict[str, Any] = {}
        self.nsmodes: set[str] = set(NSMODES_DEFAULT_ON)
        self.nsfeatures: set[str] = set(NSFEATURES_DEFAULT_ON)
        self.auto_vips: set[str] = set()
        self.configchanged = False
        self.lastchange: float | None = None
        self.lastsave: float | None = None
        for name, attrs in BUILTIN_MONITORS.items():
            self.objects["lbmonitor"][name] = {"monitorname": name, **copy.deepcopy(attrs), "_builtin": True}
        self.objects["nsip"][self.mgmt_ip] = {"ipaddress": self.mgmt_ip, "netmask": "255.0.0.0", "type": "NSIP"}

    def reset(self) -> None:
        with self.lock:
            self._reset_unlocked()
            self.generation += 1
            reset = getattr(self.health, "reset", None)
            if reset is not None:
                reset()
            self.health.config_changed()

    def _changed(self) -> None:
        self.generation += 1
        self.configchanged = True
        self.lastchange = time.time()
        self.health.config_changed()
        if self.on_write is not None:
            self.on_write()

    def export(self) -> dict[str, Any]:
        """JSON-serialisable dump of the raw configuration (for --state-file)."""
        with self.lock:
            return {
                "objects": copy.deepcopy(self.objects),
                "vs_svc": [[v, s, a] for v, m in self.vs_svc.items() for s, a in m.items()],
                "vs_sg": [[v, s, a] for v, m in self.vs_sg.items() for s, a in m.items()],
                "svc_mon": [[v, s, a] for v, m in self.svc_mon.items() for s, a in m.items()],
                "sg_mon": [[v, s, a] for v, m in self.sg_mon.items() for s, a in m.items()],
                "sg_members": [[g, k[0], k[1], a] for g, m in self.sg_members.items() for k, a in m.items()],
                "tcpparams": dict(self.tcpparams),
                "nsmodes": sorted(self.nsmodes),
                "nsfeatures": sorted(self.nsfeatures),
                "auto_vips": sorted(self.auto_vips),
                "configchanged": self.configchanged,
                "lastchange": self.lastchange,
                "lastsave": self.lastsave,
            }

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            self._reset_unlocked()
            self.objects.update(copy.deepcopy(data.get("objects", {})))
            for table in ("vs_svc", "vs_sg", "svc_mon", "sg_mon"):
                target = getattr(self, table)
                for parent, child, attrs in data.get(table, []):
                    target.setdefault(parent, {})[child] = attrs
            for group, server, port, attrs in data.get("sg_members", []):
                self.sg_members.setdefault(group, {})[(server, int(port))] = attrs
            self.tcpparams = dict(data.get("tcpparams", {}))
            self.nsmodes = set(data.get("nsmodes", NSMODES_DEFAULT_ON))
            self.nsfeatures = set(data.get("nsfeatures", NSFEATURES_DEFAULT_ON))
            self.auto_vips = set(data.get("auto_vips", []))
            self.configchanged = bool(data.get("configchanged", False))
            self.lastchange = data.get("lastchange")
            self.lastsave = data.get("lastsave")
            self.generation += 1
            self.health.config_changed()

    # ------------------------------------------------------------------------------------------------------------
    # validation helpers

    def _validate(self, spec: ResourceSpec, body: dict[str, Any], mode: str) -> dict[str, Any]:
        """Check names, read-only, add-only/update-only and values; return canonical values.

        Unknown or read-only attribute: 400/278; add-only (immutable) attribute on update: 400/1090
        (the CLI `set` command has no such argument); see README "deliberate choices"."""
        if not isinstance(body, dict):
            raise E.invalid_arg(f"{spec.name}")
        out: dict[str, Any] = {}
        for key, value in body.items():
            attr = spec.attrs.get(key)
            if attr is None or attr.readonly:
                raise E.invalid_arg(key)
            if value is None:
                continue
            if mode == "update" and attr.add_only and key != spec.key:
                raise E.no_such_arg(key)
            if mode == "add" and attr.update_only:
                raise E.invalid_arg(key)
            out[key] = attr.coerce(value)
        if mode == "add":
            for attr in spec.attrs.values():
                if attr.required and attr.name not in out:
                    raise E.required_missing(attr.name)
        if spec.key and spec.key in out and spec.name in NAMED_RESOURCES:
            check_name(spec.key, out[spec.key])
        return out

    def _name_of(self, spec: ResourceSpec, body: dict[str, Any], url_name: str | None) -> str:
        """Key from the body or the URL (PUT with or without the name, nitro_api.md §1.3)."""
        assert spec.key is not None
        name = body.get(spec.key) if isinstance(body, dict) else None
        if name is None:
            if url_name is None:
                raise E.required_missing(spec.key)
            return url_name
        if url_name is not None and str(name) != url_name:
            raise E.invalid_value(f"{spec.key}, {name}")
        return str(name)

    def _get_obj(self, res: str, name: str) -> dict[str, Any]:
        obj = self.objects[res].get(name)
        if obj is None:
            spec = RESOURCES[res]
            raise E.not_found(f"{spec.missing_label}, {name}", spec.missing_code)
        return obj

    def _find_server_by_ip(self, ip: str, td: int = 0) -> str | None:
        for name, srv in self.objects["server"].items():
            if srv.get("ipaddress") == ip and srv.get("td", 0) == td:
                return name
        return None

    def _ensure_server_for_ip(self, ip: str, td: int = 0) -> str:
        """A service or member added by IP uses the server with that IP, else a new server named by the IP
        (DOC-REF server, nitro_api.md §2.3)."""
        existing = self._find_server_by_ip(ip, td)
        if existing is not None:
            return existing
        if ip in self.objects["server"]:
            raise E.exists(f"name, {ip}")
        self.objects["server"][ip] = {"name": ip, "ipaddress": ip, "td": td, "_auto": True}
        return ip

    # ------------------------------------------------------------------------------------------------------------
    # generic entry points used by the HTTP layer

    def add(self, res: str, body: dict[str, Any], idempotent: bool = False) -> int:
        """POST add; returns the HTTP status (201, or 200 when ?idempotent=yes turned it into an update)."""
        with self.lock:
            spec = self._spec_for_write(res, "add")
            if idempotent and isinstance(body, dict) and spec.key:
                name = body.get(spec.key)
                if name is not None and str(name) in self.objects[res]:
                    # idempotent=yes: existing resource -> update, nothing unset (DOC-REST-11). Add-only values
                    # equal to the stored ones are tolerated so a repeated add succeeds.
                    stored = self.objects[res][str(name)]
                    upd = {}
                    current = dict(stored)
                    if res == "service":  # a service stores its server, not the `ip` it was added with
                        current["ip"] = self.objects["server"].get(stored["servername"], {}).get("ipaddress")
                    for k, v in body.items():
                        attr = spec.attrs.get(k)
                        if attr is not None and attr.add_only and k != spec.key:
                            if _safe_coerce(attr, v) != current.get(k, attr.default):
                                raise E.no_such_arg(k)
                            continue
                        upd[k] = v
                    self.update(res, upd)
                    return 200
            handler = getattr(self, f"_add_{res}")
            handler(self._validate(spec, body, "add"))
            self._changed()
            return 201

    def update(self, res: str, body: dict[str, Any], url_name: str | None = None) -> None:
        with self.lock:
            spec = self._spec_for_write(res, "update")
            if spec.singleton:
                vals = self._validate(spec, body, "update")
                self.tcpparams.update(vals)
                self._changed()
                return
            if not isinstance(body, dict):
                raise E.invalid_arg(res)
            name = self._name_of(spec, body, url_name)
            obj = self._get_obj(res, name)
            if obj.get("_builtin"):
                raise E.ns_error(257, name)
            body = _monitor_type_key(res, body, obj, name)
            vals = self._validate(spec, {**body, spec.key: name}, "update")
            vals.pop(spec.key, None)
            check = getattr(self, f"_check_{res}", None)
            merged = {**obj, **vals}
            if check is not None:
                check(merged, vals, obj)
            before = dict(obj)
            obj.update(merged)
            after = getattr(self, f"_after_update_{res}", None)
            if after is not None:
                after(obj, before)
            self._changed()

    def delete(self, res: str, name: str | None, args: dict[str, str]) -> None:
        with self.lock:
            spec = self._spec_for_write(res, "delete")
            if spec.singleton:
                raise NitroError(400, 1074, "delete command not present for this resource")
            if name is None:
                if spec.key in args:
                    name = args.pop(spec.key)
                else:
                    raise E.required_missing(spec.key)
            getattr(self, f"_delete_{res}")(name, args)
            self._changed()

    def _spec_for_write(self, res: str, op: str) -> ResourceSpec:
        spec = RESOURCES.get(res)
        if spec is None:
            raise NitroError(400, 1074, f"{op} command not present for this resource")
        if spec.singleton and op == "add":
            # By analogy with tf #155 "Invalid value [set command not present for this resource]" (1074).
            raise NitroError(400, 1074, "add command not present for this resource")
        return spec

    # ------------------------------------------------------------------------------------------------------------
    # lbvserver

    def _check_lbvserver(self, merged: dict[str, Any], vals: dict[str, Any], before: dict[str, Any] | None) -> None:
        if merged.get("ipv46") is not None and merged.get("ippattern") is not None:
            raise E.both_specified("IPAddress, IPPattern")
        mode = merged.get("m", "IP")
        # ERRLIST 2329: MAC/IPTUNNEL only for servicetype ANY, a wildcard VIP or a sessionless vserver (§2.1).
        if mode in ("MAC", "IPTUNNEL") and not (
            merged.get("servicetype") == "ANY" or merged.get("ipv46") == "*" or merged.get("sessionless") == "ENABLED"
        ):
            raise E.ns_error(2329)
        if merged.get("tosid") is not None and mode != "TOS" and "tosid" in vals:
            raise E.NitroError(400, 1093, "m, tosid")

    def _add_lbvserver(self, vals: dict[str, Any]) -> None:
        name = vals["name"]
        if name in self.objects["lbvserver"]:
            raise E.exists(f"name, {name}")
        ip = vals.get("ipv46")
        if ip is not None and ip != "*" and "port" not in vals:
            raise E.required_missing("port")
        if ip == "*" and "port" not in vals:
            vals["port"] = 65535 if vals["servicetype"] == "ANY" else 0
        self._check_lbvserver(vals, vals, None)
        self.objects["lbvserver"][name] = vals
        self._sync_vip(ip)

    def _after_update_lbvserver(self, obj: dict[str, Any], before: dict[str, Any]) -> None:
        if obj.get("ipv46") != before.get("ipv46"):
            self._sync_vip(obj.get("ipv46"))
            self._sync_vip(before.get("ipv46"))

    def _sync_vip(self, ip: str | None) -> None:
        """Adding an lbvserver with an IP creates a VIP nsip entry (nitro_api.md issue 3 list); the simulator
        removes an auto-created VIP again when no vserver uses the address any more."""
        if ip is None or ip in ("*", "0.0.0.0", "::"):
            return
        used = any(v.get("ipv46") == ip for v in self.objects["lbvserver"].values())
        if used and ip not in self.objects["nsip"]:
            netmask = "255.255.255.255"
            self.objects["nsip"][ip] = {"ipaddress": ip, "netmask": netmask, "type": "VIP"}
            self.auto_vips.add(ip)
        elif not used and ip in self.auto_vips:
            self.auto_vips.discard(ip)
            self.objects["nsip"].pop(ip, None)

    def _delete_lbvserver(self, name: str, args: dict[str, str]) -> None:
        obj = self._get_obj("lbvserver", name)
        del self.objects["lbvserver"][name]
        self.vs_svc.pop(name, None)
        self.vs_sg.pop(name, None)
        self._sync_vip(obj.get("ipv46"))

    def _render_lbvserver(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = self._render_base(RESOURCES["lbvserver"], obj)
        out.setdefault("ipv46", "0.0.0.0")
        out.setdefault("port", "0")
        out["type"] = "ADDRESS"
        out.update({k: render_value(None, v) for k, v in self.vserver_state(obj["name"]).items()})
        return out

    # ------------------------------------------------------------------------------------------------------------
    # service

    def _add_service(self, vals: dict[str, Any]) -> None:
        name = vals["name"]
        if name in self.objects["service"]:
            raise E.exists(f"name, {name}")
        if "ip" in vals and "servername" in vals:
            raise E.both_specified("serverName, IP")  # nitro_api.md §1.6 (COLL common.delete_resource comments)
        if "ip" not in vals and "servername" not in vals:
            raise E.required_missing("serverName")
        td = vals.get("td", 0)
        if "servername" in vals:
            self._get_obj("server", vals["servername"])
        if "usip" not in vals:
            # No default: a service created without usip inherits the global USIP mode (CLI-REF, §2.2).
            vals["usip"] = "YES" if "USIP" in self.nsmodes else "NO"
        ip = vals.pop("ip", None)
        if ip is not None:
            vals["servername"] = self._ensure_server_for_ip(ip, td)
        self.objects["service"][name] = vals

    def _check_service(self, merged: dict[str, Any], vals: dict[str, Any], before: dict[str, Any] | None) -> None:
        return None

    def _after_update_service(self, obj: dict[str, Any], before: dict[str, Any]) -> None:
        # PUT expects `ipaddress` (nitro_api.md §2.2): it changes the address of the service's server.
        ip = obj.pop("ipaddress", None)
        if ip is not None:
            self.objects["server"][obj["servername"]]["ipaddress"] = ip

    def _delete_service(self, name: str, args: dict[str, str]) -> None:
        self._get_obj("service", name)
        del self.objects["service"][name]
        self.svc_mon.pop(name, None)
        for links in self.vs_svc.values():
            links.pop(name, None)

    def _render_service(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = self._render_base(RESOURCES["service"], obj)
        server = self.objects["server"].get(obj["servername"], {})
        out["ipaddress"] = server.get("ipaddress", server.get("domain", ""))
        out["svrstate"] = self.health.service_state(obj["name"])
        return out

    # ------------------------------------------------------------------------------------------------------------
    # server

    def _add_server(self, vals: dict[str, Any]) -> None:
        name = vals["name"]
        if name in self.objects["server"]:
            raise E.exists(f"name, {name}")
        if "ipaddress" in vals and "domain" in vals:
            raise E.both_specified("IPAddress, domain")
        if "ipaddress" not in vals and "domain" not in vals:
            raise E.required_missing("IPAddress")
        self.objects["server"][name] = vals

    def _check_server(self, merged: dict[str, Any], vals: dict[str, Any], before: dict[str, Any] | None) -> None:
        if "ipaddress" in vals and merged.get("domain"):
            raise E.both_specified("IPAddress, domain")

    def _delete_server(self, name: str, args: dict[str, str]) -> None:
        self._get_obj("server", name)
        # Removing a server also removes the services and group members that use it (CLI-REF "rm server";
        # inferred, see README).
        for svc in [s for s, o in self.objects["service"].items() if o.get("servername") == name]:
            self._delete_service(svc, {})
        for members in self.sg_members.values():
            for key in [k for k in members if k[0] == name]:
                del members[key]
        del self.objects["server"][name]

    def _render_server(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = self._render_base(RESOURCES["server"], obj)
        out.setdefault("ipaddress", "")
        return out

    # ------------------------------------------------------------------------------------------------------------
    # servicegroup

    def _add_servicegroup(self, vals: dict[str, Any]) -> None:
        name = vals["servicegroupname"]
        if name in self.objects["servicegroup"]:
            raise E.exists(f"servicegroupname, {name}")
        if "usip" not in vals:
            vals["usip"] = "YES" if "USIP" in self.nsmodes else "NO"
        self.objects["servicegroup"][name] = vals

    def _delete_servicegroup(self, name: str, args: dict[str, str]) -> None:
        self._get_obj("servicegroup", name)
        del self.objects["servicegroup"][name]
        self.sg_mon.pop(name, None)
        self.sg_members.pop(name, None)
        for links in self.vs_sg.values():
            links.pop(name, None)

    def _render_servicegroup(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = self._render_base(RESOURCES["servicegroup"], obj)
        name = obj["servicegroupname"]
        if obj.get("state", "ENABLED") == "DISABLED":
            eff = "OUT OF SERVICE"
        else:
            states = [self.health.member_state(name, key) for key in self.sg_members.get(name, {})]
            up = sum(1 for s in states if s == "UP")
            eff = "UP" if states and up == len(states) else ("PARTIAL-UP" if up else "DOWN")
        out["servicegroupeffectivestate"] = eff
        out["numofconnections"] = "0"
        return out

    # ------------------------------------------------------------------------------------------------------------
    # lbmonitor

    def _check_lbmonitor(self, merged: dict[str, Any], vals: dict[str, Any], before: dict[str, Any] | None) -> None:
        for attr, unit_attr in TIME_UNIT_ATTR.items():
            if attr in merged:
                unit = merged.get(unit_attr, "SEC")
                limit = TIME_MAX_SEC[attr] * 1000 // UNIT_MS[unit]
                if not (1 if attr != "deviation" else 0) <= merged[attr] <= limit:
                    raise E.invalid_value(f"{attr}, {merged[attr]}")
        if "units1" in vals and merged.get("deviation") is None:
            raise NitroError(400, 1093, "units, deviation")  # COLL #313
        interval = _ms(merged, "interval")
        resptimeout = _ms(merged, "resptimeout")
        if resptimeout >= interval:
            # "Must be less than interval" (JAVA-SDK; CLI-REF; CTX205013). Code not documented: 1097 (README).
            raise E.invalid_value("resptimeout, must be less than interval")
        _normalise_interval(merged)

    def _add_lbmonitor(self, vals: dict[str, Any]) -> None:
        name = vals["monitorname"]
        if name in self.objects["lbmonitor"]:
            raise E.exists(f"monitorname, {name}")
        self._check_lbmonitor(vals, vals, None)
        self.objects["lbmonitor"][name] = vals

    def _delete_lbmonitor(self, name: str, args: dict[str, str]) -> None:
        # Delete needs ?args=type:<TYPE> (COLL delete_arg_keys ['type'], nitro_api.md §2.5).
        if "type" not in args:
            raise E.required_missing("type")
        obj = self._get_obj("lbmonitor", name)
        if obj["type"].upper() != args["type"].upper():
            raise E.not_found(f"monitorName, {name}")
        if obj.get("_builtin"):
            raise E.ns_error(257, name)
        if self._monitor_in_use(name):
            raise E.ns_error(2131)
        del self.objects["lbmonitor"][name]

    def _monitor_in_use(self, name: str) -> bool:
        return any(name in m for m in self.svc_mon.values()) or any(name in m for m in self.sg_mon.values())

    def _render_lbmonitor(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = self._render_base(RESOURCES["lbmonitor"], obj)
        if obj["type"] == "HTTP-INLINE":
            out.setdefault("action", "DOWN")
        out.setdefault("destip", "0.0.0.0")
        out.setdefault("destport", "0")
        return out

    # ------------------------------------------------------------------------------------------------------------
    # nsip

    def _add_nsip(self, vals: dict[str, Any]) -> None:
        ip = vals["ipaddress"]
        if ip in self.objects["nsip"]:
            raise E.exists(f"ipaddress, {ip}")
        self.objects["nsip"][ip] = vals

    def _delete_nsip(self, ip: str, args: dict[str, str]) -> None:
        obj = self._get_obj("nsip", ip)
        if "td" in args and str(obj.get("td", 0)) != args["td"]:
            raise E.not_found(f"ipaddress, {ip}")
        if obj.get("type") == "NSIP":
            raise E.ns_error(257, ip)
        del self.objects["nsip"][ip]
        self.auto_vips.discard(ip)

    def _render_nsip(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = self._render_base(RESOURCES["nsip"], obj)
        out["iptype"] = [obj.get("type", "SNIP")]
        return out

    # ------------------------------------------------------------------------------------------------------------
    # GET

    def _render_base(self, spec: ResourceSpec, obj: dict[str, Any]) -> dict[str, Any]:
        out = {k: render_value(None, v) for k, v in spec.defaults(obj).items()}
        for key, value in obj.items():
            if key.startswith("_"):
                continue
            attr = spec.attrs.get(key)
            if attr is not None and attr.secret:
                continue
            out[key] = render_value(attr, value)
        return out

    def render(self, res: str, obj: dict[str, Any]) -> dict[str, Any]:
        return getattr(self, f"_render_{res}")(obj)

    def get(self, res: str, name: str | None, args: dict[str, str]) -> list[dict[str, Any]] | dict[str, Any]:
        """GET one or all of a resource; singletons answer a dict (nitro_api.md §1.3)."""
        with self.lock:
            if res == "nstcpparam":
                spec = RESOURCES[res]
                return {k: render_value(None, v) for k, v in {**spec.defaults({}), **self.tcpparams}.items()}
            if res in ("nsmode", "nsfeature", "nsconfig", "nsversion"):
                return getattr(self, f"_get_{res}")()
            if res not in self.objects:
                raise E.not_found(f"resource, {res}")
            spec = RESOURCES[res]
            if name is not None:
                obj = self._get_obj(res, name)
                if res == "lbmonitor" and "type" in args and obj["type"].upper() != args["type"].upper():
                    raise E.not_found(f"monitorName, {name}")
                if res == "nsip" and "td" in args and str(obj.get("td", 0)) != args["td"]:
                    raise E.not_found(f"ipaddress, {name}")
                return [self.render(res, obj)]
            return [self.render(res, o) for o in self.objects[spec.name].values()]

    def count(self, res: str) -> int:
        with self.lock:
            return len(self.objects[res])

    def _get_nsmode(self) -> dict[str, Any]:
        return {field: canon in self.nsmodes for canon, (field, _) in NSMODES.items()}

    def _get_nsfeature(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.lower(): f in self.nsfeatures for f in NSFEATURES}
        out["feature"] = [f for f in NSFEATURES if f in self.nsfeatures]
        return out

    def _get_nsconfig(self) -> dict[str, Any]:
        # `configchanged` tells whether there are unsaved changes (NITRO nsconfig read-only flag).
        return {
            "ipaddress": self.mgmt_ip,
            "netmask": "255.0.0.0",
            "systemtype": "Stand-alone",
            "primaryip": self.mgmt_ip,
            "timezone": "CoordinatedUniversalTime",
            "configchanged": self.configchanged,
            "lastconfigchangedtime": _ctime(self.lastchange),
            "lastconfigsavetime": _ctime(self.lastsave),
            "currentsytemtime": _ctime(time.time()),
        }

    def _get_nsversion(self) -> dict[str, Any]:
        return {"version": NSVERSION, "mode": "1"}

    # ------------------------------------------------------------------------------------------------------------
    # actions

    def action(self, res: str, verb: str, body: Any) -> None:
        with self.lock:
            if not isinstance(body, dict):
                raise E.invalid_arg(res)
            if res == "nsconfig":
                self._action_nsconfig(verb, body)
                return
            if res in ("nsmode", "nsfeature") and verb in ("enable", "disable"):
                self._toggle_set(res, verb, body)
                self._changed()
                return
            spec = RESOURCES.get(res)
            if spec is None or verb not in spec.actions:
                raise NitroError(400, 1074, f"{verb} command not present for this resource")
            if verb == "unset":
                self._unset(spec, body)
            elif verb == "rename":
                self._rename(spec, body)
            else:
                self._enable_disable(spec, verb, body)
            self._changed()

    def _action_nsconfig(self, verb: str, body: dict[str, Any]) -> None:
        if verb == "save":
            for key in body:
                if key != "all":
                    raise E.invalid_arg(key)
            self.configchanged = False
            self.lastsave = time.time()
            if self.on_write is not None:
                self.on_write()
            return
        if verb == "clear":
            level = str(body.get("level", "basic")).lower()
            if level not in ("basic", "extended", "full"):
                raise E.invalid_value(f"level, {level}")
            saved = self.lastsave
            self._reset_unlocked()
            self.lastsave = saved
            self._changed()
            return
        raise NitroError(400, 1074, f"{verb} command not present for this resource")

    def _toggle_set(self, res: str, verb: str, body: dict[str, Any]) -> None:
        field = "mode" if res == "nsmode" else "feature"
        raw = body.get(field)
        if raw is None:
            raise E.required_missing(field)
        items = raw if isinstance(raw, list) else str(raw).replace(",", " ").split()
        index: dict[str, str] = {}
        if res == "nsmode":
            for canon, (fld, aliases) in NSMODES.items():
                for alias in (canon, fld, *aliases):
                    index[alias.upper()] = canon
        else:
            index = {f.upper(): f for f in NSFEATURES}
        resolved = []
        for item in items:
            canon = index.get(str(item).upper())
            if canon is None:
                raise E.invalid_value(f"{field}, {item}")
            resolved.append(canon)
        target = self.nsmodes if res == "nsmode" else self.nsfeatures
        for canon in resolved:
            if verb == "enable":
                target.add(canon)
            else:
                target.discard(canon)

    def _unset(self, spec: ResourceSpec, body: dict[str, Any]) -> None:
        if spec.singleton:
            names = list(body)
            for key in names:
                attr = spec.attrs.get(key)
                if attr is None or attr.readonly:
                    raise E.invalid_arg(key)
            for key in names:
                self.tcpparams.pop(key, None)
            return
        assert spec.key is not None
        name = body.get(spec.key)
        if name is None:
            raise E.required_missing(spec.key)
        obj = self._get_obj(spec.name, str(name))
        body = _monitor_type_key(spec.name, body, obj, str(name))
        names = [k for k in body if k != spec.key]
        for key in names:
            attr = spec.attrs.get(key)
            if attr is None or attr.readonly:
                raise E.invalid_arg(key)
            if attr.add_only or attr.required or attr.update_only:
                raise E.no_such_arg(key)
        before = dict(obj)
        for key in names:
            obj.pop(key, None)
        if spec.name == "lbmonitor":
            self._check_lbmonitor(obj, {}, before)
        if spec.name == "lbvserver":
            self._after_update_lbvserver(obj, before)

    def _rename(self, spec: ResourceSpec, body: dict[str, Any]) -> None:
        assert spec.key is not None
        old = body.get(spec.key)
        new = body.get("newname")
        if old is None:
            raise E.required_missing(spec.key)
        if new is None:
            raise E.required_missing("newname")
        for key in body:
            if key not in (spec.key, "newname"):
                raise E.invalid_arg(key)
        old, new = str(old), check_name("newname", new)
        table = self.objects[spec.name]
        obj = self._get_obj(spec.name, old)
        if new in table:
            raise E.exists(f"{spec.key}, {new}")  # a repeated rename gives 409/273 (PR #532/#533)
        del table[old]
        obj[spec.key] = new
        table[new] = obj
        if spec.name == "lbvserver":
            _rekey(self.vs_svc, old, new)
            _rekey(self.vs_sg, old, new)
        elif spec.name == "service":
            _rekey(self.svc_mon, old, new)
            for links in self.vs_svc.values():
                _rekey(links, old, new)
        elif spec.name == "servicegroup":
            for table_ in (self.sg_mon, self.sg_members):
                _rekey(table_, old, new)
            for links in self.vs_sg.values():
                _rekey(links, old, new)
        elif spec.name == "server":
            for svc in self.objects["service"].values():
                if svc.get("servername") == old:
                    svc["servername"] = new
            for group, members in self.sg_members.items():
                self.sg_members[group] = {((new if k[0] == old else k[0]), k[1]): v for k, v in members.items()}

    def _enable_disable(self, spec: ResourceSpec, verb: str, body: dict[str, Any]) -> None:
        assert spec.key is not None
        name = body.get(spec.key)
        if name is None:
            raise E.required_missing(spec.key)
        state = "ENABLED" if verb == "enable" else "DISABLED"
        extra = {k: v for k, v in body.items() if k != spec.key}
        if spec.name == "servicegroup" and ("servername" in extra or "port" in extra):
            # Member enable/disable: POST servicegroup?action=enable with servername+port (COLL 2.9.1).
            self._get_obj("servicegroup", str(name))
            member = self._find_member(str(name), extra)
            member["state"] = state
            return
        graceful = spec.name in ("service", "server", "servicegroup") and verb == "disable"
        allowed = {"graceful", "delay"} if graceful else set()
        for key, value in extra.items():
            if key not in allowed:
                raise E.invalid_arg(key)
            if key == "graceful":
                Attr("graceful", "enum", values=("YES", "NO")).coerce(value)
            else:
                Attr("delay", "int", min=0).coerce(value)
        obj = self._get_obj(spec.name, str(name))
        if obj.get("_builtin") and spec.name == "lbmonitor":
            obj["state"] = state
            return
        if spec.name == "nsip" and obj.get("type") == "NSIP":
            raise E.ns_error(257, str(name))
        obj["state"] = state

    # ------------------------------------------------------------------------------------------------------------
    # bindings

    def _binding_values(self, binding: str, body: Any) -> dict[str, Any]:
        spec = BINDINGS[binding]
        if not isinstance(body, dict):
            raise E.invalid_arg(binding)
        out: dict[str, Any] = {}
        for key, value in body.items():
            attr = spec.attrs.get(key)
            if attr is None or attr.readonly:
                raise E.invalid_arg(key)
            if value is None:
                continue
            out[key] = attr.coerce(value)
        if spec.parent_key not in out:
            raise E.required_missing(spec.parent_key)
        return out

    def bind(self, binding: str, body: Any, url_name: str | None = None) -> None:
        """PUT on a binding resource adds the binding (nitro_api.md §1.3)."""
        with self.lock:
            spec = BINDINGS.get(binding)
            if spec is None:
                raise NitroError(400, 1074, "bind command not present for this resource")
            if isinstance(body, dict) and url_name is not None:
                body = {spec.parent_key: url_name, **body}
            vals = self._binding_values(binding, body)
            getattr(self, f"_bind_{binding}")(vals)
            self._changed()

    def unbind(self, binding: str, parent: str | None, args: dict[str, Any]) -> None:
        """DELETE /<binding>/<parent>?args=<member keys> (nitro_api.md §1.3)."""
        with self.lock:
            spec = BINDINGS.get(binding)
            if spec is None:
                raise NitroError(400, 1074, "unbind command not present for this resource")
            args = dict(args)
            if parent is None:
                parent = args.pop(spec.parent_key, None)
                if parent is None:
                    raise E.required_missing(spec.parent_key)
            for key in args:
                attr = spec.attrs.get(key)
                if attr is None or attr.readonly:
                    raise E.invalid_arg(key)
            getattr(self, f"_unbind_{binding}")(str(parent), args)
            self._changed()

    def _default_monitor(self, servicetype: str) -> str:
        return "ping-default" if servicetype in PING_DEFAULT_TYPES else "tcp-default"

    def _check_monitor_bindable(self, monitor: str) -> None:
        if monitor in DEFAULT_MONITORS:
            raise E.ns_error(2165)
        self._get_obj("lbmonitor", monitor)

    # lbvserver <-> service / servicegroup
    def _bind_lbvserver_service_binding(self, vals: dict[str, Any]) -> None:
        if "servicegroupname" in vals:
            if "servicename" in vals:
                raise E.both_specified("serviceName, serviceGroupName")
            vals["servicegroupname"] = vals.pop("servicegroupname")
            self._bind_lbvserver_servicegroup_binding(vals)
            return
        if "servicename" not in vals:
            raise E.required_missing("serviceName")
        vs, svc = vals["name"], vals["servicename"]
        self._get_obj("lbvserver", vs)
        self._get_obj("service", svc)
        links = self.vs_svc.setdefault(vs, {})
        if svc in links:
            raise E.exists(f"servicename, {svc}")  # duplicate binding: 409/273 (README deliberate choice)
        links[svc] = {k: v for k, v in vals.items() if k in ("weight", "order")}

    def _bind_lbvserver_servicegroup_binding(self, vals: dict[str, Any]) -> None:
        group = vals.get("servicegroupname")
        other = vals.get("servicename")
        if group is not None and other is not None and other != group:
            raise E.both_specified("serviceName, serviceGroupName")
        group = group or other  # COLL binds with servicename as primary key (#352 / PR #359)
        if group is None:
            raise E.required_missing("serviceGroupName")
        vs = vals["name"]
        self._get_obj("lbvserver", vs)
        self._get_obj("servicegroup", group)
        links = self.vs_sg.setdefault(vs, {})
        if group in links:
            raise E.exists(f"servicegroupname, {group}")
        links[group] = {k: v for k, v in vals.items() if k in ("weight", "order")}

    def _unbind_lbvserver_service_binding(self, vs: str, args: dict[str, Any]) -> None:
        if "servicegroupname" in args and "servicename" not in args:
            self._unbind_lbvserver_servicegroup_binding(vs, args)
            return
        svc = args.get("servicename")
        if svc is None:
            raise E.required_missing("serviceName")
        self._get_obj("lbvserver", vs)
        links = self.vs_svc.get(vs, {})
        if svc not in links:
            raise E.ns_error(1303)  # unbind of a missing member: 599/1303 (README deliberate choice)
        del links[svc]

    def _unbind_lbvserver_servicegroup_binding(self, vs: str, args: dict[str, Any]) -> None:
        group = args.get("servicegroupname", args.get("servicename"))
        if group is None:
            raise E.required_missing("serviceGroupName")
        self._get_obj("lbvserver", vs)
        links = self.vs_sg.get(vs, {})
        if group not in links:
            raise E.ns_error(1303)
        del links[group]

    # service <-> monitor (seen from both sides)
    def _link_service_monitor(self, svc: str, monitor: str, attrs: dict[str, Any]) -> None:
        self._get_obj("service", svc)
        self._check_monitor_bindable(monitor)
        links = self.svc_mon.setdefault(svc, {})
        if monitor in links:
            raise E.exists(f"monitorName, {monitor}")  # README: 409/273 rather than ERRLIST 2133
        links[monitor] = attrs

    def _unlink_service_monitor(self, svc: str, monitor: str) -> None:
        self._get_obj("service", svc)
        if monitor in DEFAULT_MONITORS:
            raise E.ns_error(2164)  # COLL #312
        links = self.svc_mon.get(svc, {})
        if monitor not in links:
            self._get_obj("lbmonitor", monitor)
            raise E.ns_error(2170)
        del links[monitor]

    def _link_group_monitor(self, group: str, monitor: str, attrs: dict[str, Any]) -> None:
        self._get_obj("servicegroup", group)
        self._check_monitor_bindable(monitor)
        links = self.sg_mon.setdefault(group, {})
        if monitor in links:
            raise E.exists(f"monitorName, {monitor}")
        links[monitor] = attrs

    def _unlink_group_monitor(self, group: str, monitor: str) -> None:
        self._get_obj("servicegroup", group)
        if monitor in DEFAULT_MONITORS:
            raise E.ns_error(2164)
        links = self.sg_mon.get(group, {})
        if monitor not in links:
            self._get_obj("lbmonitor", monitor)
            raise E.ns_error(2170)
        del links[monitor]

    def _bind_service_lbmonitor_binding(self, vals: dict[str, Any]) -> None:
        attrs = {k: v for k, v in vals.items() if k in ("monstate", "weight", "passive")}
        self._link_service_monitor(vals["name"], vals["monitor_name"], attrs)

    def _unbind_service_lbmonitor_binding(self, svc: str, args: dict[str, Any]) -> None:
        monitor = args.get("monitor_name")
        if monitor is None:
            raise E.required_missing("monitorName")
        self._unlink_service_monitor(svc, monitor)

    def _bind_lbmonitor_service_binding(self, vals: dict[str, Any]) -> None:
        monitor = vals["monitorname"]
        svc, group = vals.get("servicename"), vals.get("servicegroupname")
        if svc is not None and group is not None:
            raise E.both_specified("serviceName, serviceGroupName")
        attrs: dict[str, Any] = {}
        if "state" in vals:
            attrs["monstate"] = vals["state"]
        if "weight" in vals:
            attrs["weight"] = vals["weight"]
        if svc is not None:
            self._link_service_monitor(svc, monitor, attrs)
        elif group is not None:
            self._link_group_monitor(group, monitor, attrs)
        else:
            raise E.required_missing("serviceName")

    def _unbind_lbmonitor_service_binding(self, monitor: str, args: dict[str, Any]) -> None:
        self._get_obj("lbmonitor", monitor)
        if "servicename" in args:
            self._unlink_service_monitor(args["servicename"], monitor)
        elif "servicegroupname" in args:
            self._unlink_group_monitor(args["servicegroupname"], monitor)
        else:
            raise E.required_missing("serviceName")

    def _bind_lbmonitor_servicegroup_binding(self, vals: dict[str, Any]) -> None:
        self._bind_lbmonitor_service_binding(vals)

    def _unbind_lbmonitor_servicegroup_binding(self, monitor: str, args: dict[str, Any]) -> None:
        self._unbind_lbmonitor_service_binding(monitor, args)

    def _bind_servicegroup_lbmonitor_binding(self, vals: dict[str, Any]) -> None:
        attrs = {k: v for k, v in vals.items() if k not in ("servicegroupname", "monitor_name")}
        self._link_group_monitor(vals["servicegroupname"], vals["monitor_name"], attrs)

    def _unbind_servicegroup_lbmonitor_binding(self, group: str, args: dict[str, Any]) -> None:
        monitor = args.get("monitor_name")
        if monitor is None:
            raise E.required_missing("monitorName")
        self._unlink_group_monitor(group, monitor)

    # servicegroup members
    def _bind_servicegroup_servicegroupmember_binding(self, vals: dict[str, Any]) -> None:
        group = vals["servicegroupname"]
        grp = self._get_obj("servicegroup", group)
        if "ip" in vals and "servername" in vals:
            raise E.both_specified("serverName, IP")  # COLL #297
        if "ip" not in vals and "servername" not in vals:
            raise E.required_missing("IP")
        port = vals.get("port", grp.get("memberport"))
        if port is None:
            raise E.required_missing("port")
        if "servername" in vals:
            self._get_obj("server", vals["servername"])
            server = vals["servername"]
        else:
            existing = self._find_server_by_ip(vals["ip"], grp.get("td", 0))
            server = existing or vals["ip"]
        members = self.sg_members.setdefault(group, {})
        if (server, port) in members:
            raise E.exists(f"{server}, {port}")
        if "servername" not in vals:
            server = self._ensure_server_for_ip(vals["ip"], grp.get("td", 0))
        skip = ("servicegroupname", "ip", "servername", "port")
        members[(server, port)] = {k: v for k, v in vals.items() if k not in skip}

    def _find_member(self, group: str, args: dict[str, Any]) -> dict[str, Any]:
        members = self.sg_members.get(group, {})
        key = self._member_key(group, args)
        if key not in members:
            raise E.not_found(f"member, {key[0]}:{key[1]}")
        return members[key]

    def _member_key(self, group: str, args: dict[str, Any]) -> tuple[str, int]:
        if "ip" in args and "servername" in args:
            raise E.both_specified("serverName, IP")
        members = self.sg_members.get(group, {})
        if "servername" in args:
            server = str(args["servername"])
        elif "ip" in args:
            ip = Attr("ip", "ip").coerce(args["ip"])
            server = next(
                (s for (s, _p) in members if self.objects["server"].get(s, {}).get("ipaddress") == ip),
                ip,
            )
        else:
            raise E.required_missing("IP")
        if "port" in args:
            port = Attr("port", "port").coerce(args["port"])
        else:
            ports = [p for (s, p) in members if s == server]
            if len(ports) != 1:
                raise E.required_missing("port")
            port = ports[0]
        return (server, port)

    def _unbind_servicegroup_servicegroupmember_binding(self, group: str, args: dict[str, Any]) -> None:
        self._get_obj("servicegroup", group)
        key = self._member_key(group, args)
        members = self.sg_members.get(group, {})
        if key not in members:
            raise E.not_found(f"member, {key[0]}:{key[1]}")
        del members[key]

    # binding GET
    def get_binding(self, binding: str, parent: str | None) -> list[dict[str, Any]]:
        with self.lock:
            if binding in AGGREGATES:
                return self._get_aggregate(binding, parent)
            spec = BINDINGS.get(binding)
            if spec is None:
                raise E.not_found(f"resource, {binding}")
            if parent is None:
                # No parent: every binding of that type (like ?bulkbindings=yes; README).
                out: list[dict[str, Any]] = []
                for name in list(self.objects[spec.parent]):
                    out.extend(getattr(self, f"_list_{binding}")(name))
                return out
            self._get_obj(spec.parent, parent)
            return getattr(self, f"_list_{binding}")(parent)

    def _get_aggregate(self, binding: str, parent: str | None) -> list[dict[str, Any]]:
        res, key, parts = AGGREGATES[binding]
        names = [parent] if parent is not None else list(self.objects[res])
        out = []
        for name in names:
            self._get_obj(res, name)
            entry: dict[str, Any] = {key: name}
            for part in parts:
                rows = getattr(self, f"_list_{part}")(name)
                if rows:
                    entry[part] = rows
            out.append(entry)
        return out

    def _list_lbvserver_service_binding(self, vs: str) -> list[dict[str, Any]]:
        out = []
        for svc, attrs in self.vs_svc.get(vs, {}).items():
            obj = self.objects["service"][svc]
            server = self.objects["server"].get(obj["servername"], {})
            ip = server.get("ipaddress", "")
            row = {
                "name": vs,
                "servicename": svc,
                "stateflag": "536936451",
                "ipv46": ip,
                "port": str(obj["port"]),
                "servicetype": obj["servicetype"],
                "curstate": self.health.service_state(svc),
                "weight": str(attrs.get("weight", 1)),
                "dynamicweight": "0",
                "cookieipport": "",
                "vserverid": "0",
                "vsvrbindsvcip": ip,
                "vsvrbindsvcport": str(obj["port"]),
                "preferredlocation": "",
            }
            if "order" in attrs:
                row["order"] = str(attrs["order"])
            out.append(row)
        return out

    def _list_lbvserver_servicegroup_binding(self, vs: str) -> list[dict[str, Any]]:
        out = []
        for group, attrs in self.vs_sg.get(vs, {}).items():
            row = {
                "name": vs,
                "servicegroupname": group,
                "servicename": group,  # returned as servicename too (nitro_api.md §2.6)
                "stateflag": "536936448",
                "weight": str(attrs.get("weight", 1)),
            }
            if "order" in attrs:
                row["order"] = str(attrs["order"])
            out.append(row)
        return out

    def _service_monitor_rows(self, svc: str) -> list[tuple[str, dict[str, Any], bool]]:
        links = self.svc_mon.get(svc, {})
        if links:
            return [(m, a, False) for m, a in links.items()]
        # The implicit default monitor shows in the GET while no custom monitor is bound (nitro_api.md §2.6).
        return [(self._default_monitor(self.objects["service"][svc]["servicetype"]), {}, True)]

    def _list_service_lbmonitor_binding(self, svc: str) -> list[dict[str, Any]]:
        out = []
        for monitor, attrs, _default in self._service_monitor_rows(svc):
            info = self.health.monitor_binding_info(svc, monitor)
            row = {
                "name": svc,
                "monitor_name": monitor,
                "monstate": attrs.get("monstate", "ENABLED"),
                "weight": str(attrs.get("weight", 1)),
                "passive": attrs.get("passive", False),
                "monstatcode": "0",
                "monstatparam1": "0",
                "monstatparam2": "0",
                "monstatparam3": "0",
                "dup_state": attrs.get("monstate", "ENABLED"),
                "dup_weight": str(attrs.get("weight", 1)),
            }
            row.update({k: render_value(None, v) for k, v in info.items()})
            out.append(row)
        return out

    def _list_lbmonitor_service_binding(self, monitor: str) -> list[dict[str, Any]]:
        return self._monitor_side(monitor, self.svc_mon, "servicename")

    def _list_lbmonitor_servicegroup_binding(self, monitor: str) -> list[dict[str, Any]]:
        return self._monitor_side(monitor, self.sg_mon, "servicegroupname")

    @staticmethod
    def _monitor_side(
        monitor: str, links_by_parent: dict[str, dict[str, dict[str, Any]]], parent_key: str
    ) -> list[dict[str, Any]]:
        """A monitor binding seen from the monitor (lbmonitor_*_binding): the same link, other names."""
        out = []
        for parent, links in links_by_parent.items():
            if monitor in links:
                attrs = links[monitor]
                state, weight = attrs.get("monstate", "ENABLED"), str(attrs.get("weight", 1))
                out.append(
                    {"monitorname": monitor, parent_key: parent, "state": state, "weight": weight,
                     "dup_state": state, "dup_weight": weight}
                )  # fmt: skip
        return out

    def _list_servicegroup_lbmonitor_binding(self, group: str) -> list[dict[str, Any]]:
        out = []
        for monitor, attrs in self.sg_mon.get(group, {}).items():
            row = {
                "servicegroupname": group,
                "monitor_name": monitor,
                "monstate": attrs.get("monstate", "ENABLED"),
                "weight": str(attrs.get("weight", 1)),
                "passive": attrs.get("passive", False),
            }
            for key in ("hashid", "serverid", "customserverid", "dbsttl", "order", "nameserver"):
                if key in attrs:
                    row[key] = render_value(None, attrs[key])
            out.append(row)
        return out

    def _list_servicegroup_servicegroupmember_binding(self, group: str) -> list[dict[str, Any]]:
        out = []
        for (server, port), attrs in self.sg_members.get(group, {}).items():
            srv = self.objects["server"].get(server, {})
            row = {
                "servicegroupname": group,
                "ip": srv.get("ipaddress", ""),
                "port": str(port),
                "servername": server,
                "weight": str(attrs.get("weight", 1)),
                "state": attrs.get("state", "ENABLED"),
                "svrstate": self.health.member_state(group, (server, port)),
                "customserverid": attrs.get("customserverid", "None"),
                "dbsttl": str(attrs.get("dbsttl", 0)),
                "serverid": str(attrs.get("serverid", 0)),
                "hashid": str(attrs.get("hashid", 0)),
                "statechangetimesec": "",
                "graceful": "NO",
                "delay": "0",
            }
            if "order" in attrs:
                row["order"] = str(attrs["order"])
            out.append(row)
        return out

    # ------------------------------------------------------------------------------------------------------------
    # accessors for the behaviour engine (see module docstring)

    def service_disabled(self, name: str) -> bool:
        with self.lock:
            svc = self.objects["service"].get(name)
            if svc is None:
                return False
            server = self.objects["server"].get(svc.get("servername", ""), {})
            return svc.get("state") == "DISABLED" or server.get("state") == "DISABLED"

    def member_disabled(self, servicegroup: str, member_key: Any) -> bool:
        with self.lock:
            group = self.objects["servicegroup"].get(servicegroup)
            if group is None:
                return False
            key = (member_key[0], int(member_key[1])) if isinstance(member_key, tuple | list) else member_key
            member = self.sg_members.get(servicegroup, {}).get(key, {})
            server = self.objects["server"].get(key[0], {}) if isinstance(key, tuple) else {}
            return (
                group.get("state") == "DISABLED"
                or member.get("state") == "DISABLED"
                or server.get("state") == "DISABLED"
            )

    def service_monitors(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {"monitor_name": m, "monstate": a.get("monstate", "ENABLED"), "weight": a.get("weight", 1),
                 "passive": a.get("passive", False), "default": d}
                for m, a, d in self._service_monitor_rows(name)
            ]  # fmt: skip

    def _group_monitors(self, group: str) -> list[dict[str, Any]]:
        links = self.sg_mon.get(group, {})
        if links:
            return [
                {"monitor_name": m, "monstate": a.get("monstate", "ENABLED"), "weight": a.get("weight", 1),
                 "passive": a.get("passive", False), "default": False}
                for m, a in links.items()
            ]  # fmt: skip
        default = self._default_monitor(self.objects["servicegroup"][group]["servicetype"])
        return [{"monitor_name": default, "monstate": "ENABLED", "weight": 1, "passive": False, "default": True}]

    def iter_services(self) -> list[dict[str, Any]]:
        with self.lock:
            out = []
            for name, svc in self.objects["service"].items():
                server = self.objects["server"].get(svc["servername"], {})
                out.append(
                    {
                        "name": name,
                        "servicetype": svc["servicetype"],
                        "ip": server.get("ipaddress"),
                        "port": svc["port"],
                        "servername": svc["servername"],
                        "td": svc.get("td", 0),
                        "disabled": self.service_disabled(name),
                        "healthmonitor": svc.get("healthmonitor", "YES") == "YES",
                        "monitors": self.service_monitors(name),
                    }
                )
            return out

    def monitor(self, name: str) -> dict[str, Any] | None:
        with self.lock:
            obj = self.objects["lbmonitor"].get(name)
            if obj is None:
                return None
            spec = RESOURCES["lbmonitor"]
            out = {**spec.defaults(obj), **{k: v for k, v in obj.items() if not k.startswith("_")}}
            out["builtin"] = bool(obj.get("_builtin"))
            for attr in ("interval", "resptimeout", "downtime"):
                out[f"{attr}_ms"] = _ms(out, attr)
            return out

    def iter_servicegroups(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {"servicegroupname": name, "servicetype": grp["servicetype"],
                 "disabled": grp.get("state") == "DISABLED",
                 "healthmonitor": grp.get("healthmonitor", "YES") == "YES", "monitors": self._group_monitors(name)}
                for name, grp in self.objects["servicegroup"].items()
            ]  # fmt: skip

    def iter_servicegroup_members(self, servicegroup: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            out = []
            groups = [servicegroup] if servicegroup is not None else list(self.sg_members)
            for group in groups:
                grp = self.objects["servicegroup"].get(group)
                if grp is None:
                    continue
                monitors = self._group_monitors(group)
                for (server, port), attrs in self.sg_members.get(group, {}).items():
                    out.append(
                        {
                            "servicegroupname": group,
                            "servicetype": grp["servicetype"],
                            "servername": server,
                            "ip": self.objects["server"].get(server, {}).get("ipaddress"),
                            "port": port,
                            "weight": attrs.get("weight", 1),
                            "member_key": (server, port),
                            "disabled": self.member_disabled(group, (server, port)),
                            "healthmonitor": grp.get("healthmonitor", "YES") == "YES",
                            "monitors": monitors,
                        }
                    )
            return out

    def iter_vservers(self) -> list[dict[str, Any]]:
        with self.lock:
            out = []
            spec = RESOURCES["lbvserver"]
            for name, obj in self.objects["lbvserver"].items():
                full = {**spec.defaults(obj), **obj}
                out.append(
                    {
                        "name": name,
                        "servicetype": full["servicetype"],
                        "ipv46": full.get("ipv46"),
                        "port": full.get("port", 0),
                        "td": full.get("td", 0),
                        "disabled": full.get("state") == "DISABLED",
                        **{k: full.get(k) for k in ("lbmethod", "m", "icmpvsrresponse", "rhistate",
                                                    "downstateflush", "sessionless", "tosid")},
                        "services": [
                            {"servicename": s, "weight": a.get("weight", 1)}
                            for s, a in self.vs_svc.get(name, {}).items()
                        ],
                        "servicegroups": [
                            {"servicegroupname": g, "weight": a.get("weight", 1)}
                            for g, a in self.vs_sg.get(name, {}).items()
                        ],
                    }
                )  # fmt: skip
            return out

    def vserver_state(self, name: str) -> dict[str, Any]:
        """curstate/effectivestate/health/activeservices/totalservices from the health hook: UP if at least one
        bound service or member is UP, DOWN if none, OUT OF SERVICE when disabled (nitro_api.md §2.11)."""
        with self.lock:
            obj = self._get_obj("lbvserver", name)
            weights: list[tuple[int, bool]] = []
            for svc, attrs in self.vs_svc.get(name, {}).items():
                weights.append((attrs.get("weight", 1), self.health.service_state(svc) == "UP"))
            for group, _attrs in self.vs_sg.get(name, {}).items():
                for key, member in self.sg_members.get(group, {}).items():
                    weights.append((member.get("weight", 1), self.health.member_state(group, key) == "UP"))
            total = len(weights)
            active = sum(1 for _w, up in weights if up)
            wsum = sum(w for w, _up in weights)
            health = (100 * sum(w for w, up in weights if up) // wsum) if wsum else 0
            if obj.get("state") == "DISABLED":
                state = "OUT OF SERVICE"
            else:
                state = "UP" if active else "DOWN"
            return {
                "curstate": state,
                "effectivestate": state,
                "health": health,
                "activeservices": active,
                "totalservices": total,
            }

    def iter_nsips(self) -> list[dict[str, Any]]:
        with self.lock:
            spec = RESOURCES["nsip"]
            return [{**spec.defaults(o), **o} for o in self.objects["nsip"].values()]

    def nsip_entry(self, ip: str) -> dict[str, Any] | None:
        with self.lock:
            obj = self.objects["nsip"].get(ip)
            return None if obj is None else {**RESOURCES["nsip"].defaults(obj), **obj}

    def tcpparam(self) -> dict[str, Any]:
        with self.lock:
            return {**RESOURCES["nstcpparam"].defaults({}), **self.tcpparams}

    # ------------------------------------------------------------------------------------------------------------
    # state dump for tests (/sim/v1/state)

    def state(self) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = {}
            for res, table in self.objects.items():
                out[res] = {name: self.render(res, obj) for name, obj in table.items()}
            out["nstcpparam"] = self.get("nstcpparam", None, {})
            out["nsmode"] = self._get_nsmode()
            out["nsfeature"] = self._get_nsfeature()
            out["nsconfig"] = self._get_nsconfig()
            bindings: dict[str, list[dict[str, Any]]] = {}
            for binding, spec in BINDINGS.items():
                rows: list[dict[str, Any]] = []
                for parent in self.objects[spec.parent]:
                    rows.extend(getattr(self, f"_list_{binding}")(parent))
                bindings[binding] = rows
            out["bindings"] = bindings
            return out


def _safe_coerce(attr: Attr, value: Any) -> Any:
    try:
        return attr.coerce(value)
    except NitroError:
        return value


def _ms(obj: dict[str, Any], attr: str) -> int:
    defaults = {"interval": 5, "resptimeout": 2, "downtime": 30, "deviation": 0}
    value = obj.get(attr, defaults[attr])
    return int(value) * UNIT_MS[obj.get(TIME_UNIT_ATTR[attr], "SEC")]


def _normalise_interval(obj: dict[str, Any]) -> None:
    """`interval 60` with SEC reads back as `interval 1`, `units3 MIN` (COLL #324, terraform #1165, nitro_api.md
    §2.5). Applied to interval only: the reference documents it for interval alone."""
    if "interval" not in obj:
        return
    ms = _ms(obj, "interval")
    if obj.get("units3", "SEC") != "MIN" and ms % 60000 == 0:
        obj["interval"] = ms // 60000
        obj["units3"] = "MIN"


def _monitor_type_key(res: str, body: dict[str, Any], obj: dict[str, Any], name: str) -> dict[str, Any]:
    """lbmonitor set/unset carry `type` with the name (JAVA-SDK lbmonitor.update/unset send monitorname and type):
    it identifies the monitor, as `args=type:` does on delete (nitro_api.md §2.5); a different type finds none."""
    if res != "lbmonitor" or "type" not in body:
        return body
    body = dict(body)
    if str(body.pop("type")).upper() != str(obj.get("type", "")).upper():
        raise E.not_found(f"monitorName, {name}")
    return body


def _rekey(table: dict[Any, Any], old: Any, new: Any) -> None:
    if old in table:
        table[new] = table.pop(old)


def iter_names(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]
