"""Thread-safe in-memory NetScaler configuration: the registry of resources and the generic NITRO operations.

Each resource lives in ``resources/<name>.py`` (schema, hooks, storage of its bindings); this module only looks
them up and runs the operation under one lock. Every public operation validates first and mutates afterwards,
so a failed single operation leaves no trace. All state is guarded by ``self.lock`` (one RLock); the HTTP layer
holds it for a whole request, bulk included.

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
from .resources import BINDING_REGISTRY, REGISTRY, Binding, Resource, aggregates, not_supported
from .runtime import DEFAULT_ALLOW, SimClock, StaticHealth

NS_MGMT_IP = "127.0.0.1"


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
        probe_allow: Iterable[str] = DEFAULT_ALLOW,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock or SimClock()
        self.mgmt_ip = mgmt_ip
        self.probe_allow = tuple(probe_allow)  # for the health engine (probes only to these networks)
        self.generation = 0
        self.on_write: Callable[[], None] | None = None  # persistence hook (state file)
        self.resources: dict[str, Resource] = {}
        self.bindings: dict[str, Binding] = {}
        self.aggregates = aggregates()
        for name, cls in REGISTRY.items():
            self.resources[name] = cls(self)
        for name, bcls in BINDING_REGISTRY.items():
            self.bindings[name] = bcls(self)
        self._reset_unlocked()
        self.health = (health_factory or StaticHealth)(self)

    # ------------------------------------------------------------------------------------------------------------
    # registry lookups

    def resource(self, res: str) -> Any:
        """The concrete resource (Any: callers use that resource's own helpers)."""
        return self.resources[res]

    def binding(self, name: str) -> Any:
        return self.bindings[name]

    def get_obj(self, res: str, name: str) -> dict[str, Any]:
        """The stored object, or the appliance's not-found error for that resource."""
        return self.resources[res].get_obj(name)

    def _parts(self) -> list[Resource | Binding]:
        return [*self.resources.values(), *self.bindings.values()]

    def forget(self, res: str, name: str) -> None:
        for part in self._parts():
            part.on_delete(res, name)

    def renamed(self, res: str, old: str, new: str) -> None:
        for part in self._parts():
            part.on_rename(res, old, new)

    def in_use(self, res: str, name: str) -> bool:
        return any(part.references(res, name) for part in self._parts())

    # ------------------------------------------------------------------------------------------------------------
    # state lifecycle

    def _reset_unlocked(self) -> None:
        for part in self._parts():
            part.reset()
        self.objects = {n: r.objects for n, r in self.resources.items() if not r.singleton}
        self.configchanged = False
        self.lastchange: float | None = None
        self.lastsave: float | None = None

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
        """JSON-serialisable dump of the raw configuration (for --state-file and bulk rollback)."""
        with self.lock:
            return copy.deepcopy(
                {
                    "objects": self.objects,
                    "resources": {n: r.export() for n, r in self.resources.items()},
                    "bindings": {n: b.export() for n, b in self.bindings.items()},
                    "configchanged": self.configchanged,
                    "lastchange": self.lastchange,
                    "lastsave": self.lastsave,
                }
            )

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            self._reset_unlocked()
            data = copy.deepcopy(data)
            for name, objects in data.get("objects", {}).items():
                if name in self.objects:  # a resource this simulator no longer has is dropped
                    self.objects[name].update(objects)
            for name, part in data.get("resources", {}).items():
                if name in self.resources:
                    self.resources[name].load(part)
            for name, rows in data.get("bindings", {}).items():
                if name in self.bindings:
                    self.bindings[name].load(rows)
            self.configchanged = bool(data.get("configchanged", False))
            self.lastchange = data.get("lastchange")
            self.lastsave = data.get("lastsave")
            self.generation += 1
            self.health.config_changed()

    # ------------------------------------------------------------------------------------------------------------
    # generic entry points used by the HTTP layer

    def _for_write(self, res: str, op: str) -> Resource:
        r = self.resources.get(res)
        if r is None:
            raise not_supported(op)
        return r

    def add(self, res: str, body: dict[str, Any], idempotent: bool = False) -> int:
        """POST add; returns the HTTP status (201, or 200 when ?idempotent=yes turned it into an update)."""
        with self.lock:
            status = self._for_write(res, "add").add(body, idempotent)
            self._changed()
            return status

    def update(self, res: str, body: dict[str, Any], url_name: str | None = None) -> None:
        with self.lock:
            self._for_write(res, "update").update(body, url_name)
            self._changed()

    def delete(self, res: str, name: str | None, args: dict[str, str]) -> None:
        with self.lock:
            r = self._for_write(res, "rm")
            if r.singleton:
                raise not_supported("rm")
            assert r.key is not None
            if name is None:
                if r.key not in args:
                    raise E.required_missing(r.key)
                name = args.pop(r.key)
            r.delete(name, args)
            self._changed()

    def action(self, res: str, verb: str, body: Any) -> None:
        with self.lock:
            if not isinstance(body, dict):
                raise E.invalid_arg(res)
            if self._for_write(res, verb).action(verb, body):
                self._changed()

    def get(self, res: str, name: str | None, args: dict[str, str]) -> list[dict[str, Any]] | dict[str, Any]:
        """GET one or all of a resource; singletons answer a dict."""
        with self.lock:
            r = self.resources.get(res)
            if r is None:
                raise E.not_found(f"resource, {res}")
            return r.read() if r.singleton else r.get(name, args)

    # ------------------------------------------------------------------------------------------------------------
    # bindings

    def bind(self, binding: str, body: Any, url_name: str | None = None) -> None:
        """PUT on a binding resource adds the binding."""
        with self.lock:
            b = self.bindings.get(binding)
            if b is None:
                raise not_supported("bind")
            if isinstance(body, dict) and url_name is not None:
                body = {b.parent_key: url_name, **body}
            b.bind(b.validate(body))
            self._changed()

    def unbind(self, binding: str, parent: str | None, args: dict[str, Any]) -> None:
        """DELETE /<binding>/<parent>?args=<member keys>."""
        with self.lock:
            b = self.bindings.get(binding)
            if b is None:
                raise not_supported("unbind")
            args = dict(args)
            if parent is None:
                parent = args.pop(b.parent_key, None)
                if parent is None:
                    raise E.required_missing(b.parent_key)
            b.check_args(args)
            b.unbind(str(parent), args)
            self._changed()

    def get_binding(self, binding: str, parent: str | None) -> list[dict[str, Any]]:
        with self.lock:
            if binding in self.aggregates:
                return self._get_aggregate(binding, parent)
            b = self.bindings.get(binding)
            if b is None:
                raise E.not_found(f"resource, {binding}")
            if parent is None:
                # No parent: every binding of that type (like ?bulkbindings=yes; README).
                out: list[dict[str, Any]] = []
                for name in list(self.objects[b.parent]):
                    out.extend(b.rows(name))
                return out
            self.get_obj(b.parent, parent)
            return b.rows(parent)

    def _get_aggregate(self, binding: str, parent: str | None) -> list[dict[str, Any]]:
        res, parts = self.aggregates[binding]
        key = self.resources[res].key
        names = [parent] if parent is not None else list(self.objects[res])
        out = []
        for name in names:
            self.get_obj(res, name)
            entry: dict[str, Any] = {key: name}
            for part in parts:
                rows = self.bindings[part].rows(name)
                if rows:
                    entry[part] = rows
            out.append(entry)
        return out

    # ------------------------------------------------------------------------------------------------------------
    # accessors for the behaviour engine (see module docstring); each resource file implements its own

    def service_disabled(self, name: str) -> bool:
        with self.lock:
            return self.resource("service").disabled(name)

    def member_disabled(self, servicegroup: str, member_key: Any) -> bool:
        with self.lock:
            return self.resource("servicegroup").member_disabled(servicegroup, member_key)

    def service_monitors(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return self.binding("service_lbmonitor_binding").monitors(name)

    def iter_services(self) -> list[dict[str, Any]]:
        with self.lock:
            return self.resource("service").iter_services()

    def monitor(self, name: str) -> dict[str, Any] | None:
        with self.lock:
            return self.resource("lbmonitor").view(name)

    def iter_servicegroups(self) -> list[dict[str, Any]]:
        with self.lock:
            return self.resource("servicegroup").iter_servicegroups()

    def iter_servicegroup_members(self, servicegroup: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return self.resource("servicegroup").iter_members(servicegroup)

    def iter_vservers(self) -> list[dict[str, Any]]:
        with self.lock:
            return self.resource("lbvserver").iter_vservers()

    def vserver_state(self, name: str) -> dict[str, Any]:
        with self.lock:
            return self.resource("lbvserver").state_of(name)

    def iter_nsips(self) -> list[dict[str, Any]]:
        with self.lock:
            r = self.resources["nsip"]
            return [r.full(o) for o in r.objects.values()]

    def nsip_entry(self, ip: str) -> dict[str, Any] | None:
        with self.lock:
            r = self.resources["nsip"]
            obj = r.objects.get(ip)
            return None if obj is None else r.full(obj)

    def tcpparam(self) -> dict[str, Any]:
        with self.lock:
            r = self.resources["nstcpparam"]
            return {**r.defaults({}), **r.values}

    # ------------------------------------------------------------------------------------------------------------
    # state dump for tests (/sim/v1/state)

    def state(self) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = {name: r.dump() for name, r in self.resources.items()}
            out["bindings"] = {
                name: [row for parent in list(self.objects[b.parent]) for row in b.rows(parent)]
                for name, b in self.bindings.items()
            }
            return out
