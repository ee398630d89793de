# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by lb_service and lb_vserver. PRIVATE to the adcops.netscaler collection.

Input validation that must happen before any request (ports, addresses, YES/NO flags),
NITRO spellings of values, the immutable-attribute failure message, and the bulk
reconciliation of lbvserver bindings (one GET of ``lbvserver_binding/<vs>``, one bulk
unbind and one bulk bind per binding type; nitro_api.md §1.5, §2.6).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import WILDCARD_PORT, values_equal
from ansible_collections.adcops.netscaler.plugins.module_utils._module import ParameterError

# Implicit monitors NITRO binds to every service; they show in service_lbmonitor_binding GETs,
# cannot be bound explicitly (2165) nor unbound (2164) (nitro_api.md §2.6, COLL #312).
DEFAULT_MONITORS = frozenset({"tcp-default", "ping-default", "default-path-monitor"})

# Name charset for lbvserver and service: ASCII alphanumerics plus `_ # . space : @ = -`, starting with an
# alphanumeric or `_`; at most 127 characters (nitro_api.md §1.8, CLI-REF "add lb vserver").
# lbvserver service types (COLL map, nitro_api.md §2.1).
LBVSERVER_SERVICETYPES = (
    "ANY", "DHCPRA", "DIAMETER", "DNS", "DNS_TCP", "DOT", "DTLS", "FIX", "FTP", "HTTP", "HTTP_QUIC", "IPFIX",
    "KAFKA_PRODUCER", "LOGSTREAM", "MONGO", "MONGO_TLS", "MQTT", "MQTT_TLS", "MSSQL", "MYSQL", "NNTP", "ORACLE",
    "PROXY", "PUSH", "QUIC", "QUIC_BRIDGE", "RADIUS", "RDP", "RTSP", "SIP_SSL", "SIP_TCP", "SIP_UDP", "SMPP", "SSL",
    "SSL_BRIDGE", "SSL_DIAMETER", "SSL_FIX", "SSL_PROXY", "SSL_PUSH", "SSL_TCP", "SYSLOGTCP", "SYSLOGUDP", "TCP",
    "TFTP", "UDP", "USER_SSL_TCP", "USER_TCP",
)  # fmt: skip
# A service takes the lbvserver types plus the ones only a backend has (CLI-REF "add service -serviceType",
# NetScaler NITRO reference "basic/service"). Inferred from the references, not verified on an appliance.
SERVICE_SERVICETYPES = (
    *LBVSERVER_SERVICETYPES, "RPCSVR", "ADNS", "ADNS_TCP", "ADNS_DOT", "SNMP", "RADIUSListener", "PPTP", "GRE",
    "LDNS", "DNS_DOT",
)  # fmt: skip


def check_servicetype(option: str, value: Any, allowed: Sequence[str], kind: str) -> str | None:
    """NITRO's spelling of a service type (case-insensitive on input), or a ParameterError listing the allowed."""
    if value is None:
        return None
    wanted = str(value).strip().upper()
    for known in allowed:
        if known.upper() == wanted:
            return known
    hint = " (HTTPS is not a NetScaler type: use SSL)" if wanted == "HTTPS" else ""
    raise ParameterError(f"{option}: {value!r} is not {kind} service type{hint}; allowed: {', '.join(allowed)}")


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_#. :@=-")


def check_name(option: str, value: Any) -> str:
    text = "" if value is None else str(value)
    if not text or len(text) > 127 or not (text[0].isalnum() or text[0] == "_") or not set(text) <= _NAME_CHARS:
        raise ParameterError(
            f"{option}: {value!r} is not a valid NetScaler name; use 1-127 ASCII letters, digits and _ # . : @ = - "
            "or space, starting with a letter, digit or _"
        )
    return text


def parse_port(option: str, value: Any, *, minimum: int = 1) -> int | None:
    """A port as NITRO stores it: a number, or ``*`` which NITRO represents as 65535 (nitro_api.md §1.9)."""
    if value is None:
        return None
    text = str(value).strip()
    if text == "*":
        return WILDCARD_PORT
    try:
        number = int(text)
    except ValueError:
        number = None
    if isinstance(value, bool) or number is None or not minimum <= number <= WILDCARD_PORT:
        raise ParameterError(f"{option}: {value!r} is not a valid port; use a number from {minimum} to 65535, or '*'")
    return number


def check_ip(option: str, value: Any, *, wildcard: bool = False) -> str | None:
    """A valid IPv4 or IPv6 address in its canonical text form (``*`` too when ``wildcard``)."""
    if value is None:
        return None
    text = str(value).strip()
    if wildcard and text == "*":
        return text
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        allowed = "an IPv4 or IPv6 address" + (" or '*'" if wildcard else "")
        raise ParameterError(f"{option}: {value!r} is not a valid IP address; use {allowed}") from None


def ip_normalizer(value: Any) -> Any:
    """Compare addresses, not spellings: ``::0:1`` equals ``::1`` (both sides of a comparison)."""
    if value is None:
        return None
    try:
        return ipaddress.ip_address(str(value).strip()).compressed
    except ValueError:
        return str(value).strip()


def yes_no(value: bool | None) -> str | None:
    """NITRO's YES/NO flags are strings; a JSON boolean is rejected with 1097 (nitro_api.md §2.5, COLL #281)."""
    if value is None:
        return None
    return "YES" if value else "NO"


def upper(value: Any) -> str | None:
    return None if value is None else str(value).strip().upper()


def check_range(option: str, value: Any, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ParameterError(f"{option}: {value!r} is out of range; use a number from {low} to {high}")
    return value


def immutable_error(
    kind: str,
    name: str,
    keys: Iterable[str],
    have: Mapping[str, Any],
    want: Mapping[str, Any],
    *,
    read_as: Mapping[str, str],
) -> str:
    shown = ", ".join(f"{key} (current {have.get(read_as.get(key, key))!r}, wanted {want.get(key)!r})" for key in keys)
    return (
        f"{kind} {name!r}: cannot change {shown}: NITRO cannot update these attributes. "
        "Set recreate=true to delete and re-add the object (its bindings are restored)"
    )


# --- lbvserver bindings -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BindingKind:
    """One kind of member an lbvserver is bound to: services or service groups (nitro_api.md §2.6)."""

    option: str  # module option listing the members
    binding: str  # NITRO binding resource
    member_key: str  # the member's key in the binding


SERVICE_BINDINGS = BindingKind("services", "lbvserver_service_binding", "servicename")
SERVICEGROUP_BINDINGS = BindingKind("servicegroups", "lbvserver_servicegroup_binding", "servicegroupname")
BINDING_KINDS = (SERVICE_BINDINGS, SERVICEGROUP_BINDINGS)


def parse_members(option: str, items: Sequence[Any] | None) -> dict[str, dict[str, Any]] | None:
    """``services:``/``servicegroups:`` items (a name or ``{name, weight, order}``) by member name."""
    if items is None:
        return None
    members: dict[str, dict[str, Any]] = {}
    for index, given in enumerate(items):
        where = f"{option}[{index}]"
        item = {"name": given} if isinstance(given, str) else given
        if not isinstance(item, Mapping):
            raise ParameterError(f"{where}: {item!r} is neither a name nor a dict with name and weight")
        unknown = sorted(set(item) - {"name", "weight", "order"})
        if unknown:
            raise ParameterError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: name, weight, order")
        name = check_name(f"{where}.name", item.get("name"))
        if name in members:
            raise ParameterError(f"{option}: {name!r} is listed more than once")
        member: dict[str, Any] = {}
        for key, low, high in (("weight", 1, 100), ("order", 1, 8192)):
            value = item.get(key)
            if value is not None:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise ParameterError(f"{where}.{key}: {item.get(key)!r} is not a number") from None
                member[key] = check_range(f"{where}.{key}", value, low, high)
        members[name] = member
    return members


def read_bindings(client: NitroClient, vserver: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Every service and service group binding of one vserver with one ``lbvserver_binding`` GET."""
    found = client.get("lbvserver_binding", vserver)
    entry = found[0] if found else {}
    bound: dict[str, dict[str, dict[str, Any]]] = {}
    for kind in BINDING_KINDS:
        rows = entry.get(kind.binding) or []
        # Service group bindings come back with the group also under `servicename` (§2.6).
        bound[kind.option] = {
            str(row.get(kind.member_key) or row.get("servicename")): row for row in rows if isinstance(row, dict)
        }
    return bound


def binding_view(rows: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for name, row in rows.items():
        item: dict[str, Any] = {"name": name}
        for key in ("weight", "order"):
            if row.get(key) not in (None, ""):
                item[key] = int(float(row[key]))
        out.append(item)
    return out


@dataclass
class BindingPlan:
    bind: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # binding resource -> bodies
    unbind: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    after: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # option -> members

    @property
    def changed(self) -> bool:
        return any(self.bind.values()) or any(self.unbind.values())


def plan_bindings(
    vserver: str,
    wanted: Mapping[str, dict[str, dict[str, Any]] | None],
    bound: Mapping[str, Mapping[str, Mapping[str, Any]]],
    purge: Mapping[str, bool],
) -> BindingPlan:
    """Bind what is missing, unbind extras when purging; a member whose weight/order differs is unbound
    and bound again, as bindings have no update (COLL is_binding_identical, nitro_api.md §3.4)."""
    result = BindingPlan()
    for kind in BINDING_KINDS:
        want = wanted.get(kind.option)
        have = bound.get(kind.option, {})
        if want is None:
            result.after[kind.option] = binding_view(have)
            continue
        binds, unbinds = [], []
        final = dict(have) if not purge.get(kind.option, True) else {}
        for name, row in have.items():
            if name not in want:
                if purge.get(kind.option, True):
                    unbinds.append({"name": vserver, kind.member_key: name})
                continue
            differs = [key for key, value in want[name].items() if not values_equal(value, row.get(key))]
            if differs:
                unbinds.append({"name": vserver, kind.member_key: name})
                binds.append({"name": vserver, kind.member_key: name, **want[name]})
                final[name] = {**row, **want[name]}
            else:
                final[name] = row
        for name, attrs in want.items():
            if name not in have:
                binds.append({"name": vserver, kind.member_key: name, **attrs})
                final[name] = attrs
        if binds:
            result.bind[kind.binding] = binds
        if unbinds:
            result.unbind[kind.binding] = unbinds
        result.after[kind.option] = binding_view(final)
    return result


def apply_bindings(client: NitroClient, todo: BindingPlan) -> None:
    """Unbind first (a rebind of a changed member needs the old one gone), then bind with rollback."""
    for binding, bodies in todo.unbind.items():
        if bodies:
            client.unbind_bulk(binding, bodies, onerror="exit")
    for binding, bodies in todo.bind.items():
        if bodies:
            client.bind_bulk(binding, bodies, onerror="rollback")
