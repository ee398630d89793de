"""lbmonitor: health monitors, the built-in ones, the default monitor rule, the time units; and the monitor-side
views of monitor bindings (lbmonitor_service_binding, lbmonitor_servicegroup_binding).

Schema: NetScaler CLI reference "add lb monitor" (defaults and the per-unit ranges of interval, resptimeout,
downtime and deviation), NITRO lbmonitor reference, netscaler.adc's resource map (enum lists; delete needs
`args=type:`).
"""

from __future__ import annotations

import copy
from typing import Any

from .. import errors as E
from ..errors import NitroError
from ..schema import EN_DIS, YES_NO, Attr, attrs_of, enum
from .base import Binding, Resource

MONITOR_TYPES = (
    "APPC", "ARP", "CITRIX-AAC-LAS", "CITRIX-AAC-LOGINPAGE", "CITRIX-AG", "CITRIX-STA-SERVICE",
    "CITRIX-STA-SERVICE-NHOP", "CITRIX-WEB-INTERFACE", "CITRIX-WI-EXTENDED", "CITRIX-XD-DDC", "CITRIX-XDM",
    "CITRIX-XML-SERVICE", "CITRIX-XNC-ECV", "DIAMETER", "DNS", "DNS-TCP", "DTLS", "FTP", "FTP-EXTENDED", "HTTP",
    "HTTP-ECV", "HTTP-INLINE", "HTTP2", "KAFKA-AUTODISCOVER", "LDAP", "LDNS-DNS", "LDNS-PING", "LDNS-TCP", "LOAD",
    "MQTT", "MSSQL-ECV", "MYSQL", "MYSQL-ECV", "ND6", "NNTP", "ORACLE-ECV", "PING", "POP3", "QUIC", "RADIUS",
    "RADIUS_ACCOUNTING", "RTSP", "SIP-TCP", "SIP-UDP", "SMPP", "SMTP", "SNMP", "STOREFRONT", "TCP", "TCP-ECV",
    "UDP-ECV", "USER",
)  # fmt: skip

# Time units: every duration attribute has a unit attribute of its own (CLI reference "add lb monitor").
TIME_UNITS = ("SEC", "MSEC", "MIN")
UNIT_MS = {"SEC": 1000, "MSEC": 1, "MIN": 60000}
TIME_UNIT_ATTR = {"interval": "units3", "resptimeout": "units4", "downtime": "units2", "deviation": "units1"}
# Per-unit ranges, in seconds (CLI reference: interval 1-20940 s, resptimeout/downtime/deviation 1-20939 s).
TIME_MAX_SEC = {"interval": 20940, "resptimeout": 20939, "downtime": 20939, "deviation": 20939}

# Built-in monitors present on every appliance ("show lb monitor" on a fresh appliance; inferred, not verified
# on an appliance for the attributes beyond type).
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
# The monitors the appliance binds implicitly; service types whose default is ping-default rather than
# tcp-default (NetScaler docs "Configuring monitors": a ping monitor for UDP-based services and ANY).
DEFAULT_MONITORS = ("tcp-default", "ping-default")
PING_DEFAULT_TYPES = frozenset(
    {"ANY", "UDP", "DNS", "RADIUS", "RADIUSListener", "SIP_UDP", "SNMP", "SYSLOGUDP", "TFTP", "DHCPRA", "IPFIX",
     "DTLS", "QUIC", "QUIC_BRIDGE", "HTTP_QUIC", "ADNS", "LDNS", "GRE", "PPTP", "RPCSVR"}
)  # fmt: skip


def default_monitor(servicetype: str) -> str:
    return "ping-default" if servicetype in PING_DEFAULT_TYPES else "tcp-default"


class Lbmonitor(Resource):
    name = "lbmonitor"
    key = "monitorname"
    check_names = True
    actions = frozenset({"enable", "disable", "unset"})
    missing_label = "monitorName"
    attrs = attrs_of(
        Attr("monitorname", required=True),
        enum("type", MONITOR_TYPES, required=True, add_only=True),
        # ranges that depend on the unit are checked in check()
        Attr("interval", "int", min=1, max=20940000, default=5),
        enum("units3", TIME_UNITS, default="SEC"),
        Attr("resptimeout", "int", min=1, max=20939000, default=2),
        enum("units4", TIME_UNITS, default="SEC"),
        Attr("downtime", "int", min=1, max=20939000, default=30),
        enum("units2", TIME_UNITS, default="SEC"),
        Attr("deviation", "int", min=0, max=20939000),
        enum("units1", TIME_UNITS, default="SEC"),
        Attr("retries", "int", min=1, max=127, default=3),
        Attr("failureretries", "int", min=0, max=32, default=0),
        Attr("successretries", "int", min=1, max=32, default=1),
        Attr("alertretries", "int", min=0, max=32, default=0),
        Attr("resptimeoutthresh", "int", min=0, max=100, default=0),
        Attr("httprequest"),
        Attr("respcode", "list"),
        enum("action", ("NONE", "LOG", "DOWN")),
        Attr("send"),
        Attr("recv"),
        Attr("customheaders"),
        Attr("destip", "ip"),
        Attr("destport", "int", min=0, max=65535),
        enum("reverse", YES_NO, default="NO"),
        enum("transparent", YES_NO, default="NO"),
        enum("iptunnel", YES_NO, default="NO"),
        enum("tos", YES_NO),
        Attr("tosid", "int", min=1, max=63),
        enum("secure", YES_NO, default="NO"),
        enum("lrtm", EN_DIS),
        enum("state", EN_DIS, default="ENABLED"),
        Attr("scriptname"),
        Attr("scriptargs"),
        Attr("dispatcherip", "ip"),
        Attr("dispatcherport", "int", min=1, max=65535),
        Attr("username"),
        *(Attr(a, secret=True) for a in ("password", "secondarypassword", "radkey", "secureargs")),
        Attr("query"),
        enum("querytype", ("Address", "Zone", "AAAA")),
        Attr("lasversion"),
        Attr("hostname"),
        Attr("customerid"),
        Attr("sitepath"),
        *(Attr(a, readonly=True) for a in ("builtin", "dup_state", "dup_weight")),
    )

    def reset(self) -> None:
        super().reset()
        for name, attrs in BUILTIN_MONITORS.items():
            self.objects[name] = {"monitorname": name, **copy.deepcopy(attrs), "_builtin": True}

    def check(self, merged: dict[str, Any], vals: dict[str, Any], before: dict[str, Any] | None) -> None:
        for attr, unit_attr in TIME_UNIT_ATTR.items():
            if attr in merged:
                limit = TIME_MAX_SEC[attr] * 1000 // UNIT_MS[merged.get(unit_attr, "SEC")]
                if not (1 if attr != "deviation" else 0) <= merged[attr] <= limit:
                    raise E.invalid_value(f"{attr}, {merged[attr]}")
        if "units1" in vals and merged.get("deviation") is None:
            raise NitroError(400, 1093, "units, deviation")  # netscaler.adc #313
        if time_ms(merged, "resptimeout") >= time_ms(merged, "interval"):
            # "Must be less than interval" (NITRO lbmonitor reference; CTX205013). Code not documented: 1097.
            raise E.invalid_value("resptimeout, must be less than interval")
        _normalise_interval(merged)

    def after_unset(self, obj: dict[str, Any], before: dict[str, Any]) -> None:
        self.check(obj, {}, before)

    def identify(self, body: dict[str, Any], obj: dict[str, Any], name: str) -> dict[str, Any]:
        """set/unset carry `type` with the name (the NITRO SDKs' lbmonitor update/unset send monitorname and
        type): it identifies the monitor, as `args=type:` does on delete; a different type finds none."""
        if "type" not in body:
            return body
        body = dict(body)
        if str(body.pop("type")).upper() != str(obj.get("type", "")).upper():
            raise E.not_found(f"monitorName, {name}")
        return body

    def select(self, obj: dict[str, Any], name: str, args: dict[str, str]) -> None:
        if "type" in args and obj["type"].upper() != args["type"].upper():
            raise E.not_found(f"monitorName, {name}")

    def delete(self, name: str, args: dict[str, str]) -> None:
        if "type" not in args:  # delete needs ?args=type:<TYPE> (netscaler.adc delete_arg_keys ['type'])
            raise E.required_missing("type")
        obj = self.get_obj(name)
        self.select(obj, name, args)
        if obj.get("_builtin"):
            raise E.ns_error(257, name)
        if self.app.in_use("lbmonitor", name):
            raise E.ns_error(2131)
        self.remove(name)

    def render(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = super().render(obj)
        if obj["type"] == "HTTP-INLINE":
            out.setdefault("action", "DOWN")
        out.setdefault("destip", "0.0.0.0")
        out.setdefault("destport", "0")
        return out

    def view(self, name: str) -> dict[str, Any] | None:
        """Accessor for the health engine: canonical attributes, `builtin` and the durations in ms."""
        obj = self.objects.get(name)
        if obj is None:
            return None
        out = {**self.defaults(obj), **{k: v for k, v in obj.items() if not k.startswith("_")}}
        out["builtin"] = bool(obj.get("_builtin"))
        for attr in ("interval", "resptimeout", "downtime"):
            out[f"{attr}_ms"] = time_ms(out, attr)
        return out


TIME_DEFAULTS = {a: Lbmonitor.attrs[a].default or 0 for a in TIME_UNIT_ATTR}


def _number(value: Any, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return int(number) if number.is_integer() else number


def time_ms(obj: dict[str, Any], attr: str) -> Any:
    """A duration attribute in milliseconds, its unit applied (the lbmonitor default when absent)."""
    default = TIME_DEFAULTS[attr]
    value = obj.get(attr)
    unit = str(obj.get(TIME_UNIT_ATTR[attr]) or "SEC").upper()
    return _number(default if value in (None, "") else value, default) * UNIT_MS.get(unit, 1000)


def _normalise_interval(obj: dict[str, Any]) -> None:
    """`interval 60` with SEC reads back as `interval 1`, `units3 MIN` (netscaler.adc #324, terraform provider
    #1165). Applied to interval only: the reports show it for interval alone."""
    if "interval" not in obj:
        return
    ms = time_ms(obj, "interval")
    if obj.get("units3", "SEC") != "MIN" and ms % 60000 == 0:
        obj["interval"] = ms // 60000
        obj["units3"] = "MIN"


class LbmonitorServiceBinding(Binding):
    """A monitor binding seen from the monitor: the same link as service_lbmonitor_binding (or the servicegroup
    one), other names. No storage of its own."""

    name = "lbmonitor_service_binding"
    parent, parent_key = "lbmonitor", "monitorname"
    side_key = "servicename"
    attrs = attrs_of(
        Attr("monitorname", required=True),
        Attr("servicename"),
        Attr("servicegroupname"),
        enum("state", EN_DIS, default="ENABLED"),
        Attr("weight", "int", min=1, max=100, default=1),
        enum("dup_state", EN_DIS),
        Attr("dup_weight", "int", min=1, max=100),
    )

    def _side(self, key: str) -> Any:
        return self.app.binding(
            "service_lbmonitor_binding" if key == "servicename" else "servicegroup_lbmonitor_binding"
        )

    def bind(self, vals: dict[str, Any]) -> None:
        svc, group = vals.get("servicename"), vals.get("servicegroupname")
        if svc is not None and group is not None:
            raise E.both_specified("serviceName, serviceGroupName")
        attrs: dict[str, Any] = {}
        if "state" in vals:
            attrs["monstate"] = vals["state"]
        if "weight" in vals:
            attrs["weight"] = vals["weight"]
        if svc is None and group is None:
            raise E.required_missing("serviceName")
        key = "servicename" if svc is not None else "servicegroupname"
        self._side(key).link(vals[key], vals["monitorname"], attrs)

    def unbind(self, parent: str, args: dict[str, Any]) -> None:
        self.app.get_obj("lbmonitor", parent)
        for key in ("servicename", "servicegroupname"):
            if key in args:
                self._side(key).unlink(args[key], parent)
                return
        raise E.required_missing("serviceName")

    def rows(self, parent: str) -> list[dict[str, Any]]:
        out = []
        for owner, links in self._side(self.side_key).links.items():
            if parent in links:
                state, weight = links[parent].get("monstate", "ENABLED"), str(links[parent].get("weight", 1))
                out.append({"monitorname": parent, self.side_key: owner, "state": state, "weight": weight,
                            "dup_state": state, "dup_weight": weight})  # fmt: skip
        return out


class LbmonitorServicegroupBinding(LbmonitorServiceBinding):
    name = "lbmonitor_servicegroup_binding"
    side_key = "servicegroupname"
    attrs = {**LbmonitorServiceBinding.attrs, "servicegroupname": Attr("servicegroupname", required=True)}
    del attrs["servicename"]
