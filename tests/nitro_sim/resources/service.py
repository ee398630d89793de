"""service: one backend (server + port + protocol), and its monitor bindings (service_lbmonitor_binding).

Schema: NetScaler CLI reference "add service" (defaults), NITRO service reference (ranges), netscaler.adc's
resource map (enum lists, immutable keys). POST takes `ip`, GET returns and PUT expects `ipaddress`
(netscaler.adc's service module maps the two).
"""

from __future__ import annotations

import time
from typing import Any

from .. import errors as E
from ..schema import EN_DIS, ON_OFF, SERVICE_TYPES, YES_NO, Attr, attrs_of, enum, render_value
from .base import Binding, Entity, one_of
from .lbmonitor import DEFAULT_MONITORS, default_monitor


class Service(Entity):
    name = "service"
    key = "name"
    graceful_disable = True
    inherit_modes = ("usip",)  # no default: the global USIP mode (CLI reference "add service", usip)
    missing_code = 344
    missing_label = "serviceName"
    attrs = attrs_of(
        Attr("name", required=True),
        Attr("ip", "ip", add_only=True),
        Attr("ipaddress", "ip", update_only=True),
        Attr("servername", add_only=True),
        enum("servicetype", SERVICE_TYPES, required=True, add_only=True),
        Attr("port", "port", required=True, add_only=True),
        Attr("td", "int", min=0, max=4094, default=0, add_only=True),
        enum("cachetype", ("TRANSPARENT", "REVERSE", "FORWARD"), add_only=True),
        Attr("cleartextport", "port", add_only=True),
        Attr("maxclient", "int", min=0, max=4294967294, default=0),
        Attr("maxreq", "int", min=0, max=65535, default=0),
        Attr("maxbandwidth", "int", min=0, max=4294967287, default=0),
        Attr("monthreshold", "int", min=0, max=65535, default=0),
        enum("healthmonitor", YES_NO, default="YES"),
        enum("state", EN_DIS, default="ENABLED", add_only=True),
        enum("downstateflush", EN_DIS, default="ENABLED"),
        enum("cacheable", YES_NO, default="NO"),
        enum("accessdown", YES_NO, default="NO"),
        enum("rtspsessionidremap", ON_OFF, default="OFF"),
        enum("appflowlog", EN_DIS, default="ENABLED"),
        enum("processlocal", EN_DIS, default="DISABLED"),
        enum("monconnectionclose", ("NONE", "RESET", "FIN"), default="NONE"),
        enum("usip", YES_NO),
        enum("useproxyport", YES_NO),
        enum("cip", EN_DIS, default="DISABLED"),
        Attr("cipheader"),
        enum("sp", ON_OFF, default="OFF"),
        enum("cka", YES_NO),
        enum("tcpb", YES_NO),
        enum("cmp", YES_NO),
        Attr("clttimeout", "int", min=0, max=31536000),
        Attr("svrtimeout", "int", min=0, max=31536000),
        Attr("customserverid", default="None"),
        Attr("serverid", "int"),
        Attr("hashid", "int", min=1),
        Attr("comment"),
        enum("nodefaultbindings", YES_NO, add_only=True),
        Attr("svrstate", readonly=True),
        Attr("statechangetimesec", readonly=True),
        Attr("tickssincelaststatechange", readonly=True),
    )

    # -- graceful disable -----------------------------------------------------------------------------------------
    # `disable service <name> [<delay>] [-graceful YES]` (CLI reference "disable service",
    # https://developer-docs.netscaler.com/en-us/adc-command-reference-int/current-release/basic/service#disable-service;
    # "Graceful shutdown of services", https://docs.netscaler.com/en-us/citrix-adc/current-release/load-balancing/
    # load-balancing-manage-clienttraffic/graceful-shutdown.html): the service takes no new connections at once (the
    # data plane sees it not UP), keeps the open ones, and shows svrstate GOING OUT OF SERVICE (a NITRO svrstate value)
    # until its connections end (graceful YES) or the delay expires, then OUT OF SERVICE. Without graceful or delay it
    # is OUT OF SERVICE at once and its open connections are left to end on their own (inferred; the pages are silent).
    GOING_OUT = "GOING OUT OF SERVICE"

    def reset(self) -> None:
        super().reset()
        self.draining: dict[str, tuple[bool, float | None]] = {}  # name -> (graceful, deadline)

    def enable_disable(self, verb: str, body: dict[str, Any]) -> None:
        super().enable_disable(verb, body)
        name = str(body[self.key])
        self.draining.pop(name, None)
        graceful = str(body.get("graceful", "NO")).upper() == "YES"
        delay = int(body["delay"]) if body.get("delay") not in (None, "") else None
        if verb == "disable" and (graceful or delay):
            self.draining[name] = (graceful, time.monotonic() + delay if delay else None)

    def runtime_state(self, name: str) -> str:
        """svrstate: the health engine's state, GOING OUT OF SERVICE while a graceful disable drains."""
        state = self.app.health.service_state(name)
        drain = self.draining.get(name)
        if drain is None or state != "OUT OF SERVICE":
            return state
        graceful, deadline = drain
        counters = getattr(self.app.health, "counters", None)
        open_conns = counters.service(name).cursrvr if counters is not None else 0
        if (deadline is not None and time.monotonic() >= deadline) or (graceful and open_conns == 0):
            self.draining.pop(name, None)
            return state
        return self.GOING_OUT

    def prepare(self, vals: dict[str, Any]) -> None:
        one_of(vals, "ip", "servername", both="serverName, IP", missing="serverName")
        servers = self.app.resource("server")
        if "servername" in vals:
            servers.get_obj(vals["servername"])
        ip = vals.pop("ip", None)
        if ip is not None:
            vals["servername"] = servers.server_for_ip(ip, vals.get("td", 0))

    def as_added(self, obj: dict[str, Any]) -> dict[str, Any]:
        # A service stores its server, not the `ip` it was added with.
        return {**obj, "ip": self.app.objects["server"].get(obj["servername"], {}).get("ipaddress")}

    def updated(self, obj: dict[str, Any], before: dict[str, Any]) -> None:
        # PUT expects `ipaddress`: it changes the address of the service's server.
        ip = obj.pop("ipaddress", None)
        if ip is not None:
            self.app.objects["server"][obj["servername"]]["ipaddress"] = ip

    def on_delete(self, res: str, name: str) -> None:
        if res == "service":
            self.draining.pop(name, None)
        if res == "server":  # `rm server` also removes its services (CLI reference "rm server"; inferred)
            for svc in [s for s, o in self.objects.items() if o.get("servername") == name]:
                self.remove(svc)

    def on_rename(self, res: str, old: str, new: str) -> None:
        if res == "server":
            for svc in self.objects.values():
                if svc.get("servername") == old:
                    svc["servername"] = new

    def render(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = super().render(obj)
        server = self.app.objects["server"].get(obj["servername"], {})
        out["ipaddress"] = server.get("ipaddress", server.get("domain", ""))
        out["svrstate"] = self.runtime_state(obj["name"])
        return out

    # -- accessors for the behaviour engine ---------------------------------------------------------------------
    def disabled(self, name: str) -> bool:
        svc = self.objects.get(name)
        if svc is None:
            return False
        server = self.app.objects["server"].get(svc.get("servername", ""), {})
        return svc.get("state") == "DISABLED" or server.get("state") == "DISABLED"

    def iter_services(self) -> list[dict[str, Any]]:
        monitors = self.app.binding("service_lbmonitor_binding")
        out = []
        for name, svc in self.objects.items():
            server = self.app.objects["server"].get(svc["servername"], {})
            out.append(
                {
                    "name": name,
                    "servicetype": svc["servicetype"],
                    "ip": server.get("ipaddress"),
                    "port": svc["port"],
                    "servername": svc["servername"],
                    "td": svc.get("td", 0),
                    "disabled": self.disabled(name),
                    "healthmonitor": svc.get("healthmonitor", "YES") == "YES",
                    "monitors": monitors.monitors(name),
                }
            )
        return out


SVC_MON_READONLY = (
    "monitor_state", "lastresponse", "responsetime", "totalprobes", "failedprobes", "monstatcode", "monstatparam1",
    "monstatparam2", "monstatparam3", "dup_state", "dup_weight",
)  # fmt: skip


class MonitorLinks(Binding):
    """Monitor bindings of a parent (service or service group): ``links[parent][monitor] = attrs``. The
    implicit default monitor is never stored; binding one explicitly is 599/2165, unbinding it 599/2164
    (netscaler.adc #312), unbinding a monitor that is not bound 599/2170, a duplicate 409/273 (README: rather
    than ERRLIST 2133)."""

    member_attr, member_res = "monitor_name", "lbmonitor"

    def link(self, parent: str, monitor: str, attrs: dict[str, Any]) -> None:
        self.app.get_obj(self.parent, parent)
        if monitor in DEFAULT_MONITORS:
            raise E.ns_error(2165)
        self.app.get_obj("lbmonitor", monitor)
        links = self.links.setdefault(parent, {})
        if monitor in links:
            raise E.exists(f"monitorName, {monitor}")
        links[monitor] = attrs

    def unlink(self, parent: str, monitor: str) -> None:
        self.app.get_obj(self.parent, parent)
        if monitor in DEFAULT_MONITORS:
            raise E.ns_error(2164)
        links = self.links.get(parent, {})
        if monitor not in links:
            self.app.get_obj("lbmonitor", monitor)
            raise E.ns_error(2170)
        del links[monitor]

    def bind(self, vals: dict[str, Any]) -> None:
        self.link(vals[self.parent_key], vals["monitor_name"], self.kept(vals))

    def unbind(self, parent: str, args: dict[str, Any]) -> None:
        monitor = args.get("monitor_name")
        if monitor is None:
            raise E.required_missing("monitorName")
        self.unlink(parent, monitor)

    def default_monitor(self, parent: str) -> str:
        return default_monitor(self.app.objects[self.parent][parent]["servicetype"])

    def monitors(self, parent: str) -> list[dict[str, Any]]:
        """The monitors the health engine probes for this parent (the default one when none is bound)."""
        links = self.links.get(parent, {})
        if links:
            return [{"monitor_name": m, "monstate": a.get("monstate", "ENABLED"), "weight": a.get("weight", 1),
                     "passive": a.get("passive", False), "default": False} for m, a in links.items()]  # fmt: skip
        return [{"monitor_name": self.default_monitor(parent), "monstate": "ENABLED", "weight": 1, "passive": False,
                 "default": True}]  # fmt: skip


class ServiceLbmonitorBinding(MonitorLinks):
    name = "service_lbmonitor_binding"
    parent, parent_key = "service", "name"
    stored = ("monstate", "weight", "passive")
    attrs = attrs_of(
        Attr("name", required=True),
        Attr("monitor_name", required=True),
        enum("monstate", EN_DIS, default="ENABLED"),
        Attr("weight", "int", min=1, max=100, default=1),
        Attr("passive", "bool", default=False),
        *(Attr(a, readonly=True) for a in SVC_MON_READONLY),
    )

    def rows(self, parent: str) -> list[dict[str, Any]]:
        # The implicit default monitor shows in the GET while no custom monitor is bound.
        out = []
        for m in self.monitors(parent):
            info = self.app.health.monitor_binding_info(parent, m["monitor_name"])
            state, weight = m["monstate"], str(m["weight"])
            row = {"name": parent, "monitor_name": m["monitor_name"], "monstate": state, "weight": weight,
                   "passive": m["passive"], "monstatcode": "0", "monstatparam1": "0", "monstatparam2": "0",
                   "monstatparam3": "0", "dup_state": state, "dup_weight": weight}  # fmt: skip
            row.update({k: render_value(None, v) for k, v in info.items()})
            out.append(row)
        return out
