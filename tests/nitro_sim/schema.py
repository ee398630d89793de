"""Attribute schema of every simulated NITRO resource.

Sources: nitro_api.md §2 (CLI-REF defaults, COLL enum lists and immutable keys, JAVA-SDK ranges). Values are
stored canonically (enums in their canonical spelling, integers as ``int``) and rendered as strings on GET,
because the appliance returns numbers as strings (nitro_api.md §1.9).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import invalid_value

Default = Any  # a plain value or callable(stored_object) -> value


@dataclass(frozen=True)
class Attr:
    name: str
    kind: str = "str"  # str | int | enum | list | bool | port | ip
    values: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    default: Default = None
    readonly: bool = False
    add_only: bool = False  # accepted on add only: immutable afterwards (rejected on update)
    update_only: bool = False  # accepted on update only
    secret: bool = False  # accepted, never rendered on GET
    required: bool = False  # required on add
    wildcard: bool = False  # ip: "*" allowed

    def coerce(self, value: Any) -> Any:
        """Validate ``value`` and return its canonical stored form (400/1097 when invalid)."""
        kind = self.kind
        if kind in ("int", "port"):
            if kind == "port" and isinstance(value, str) and value.strip() == "*":
                # "* in CLI is represented as 65535 in NITRO API" (nitro_api.md §1.9, DOC-REF)
                return 65535
            number = _to_int(value)
            if number is None:
                raise invalid_value(f"{self.name}, {_show(value)}")
            lo = self.min if self.min is not None else (1 if kind == "port" else None)
            hi = self.max if self.max is not None else (65535 if kind == "port" else None)
            if (lo is not None and number < lo) or (hi is not None and number > hi):
                raise invalid_value(f"{self.name}, {_show(value)}")
            return number
        if kind == "enum":
            # Enum values are case-insensitive to NITRO (nitro_api.md §1.9); booleans are not strings (COLL #281).
            if not isinstance(value, str):
                raise invalid_value(f"{self.name}, {_show(value)}")
            canon = _ENUM_INDEX[self.values].get(value.strip().upper())
            if canon is None:
                raise invalid_value(f"{self.name}, {value}")
            return canon
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise invalid_value(f"{self.name}, {_show(value)}")
        if kind == "list":
            if isinstance(value, str | int) and not isinstance(value, bool):
                return [str(value)]
            if isinstance(value, list) and all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
                return [str(v) for v in value]
            raise invalid_value(f"{self.name}, {_show(value)}")
        if kind == "ip":
            if not isinstance(value, str):
                raise invalid_value(f"{self.name}, {_show(value)}")
            text = value.strip()
            if self.wildcard and text == "*":
                return "*"
            try:
                return str(ipaddress.ip_address(text))
            except ValueError:
                raise invalid_value(f"{self.name}, {value}") from None
        # plain string
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise invalid_value(f"{self.name}, {_show(value)}")
        return str(value)


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_ENUM_INDEX: dict[tuple[str, ...], dict[str, str]] = {}


def enum(name: str, values: tuple[str, ...], **kw: Any) -> Attr:
    _ENUM_INDEX.setdefault(values, {v.upper(): v for v in values})
    return Attr(name, "enum", values=values, **kw)


def render_value(attr: Attr | None, value: Any) -> Any:
    """Numbers as strings (nitro_api.md §1.9); lists and booleans stay JSON types."""
    if isinstance(value, bool | list):
        return value
    if isinstance(value, int):
        return str(value)
    return value


# ---------------------------------------------------------------------------------------------------------------
# Enumerations (COLL nitro_resource_map.py via nitro_api.md §2)

EN_DIS = ("ENABLED", "DISABLED")
YES_NO = ("YES", "NO")
ON_OFF = ("ON", "OFF")

LB_SERVICETYPES = (
    "ANY", "DHCPRA", "DIAMETER", "DNS", "DNS_TCP", "DOT", "DTLS", "FIX", "FTP", "HTTP", "HTTP_QUIC", "IPFIX",
    "KAFKA_PRODUCER", "LOGSTREAM", "MONGO", "MONGO_TLS", "MQTT", "MQTT_TLS", "MSSQL", "MYSQL", "NNTP", "ORACLE",
    "PROXY", "PUSH", "QUIC", "QUIC_BRIDGE", "RADIUS", "RDP", "RTSP", "SIP_SSL", "SIP_TCP", "SIP_UDP", "SMPP", "SSL",
    "SSL_BRIDGE", "SSL_DIAMETER", "SSL_FIX", "SSL_PROXY", "SSL_PUSH", "SSL_TCP", "SYSLOGTCP", "SYSLOGUDP", "TCP",
    "TFTP", "UDP", "USER_SSL_TCP", "USER_TCP",
)  # fmt: skip
SERVICE_TYPES = (
    *LB_SERVICETYPES, "RPCSVR", "ADNS", "ADNS_TCP", "ADNS_DOT", "SNMP", "RADIUSListener", "PPTP", "GRE", "LDNS",
    "DNS_DOT",
)  # fmt: skip
# Service types whose default monitor is ping-default rather than tcp-default (nitro_api.md §2.6; CLI-REF: a ping
# monitor for UDP-based services and ANY, a TCP monitor otherwise).
PING_DEFAULT_TYPES = frozenset(
    {"ANY", "UDP", "DNS", "RADIUS", "RADIUSListener", "SIP_UDP", "SNMP", "SYSLOGUDP", "TFTP", "DHCPRA", "IPFIX",
     "DTLS", "QUIC", "QUIC_BRIDGE", "HTTP_QUIC", "ADNS", "LDNS", "GRE", "PPTP", "RPCSVR"}
)  # fmt: skip
LBMETHODS = (
    "ROUNDROBIN", "LEASTCONNECTION", "LEASTRESPONSETIME", "URLHASH", "DOMAINHASH", "DESTINATIONIPHASH",
    "SOURCEIPHASH", "SRCIPDESTIPHASH", "LEASTBANDWIDTH", "LEASTPACKETS", "TOKEN", "SRCIPSRCPORTHASH", "LRTM",
    "CALLIDHASH", "CUSTOMLOAD", "LEASTREQUEST", "AUDITLOGHASH", "STATICPROXIMITY", "USER_TOKEN",
)  # fmt: skip
PERSISTENCE = (
    "SOURCEIP", "COOKIEINSERT", "SSLSESSION", "RULE", "URLPASSIVE", "CUSTOMSERVERID", "DESTIP", "SRCIPDESTIP",
    "CALLID", "RTSPSID", "DIAMETER", "FIXSESSION", "USERSESSION", "NONE",
)  # fmt: skip
MONITOR_TYPES = (
    "APPC", "ARP", "CITRIX-AAC-LAS", "CITRIX-AAC-LOGINPAGE", "CITRIX-AG", "CITRIX-STA-SERVICE",
    "CITRIX-STA-SERVICE-NHOP", "CITRIX-WEB-INTERFACE", "CITRIX-WI-EXTENDED", "CITRIX-XD-DDC", "CITRIX-XDM",
    "CITRIX-XML-SERVICE", "CITRIX-XNC-ECV", "DIAMETER", "DNS", "DNS-TCP", "DTLS", "FTP", "FTP-EXTENDED", "HTTP",
    "HTTP-ECV", "HTTP-INLINE", "HTTP2", "KAFKA-AUTODISCOVER", "LDAP", "LDNS-DNS", "LDNS-PING", "LDNS-TCP", "LOAD",
    "MQTT", "MSSQL-ECV", "MYSQL", "MYSQL-ECV", "ND6", "NNTP", "ORACLE-ECV", "PING", "POP3", "QUIC", "RADIUS",
    "RADIUS_ACCOUNTING", "RTSP", "SIP-TCP", "SIP-UDP", "SMPP", "SMTP", "SNMP", "STOREFRONT", "TCP", "TCP-ECV",
    "UDP-ECV", "USER",
)  # fmt: skip
TIME_UNITS = ("SEC", "MSEC", "MIN")
NSIP_TYPES = ("SNIP", "VIP", "NSIP", "GSLBsiteIP", "CLIP", "LSN", "HostIP")
VS_STATES = (
    "UP", "DOWN", "UNKNOWN", "BUSY", "OUT OF SERVICE", "GOING OUT OF SERVICE", "DOWN WHEN GOING OUT OF SERVICE",
    "NS_EMPTY_STR", "Unknown", "DISABLED",
)  # fmt: skip

# nsmode names (JAVA-SDK; COLL map adds RISE_APBR, RISE_RHI, SINGLE_IP, ULFD): canonical -> GET field, aliases.
NSMODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "FR": ("fr", ("FASTRAMP",)),
    "L2": ("l2", ("L2MODE",)),
    "USIP": ("usip", ("USESOURCEIP",)),
    "CKA": ("cka", ("CLIENTKEEPALIVE",)),
    "TCPB": ("tcpb", ("TCPBUFFERING",)),
    "MBF": ("mbf", ("MACBASEDFORWARDING",)),
    "Edge": ("edge", ()),
    "USNIP": ("usnip", ()),
    "L3": ("l3", ("L3MODE",)),
    "PMTUD": ("pmtud", ()),
    "SRADV": ("sradv", ()),
    "DRADV": ("dradv", ()),
    "IRADV": ("iradv", ()),
    "SRADV6": ("sradv6", ()),
    "DRADV6": ("dradv6", ()),
    "BridgeBPDUs": ("bridgebpdus", ()),
    "RISE_APBR": ("rise_apbr", ()),
    "RISE_RHI": ("rise_rhi", ()),
    "SINGLE_IP": ("single_ip", ()),
    "ULFD": ("ulfd", ()),
}
# Modes on by default on a fresh appliance (inferred from a factory-default `show ns mode`).
NSMODES_DEFAULT_ON = ("FR", "Edge", "L3", "USNIP", "PMTUD")

NSFEATURES = (
    "WL", "SP", "LB", "CS", "CR", "SC", "CMP", "PQ", "SSL", "GSLB", "HDOSP", "CF", "IC", "SSLVPN", "AAA", "OSPF",
    "RIP", "BGP", "REWRITE", "IPv6PT", "AppFw", "RESPONDER", "HTMLInjection", "push", "AppFlow", "CloudBridge",
    "ISIS", "CH", "AppQoE", "ContentAccelerator", "SYSTEM", "RISE", "FEO", "LSN", "RDPProxy", "Rep", "URLFiltering",
    "VideoOptimization", "ForwardProxy", "SSLInterception", "AdaptiveTCP", "CQA", "CI", "BOT", "APIGateway",
)  # fmt: skip
NSFEATURES_DEFAULT_ON = ("LB",)


def _clttimeout_default(obj: dict[str, Any]) -> int:
    # CLI-REF gives -1 ("depends on servicetype"); a trace shows 180 for SSL (COLL #191). Per-type values below
    # are the commonly seen NetScaler defaults (approximation, see README).
    st = obj.get("servicetype", "")
    if st in ("HTTP", "SSL", "SSL_BRIDGE", "HTTP_QUIC"):
        return 180
    if st in ("UDP", "ANY", "DNS", "SIP_UDP", "RADIUS", "SYSLOGUDP", "TFTP", "DHCPRA", "DTLS"):
        return 120
    return 9000


def _attrs(*items: Attr) -> dict[str, Attr]:
    return {a.name: a for a in items}


@dataclass
class ResourceSpec:
    name: str
    key: str | None
    attrs: dict[str, Attr]
    singleton: bool = False
    actions: frozenset[str] = field(default_factory=frozenset)
    missing_code: int = 258  # errorcode when the named resource does not exist
    missing_label: str = "name"

    def attr(self, name: str) -> Attr | None:
        return self.attrs.get(name)

    def defaults(self, obj: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for a in self.attrs.values():
            if a.default is None or a.secret:
                continue
            out[a.name] = a.default(obj) if isinstance(a.default, Callable) else a.default
        return out


NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_#. :@=-")


def check_name(attr: str, value: Any) -> str:
    """Name charset for lbvserver/service & co.: alnum plus `_ # . space : @ = -`, starting with alnum or `_`
    (nitro_api.md §1.8, CLI-REF "add lb vserver"); at most 127 characters."""
    if not isinstance(value, str) or not value or len(value) > 127:
        raise invalid_value(f"{attr}, {_show(value)}")
    if not (value[0].isalnum() or value[0] == "_") or not set(value) <= NAME_CHARS:
        raise invalid_value(f"{attr}, {value}")
    return value


LBVSERVER = ResourceSpec(
    "lbvserver",
    "name",
    _attrs(
        Attr("name", required=True),
        enum("servicetype", LB_SERVICETYPES, required=True, add_only=True),
        Attr("ipv46", "ip", wildcard=True),
        Attr("ippattern", "ip"),
        Attr("ipmask", "str"),
        Attr("port", "port", min=0, add_only=True),
        Attr("range", "int", min=1, max=254, default=1, add_only=True),
        Attr("td", "int", min=0, max=4094, default=0, add_only=True),
        enum("lbmethod", LBMETHODS, default="LEASTCONNECTION"),
        enum("m", ("IP", "MAC", "IPTUNNEL", "TOS"), default="IP"),
        Attr("tosid", "int", min=1, max=63),
        enum("persistencetype", PERSISTENCE, default="NONE"),
        Attr("timeout", "int", min=0, max=1440, default=2),
        Attr("clttimeout", "int", min=0, max=31536000, default=_clttimeout_default),
        enum("icmpvsrresponse", ("PASSIVE", "ACTIVE"), default="PASSIVE"),
        enum("rhistate", ("PASSIVE", "ACTIVE"), default="PASSIVE"),
        enum("downstateflush", EN_DIS, default="ENABLED"),
        enum("sessionless", EN_DIS, default="DISABLED"),
        enum("l2conn", ON_OFF, default="OFF"),
        enum("appflowlog", EN_DIS, default="ENABLED"),
        enum("state", EN_DIS, default="ENABLED", add_only=True),
        Attr("healththreshold", "int", min=0, max=100, default=0),
        Attr("backupvserver"),
        Attr("redirurl"),
        Attr("cookiename"),
        Attr("comment"),
        Attr("nodefaultbindings", "enum", values=YES_NO, add_only=True),
        # read-only state (JAVA-SDK; COLL #323 trace)
        Attr("curstate", readonly=True),
        Attr("effectivestate", readonly=True),
        Attr("status", readonly=True),
        Attr("health", readonly=True),
        Attr("totalservices", readonly=True),
        Attr("activeservices", readonly=True),
        Attr("statechangetimesec", readonly=True),
        Attr("tickssincelaststatechange", readonly=True),
        Attr("type", readonly=True),
        Attr("value", readonly=True),
    ),
    actions=frozenset({"enable", "disable", "unset", "rename"}),
    missing_label="vServerName",
)
_ENUM_INDEX.setdefault(YES_NO, {"YES": "YES", "NO": "NO"})

SERVICE = ResourceSpec(
    "service",
    "name",
    _attrs(
        Attr("name", required=True),
        # POST takes `ip`, GET returns and PUT expects `ipaddress` (nitro_api.md §2.2).
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
        Attr("nodefaultbindings", "enum", values=YES_NO, add_only=True),
        Attr("svrstate", readonly=True),
        Attr("statechangetimesec", readonly=True),
        Attr("tickssincelaststatechange", readonly=True),
    ),
    actions=frozenset({"enable", "disable", "unset", "rename"}),
    missing_code=344,
    missing_label="serviceName",
)

SERVER = ResourceSpec(
    "server",
    "name",
    _attrs(
        Attr("name", required=True),
        Attr("ipaddress", "ip"),
        Attr("domain", add_only=True),
        Attr("translationip", "ip"),
        Attr("translationmask", "ip"),
        Attr("domainresolveretry", "int", min=5, max=20939, default=5),
        enum("state", EN_DIS, default="ENABLED", add_only=True),
        enum("ipv6address", YES_NO, default="NO", add_only=True),
        Attr("td", "int", min=0, max=4094, default=0, add_only=True),
        Attr("comment"),
        Attr("statechangetimesec", readonly=True),
    ),
    actions=frozenset({"enable", "disable", "unset", "rename"}),
    missing_label="serverName",
)

SERVICEGROUP = ResourceSpec(
    "servicegroup",
    "servicegroupname",
    _attrs(
        Attr("servicegroupname", required=True),
        enum("servicetype", SERVICE_TYPES, required=True, add_only=True),
        Attr("td", "int", min=0, max=4094, default=0, add_only=True),
        enum("cachetype", ("TRANSPARENT", "REVERSE", "FORWARD"), add_only=True),
        Attr("maxclient", "int", min=0, max=4294967294, default=0),
        Attr("maxreq", "int", min=0, max=65535, default=0),
        Attr("monthreshold", "int", min=0, max=65535, default=0),
        enum("healthmonitor", YES_NO, default="YES"),
        enum("state", EN_DIS, default="ENABLED", add_only=True),
        enum("downstateflush", EN_DIS, default="ENABLED"),
        enum("cacheable", YES_NO, default="NO"),
        enum("sp", ON_OFF, default="OFF"),
        enum("appflowlog", EN_DIS, default="ENABLED"),
        enum("autoscale", ("DISABLED", "DNS", "POLICY", "CLOUD", "API"), default="DISABLED"),
        enum("monconnectionclose", ("NONE", "RESET", "FIN"), default="NONE"),
        enum("usip", YES_NO),
        enum("useproxyport", YES_NO),
        enum("cip", EN_DIS, default="DISABLED"),
        Attr("cipheader"),
        Attr("clttimeout", "int", min=0, max=31536000),
        Attr("svrtimeout", "int", min=0, max=31536000),
        Attr("memberport", "port", add_only=True),
        Attr("comment"),
        Attr("nodefaultbindings", "enum", values=YES_NO, add_only=True),
        Attr("servicegroupeffectivestate", readonly=True),
        Attr("numofconnections", readonly=True),
    ),
    actions=frozenset({"enable", "disable", "unset", "rename"}),
    missing_label="serviceGroupName",
)

LBMONITOR = ResourceSpec(
    "lbmonitor",
    "monitorname",
    _attrs(
        Attr("monitorname", required=True),
        enum("type", MONITOR_TYPES, required=True, add_only=True),
        # interval/units3 etc: ranges checked in appliance because they depend on the unit (JAVA-SDK; CLI-REF)
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
        Attr("password", secret=True),
        Attr("secondarypassword", secret=True),
        Attr("radkey", secret=True),
        Attr("secureargs", secret=True),
        Attr("query"),
        enum("querytype", ("Address", "Zone", "AAAA")),
        Attr("lasversion"),
        Attr("hostname"),
        Attr("customerid"),
        Attr("sitepath"),
        Attr("builtin", readonly=True),
        Attr("dup_state", readonly=True),
        Attr("dup_weight", readonly=True),
    ),
    actions=frozenset({"enable", "disable", "unset"}),
    missing_label="monitorName",
)

NSIP = ResourceSpec(
    "nsip",
    "ipaddress",
    _attrs(
        Attr("ipaddress", "ip", required=True),
        Attr("netmask", "ip", required=True),
        enum("type", NSIP_TYPES, default="SNIP", add_only=True),
        Attr("td", "int", min=0, max=4094, default=0, add_only=True),
        *(enum(f, EN_DIS, default="ENABLED") for f in ("arp", "icmp", "vserver", "telnet", "ftp", "ssh", "snmp")),
        enum("gui", ("ENABLED", "SECUREONLY", "DISABLED"), default="ENABLED"),
        enum("mgmtaccess", EN_DIS, default="DISABLED"),
        enum("restrictaccess", EN_DIS, default="DISABLED"),
        enum("dynamicrouting", EN_DIS, default="DISABLED"),
        enum("state", EN_DIS, default="ENABLED", add_only=True),
        # DOC-ICMP: NONE is the default (the "5" in JAVA-SDK/CLI-REF is an enum artefact, nitro_api.md §2.7).
        enum("icmpresponse", ("NONE", "ONE_VSERVER", "ALL_VSERVERS", "VSVR_CNTRLD"), default="NONE"),
        enum("arpresponse", ("NONE", "ONE_VSERVER", "ALL_VSERVERS"), default="NONE"),
        enum("vserverrhilevel", ("ONE_VSERVER", "ALL_VSERVERS", "NONE", "VSVR_CNTRLD"), default="ONE_VSERVER"),
        enum("hostroute", EN_DIS, default="DISABLED"),
        Attr("hostrtgw", "str", default="-1"),
        Attr("metric", "int", min=-16777215, max=16777215),
        enum("ospflsatype", ("TYPE1", "TYPE5"), default="TYPE5"),
        Attr("ospfarea", "int", min=0, max=4294967294),
        Attr("vrid", "int", min=1, max=255),
        Attr("ownernode", "int", min=0, max=255, default=255),
        enum("ownerdownresponse", YES_NO, default="YES"),
        Attr("tag", "int", default=0),
        enum("networkroute", EN_DIS),
        enum("decrementttl", EN_DIS, default="DISABLED"),
        enum("mptcpadvertise", YES_NO, default="NO"),
        enum("advertiseondefaultpartition", YES_NO, default="NO"),
        Attr("freeports", readonly=True),
        Attr("iptype", readonly=True),
        Attr("operationalarpresponse", readonly=True),
    ),
    actions=frozenset({"enable", "disable", "unset"}),
    missing_label="ipaddress",
)

# Defaults for 12.1 / 13 / current (nitro_api.md §2.8 table; the simulator models a 13.1 appliance).
NSTCPPARAM = ResourceSpec(
    "nstcpparam",
    None,
    _attrs(
        enum("ws", EN_DIS, default="ENABLED"),
        Attr("wsval", "int", min=0, max=14, default=8),
        enum("sack", EN_DIS, default="ENABLED"),
        Attr("initialcwnd", "int", min=1, max=44, default=10),
        Attr("oooqsize", "int", min=0, max=65535, default=300),
        Attr("maxburst", "int", min=1, max=255, default=6),
        Attr("delayedack", "int", min=10, max=300, default=100),
        enum("nagle", EN_DIS, default="DISABLED"),
        enum("limitedpersist", EN_DIS, default="ENABLED"),
        enum("ackonpush", EN_DIS, default="ENABLED"),
        Attr("minrto", "int", min=10, max=64000, default=1000),
        enum("synattackdetection", EN_DIS, default="ENABLED"),
        Attr("tcpmaxretries", "int", min=1, max=12, default=7),
        enum("connflushifnomem", ("NONE", "HALFCLOSED_AND_IDLE", "FIFO"), default="NONE"),
        enum("downstaterst", EN_DIS, default="DISABLED"),
        Attr("mss", "int", min=0, max=9176, default=0),
        Attr("recvbuffsize", "int", min=8190, max=20971520, default=8190),
        Attr("maxpktpermss", "int", min=0, max=1460, default=0),
        Attr("pktperretx", "int", min=1, max=512, default=1),
        Attr("slowstartincr", "int", min=1, max=100, default=2),
        enum("mptcpconcloseonpassivesf", EN_DIS, default="ENABLED"),
        enum("rfc5961compliance", EN_DIS, default="DISABLED"),
    ),
    singleton=True,
    actions=frozenset({"unset"}),
)

RESOURCES: dict[str, ResourceSpec] = {
    s.name: s for s in (LBVSERVER, SERVICE, SERVER, SERVICEGROUP, LBMONITOR, NSIP, NSTCPPARAM)
}


# ---------------------------------------------------------------------------------------------------------------
# Bindings (nitro_api.md §2.6)


@dataclass
class BindingSpec:
    name: str
    parent: str  # parent resource type
    parent_key: str
    attrs: dict[str, Attr]


VS_SVC_READONLY = (
    "curstate", "ipv46", "port", "servicetype", "vsvrbindsvcip", "vsvrbindsvcport", "dynamicweight", "cookieipport",
    "vserverid", "preferredlocation",
)  # fmt: skip
SVC_MON_READONLY = (
    "monitor_state", "lastresponse", "responsetime", "totalprobes", "failedprobes", "monstatcode", "monstatparam1",
    "monstatparam2", "monstatparam3", "dup_state", "dup_weight",
)  # fmt: skip

BINDINGS: dict[str, BindingSpec] = {
    b.name: b
    for b in (
        BindingSpec(
            "lbvserver_service_binding",
            "lbvserver",
            "name",
            _attrs(
                Attr("name", required=True),
                Attr("servicename", required=True),
                Attr("weight", "int", min=1, max=100, default=1),
                Attr("order", "int", min=1, max=8192),
                Attr("servicegroupname"),
                *(Attr(a, readonly=True) for a in VS_SVC_READONLY),
            ),
        ),
        BindingSpec(
            "lbvserver_servicegroup_binding",
            "lbvserver",
            "name",
            _attrs(
                Attr("name", required=True),
                Attr("servicegroupname"),
                Attr("servicename"),
                Attr("weight", "int", min=1, max=100, default=1),
                Attr("order", "int", min=1, max=8192),
            ),
        ),
        BindingSpec(
            "service_lbmonitor_binding",
            "service",
            "name",
            _attrs(
                Attr("name", required=True),
                Attr("monitor_name", required=True),
                enum("monstate", EN_DIS, default="ENABLED"),
                Attr("weight", "int", min=1, max=100, default=1),
                Attr("passive", "bool", default=False),
                *(Attr(a, readonly=True) for a in SVC_MON_READONLY),
            ),
        ),
        BindingSpec(
            "lbmonitor_service_binding",
            "lbmonitor",
            "monitorname",
            _attrs(
                Attr("monitorname", required=True),
                Attr("servicename"),
                Attr("servicegroupname"),
                enum("state", EN_DIS, default="ENABLED"),
                Attr("weight", "int", min=1, max=100, default=1),
                enum("dup_state", EN_DIS),
                Attr("dup_weight", "int", min=1, max=100),
            ),
        ),
        BindingSpec(
            "lbmonitor_servicegroup_binding",
            "lbmonitor",
            "monitorname",
            _attrs(
                Attr("monitorname", required=True),
                Attr("servicegroupname", required=True),
                enum("state", EN_DIS, default="ENABLED"),
                Attr("weight", "int", min=1, max=100, default=1),
                enum("dup_state", EN_DIS),
                Attr("dup_weight", "int", min=1, max=100),
            ),
        ),
        BindingSpec(
            "servicegroup_lbmonitor_binding",
            "servicegroup",
            "servicegroupname",
            _attrs(
                Attr("servicegroupname", required=True),
                Attr("monitor_name", required=True),
                enum("monstate", EN_DIS, default="ENABLED"),
                Attr("weight", "int", min=1, max=100, default=1),
                Attr("passive", "bool", default=False),
                Attr("port", "port"),
                Attr("hashid", "int"),
                Attr("serverid", "int"),
                Attr("customserverid"),
                Attr("dbsttl", "int"),
                Attr("order", "int", min=1, max=8192),
                Attr("nameserver", "ip"),
            ),
        ),
        BindingSpec(
            "servicegroup_servicegroupmember_binding",
            "servicegroup",
            "servicegroupname",
            _attrs(
                Attr("servicegroupname", required=True),
                Attr("ip", "ip"),
                Attr("servername"),
                Attr("port", "port"),
                Attr("weight", "int", min=1, max=100, default=1),
                enum("state", EN_DIS, default="ENABLED"),
                Attr("hashid", "int"),
                Attr("serverid", "int"),
                Attr("customserverid", default="None"),
                Attr("dbsttl", "int", default=0),
                Attr("order", "int", min=1, max=8192),
                Attr("nameserver", "ip"),
                *(Attr(a, readonly=True) for a in ("svrstate", "statechangetimesec", "graceful", "delay")),
            ),
        ),
    )
}

# Aggregate GETs: all bindings of one parent in one answer.
AGGREGATES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "lbvserver_binding": ("lbvserver", "name", ("lbvserver_service_binding", "lbvserver_servicegroup_binding")),
    "service_binding": ("service", "name", ("service_lbmonitor_binding",)),
    "lbmonitor_binding": ("lbmonitor", "monitorname", ("lbmonitor_service_binding", "lbmonitor_servicegroup_binding")),
    "servicegroup_binding": (
        "servicegroup",
        "servicegroupname",
        ("servicegroup_servicegroupmember_binding", "servicegroup_lbmonitor_binding"),
    ),
}
