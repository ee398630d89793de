"""Attribute types shared by every simulated NITRO resource (each resource declares its own table in
``resources/<name>.py``).

Values are stored canonically (enums in their canonical spelling, integers as ``int``) and rendered as strings
on GET, because the appliance returns numbers as strings (NITRO API reference, "Performing basic operations";
netscaler.adc compares numbers as strings).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
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
                # "* in CLI is represented as 65535 in NITRO API" (NITRO API reference)
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
            # Enum values are case-insensitive to NITRO; booleans are not strings (netscaler.adc #281).
            if not isinstance(value, str):
                raise invalid_value(f"{self.name}, {_show(value)}")
            index = _ENUM_INDEX.get(self.values)
            if index is None:
                index = _ENUM_INDEX.setdefault(self.values, {v.upper(): v for v in self.values})
            canon = index.get(value.strip().upper())
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
    """Numbers as strings (as the appliance answers them); lists and booleans stay JSON types."""
    if isinstance(value, bool | list):
        return value
    if isinstance(value, int):
        return str(value)
    return value


# ---------------------------------------------------------------------------------------------------------------
# Enumerations shared by several resources (netscaler.adc's nitro_resource_map.py)

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


def attrs_of(*items: Attr) -> dict[str, Attr]:
    """An attribute table keyed by name, in declaration order."""
    return {a.name: a for a in items}


def defaults(attrs: dict[str, Attr], obj: dict[str, Any]) -> dict[str, Any]:
    """The schema defaults of ``obj`` (a default may be computed from the stored object); secrets excluded."""
    out: dict[str, Any] = {}
    for a in attrs.values():
        if a.default is None or a.secret:
            continue
        out[a.name] = a.default(obj) if callable(a.default) else a.default
    return out


NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_#. :@=-")


def check_name(attr: str, value: Any) -> str:
    """Name charset for lbvserver/service & co.: alnum plus `_ # . space : @ = -`, starting with alnum or `_`
    (CLI reference "add lb vserver"); at most 127 characters."""
    if not isinstance(value, str) or not value or len(value) > 127:
        raise invalid_value(f"{attr}, {_show(value)}")
    if not (value[0].isalnum() or value[0] == "_") or not set(value) <= NAME_CHARS:
        raise invalid_value(f"{attr}, {value}")
    return value
