# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts and helpers shared by lb_service and lb_vserver. PRIVATE to the adcops.netscaler collection.

The service types each resource takes, the address normaliser, and the bulk reconciliation of lbvserver
bindings: one GET of ``lbvserver_binding/<vs>`` (the one reader of it, which lb_healthcheck uses too), one
bulk unbind and one bulk bind per binding type.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import to_number, values_equal
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import (
    Problems,
    in_range,
    nitro_name,
    one_of,
)

# lbvserver service types, as the NITRO reference lists them for lbvserver "servicetype":
# https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/lb/lbvserver
LBVSERVER_SERVICETYPES = (
    "ANY", "DHCPRA", "DIAMETER", "DNS", "DNS_TCP", "DOT", "DTLS", "FIX", "FTP", "HTTP", "HTTP_QUIC", "IPFIX",
    "KAFKA_PRODUCER", "LOGSTREAM", "MONGO", "MONGO_TLS", "MQTT", "MQTT_TLS", "MSSQL", "MYSQL", "NNTP", "ORACLE",
    "PROXY", "PUSH", "QUIC", "QUIC_BRIDGE", "RADIUS", "RDP", "RTSP", "SIP_SSL", "SIP_TCP", "SIP_UDP", "SMPP", "SSL",
    "SSL_BRIDGE", "SSL_DIAMETER", "SSL_FIX", "SSL_PROXY", "SSL_PUSH", "SSL_TCP", "SYSLOGTCP", "SYSLOGUDP", "TCP",
    "TFTP", "UDP", "USER_SSL_TCP", "USER_TCP",
)  # fmt: skip
# A service takes the lbvserver types plus the ones only a backend has (NITRO reference "basic/service":
# https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/basic/service).
# Inferred from the references, not yet verified on an appliance.
SERVICE_SERVICETYPES = (
    *LBVSERVER_SERVICETYPES, "RPCSVR", "ADNS", "ADNS_TCP", "ADNS_DOT", "SNMP", "RADIUSListener", "PPTP", "GRE",
    "LDNS", "DNS_DOT",
)  # fmt: skip


def servicetype(allowed: Sequence[str], kind: str) -> Any:
    """A converter: NITRO's spelling of a service type (case-insensitive on input)."""

    def convert(option: str, value: Any) -> str | None:
        hint = " (HTTPS is not a NetScaler type: use SSL)" if str(value).strip().upper() == "HTTPS" else ""
        return one_of(option, value, allowed, kind=kind, hint=hint)

    return convert


# The monitors NetScaler binds to every service implicitly: they show in service_lbmonitor_binding GETs but can be
# neither bound (errorcode 2165) nor unbound (2164) explicitly
# (https://github.com/netscaler/ansible-collection-netscaleradc/issues/312).
DEFAULT_MONITORS = frozenset({"tcp-default", "ping-default", "default-path-monitor"})


def ip_normalizer(value: Any) -> Any:
    """Compare addresses, not spellings: ``::0:1`` equals ``::1`` (both sides of a comparison)."""
    if value is None:
        return None
    try:
        return ipaddress.ip_address(str(value).strip()).compressed
    except ValueError:
        return str(value).strip()


# --- lbvserver bindings -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BindingKind:
    """One kind of member an lbvserver is bound to: services or service groups."""

    option: str  # module option listing the members
    binding: str  # NITRO binding resource
    member_key: str  # the member's key in the binding


SERVICE_BINDINGS = BindingKind("services", "lbvserver_service_binding", "servicename")
SERVICEGROUP_BINDINGS = BindingKind("servicegroups", "lbvserver_servicegroup_binding", "servicegroupname")
BINDING_KINDS = (SERVICE_BINDINGS, SERVICEGROUP_BINDINGS)


MEMBER_RANGES = (("weight", 1, 100), ("order", 1, 8192))


def parse_members(option: str, items: Sequence[Any] | None, problems: Problems) -> dict[str, dict[str, Any]] | None:
    """``services:``/``servicegroups:`` items (a name or ``{name, weight, order}``) by member name."""
    if items is None:
        return None
    members: dict[str, dict[str, Any]] = {}
    for index, given in enumerate(items):
        where = f"{option}[{index}]"
        item = {"name": given} if isinstance(given, str) else given
        if not isinstance(item, Mapping):
            problems.add(f"{where}: {item!r} is neither a name nor a dict with name and weight")
            continue
        unknown = sorted(set(item) - {"name", "weight", "order"})
        if unknown:
            problems.add(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: name, weight, order")
            continue
        member_name = problems.check(nitro_name, f"{where}.name", item.get("name"))
        if member_name in members:
            problems.add(f"{option}: {member_name!r} is listed more than once")
        member: dict[str, Any] = {}
        for key, low, high in MEMBER_RANGES:
            value = item.get(key)
            if value is not None:
                number = to_number(value)
                if not isinstance(number, int) or isinstance(number, bool):
                    problems.add(f"{where}.{key}: {value!r} is not a number")
                    continue
                member[key] = problems.check(in_range, f"{where}.{key}", number, low, high)
        if member_name is not None:
            members[member_name] = member
    return members


def read_bindings(client: NitroClient, vserver: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Every service and service group binding of one vserver with one ``lbvserver_binding`` GET, by option
    (``services``, ``servicegroups``), each member's name -> its binding row. The one reader of it."""
    found = client.get("lbvserver_binding", vserver)
    entry = found[0] if found else {}
    bound: dict[str, dict[str, dict[str, Any]]] = {}
    for kind in BINDING_KINDS:
        rows = entry.get(kind.binding) or []
        # Service group bindings come back with the group also under `servicename` (inferred from the official
        # collection's workaround, not yet verified on an appliance):
        # https://github.com/netscaler/ansible-collection-netscaleradc/pull/359
        bound[kind.option] = {
            str(row.get(kind.member_key) or row.get("servicename")): row for row in rows if isinstance(row, dict)
        }
    return bound


def service_bindings(client: NitroClient, names: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lbvserver and custom monitor bindings of the named services, as bind bodies: one GET per binding type
    for all of them (``?bulkbindings=yes`` lists every binding of a type)."""
    vs_binds = []
    for row in client.get("lbvserver_service_binding", bulkbindings=True):
        if row.get("servicename") in names:
            body = {"name": row["name"], "servicename": row["servicename"]}
            body.update({key: to_number(row[key]) for key in ("weight", "order") if row.get(key) not in (None, "")})
            vs_binds.append(body)
    mon_binds = []
    for row in client.get("service_lbmonitor_binding", bulkbindings=True):
        if row.get("name") in names and row.get("monitor_name") not in DEFAULT_MONITORS:
            body = {"name": row["name"], "monitor_name": row["monitor_name"]}
            if row.get("weight") not in (None, ""):
                body["weight"] = to_number(row["weight"])
            if row.get("monstate"):
                body["monstate"] = row["monstate"]
            mon_binds.append(body)
    return vs_binds, mon_binds


def binding_view(rows: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for name, row in rows.items():
        item: dict[str, Any] = {"name": name}
        for key in ("weight", "order"):
            if row.get(key) not in (None, ""):
                item[key] = to_number(row[key])
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
    and bound again, as NITRO bindings have no update (the official collection does the same)."""
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
