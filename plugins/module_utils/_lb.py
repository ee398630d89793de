# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts and helpers shared by the load-balancing modules. PRIVATE to the adcops.netscaler collection.

The service types each resource takes, the address normaliser, member lists, and the bindings of an lbvserver
and of a service's monitors as data (:class:`~._binding.Binding`): one GET of ``lbvserver_binding/<vs>`` (the
one reader of it, which lb_healthcheck uses too), one bulk unbind and one bulk bind per binding type.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._binding import (
    Binding,
    BindingPlan,
    apply_bindings,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._binding import (
    binding_view as generic_view,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._binding import (
    plan_bindings as plan_parent_bindings,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._binding import (
    read_bindings as read_parent_bindings,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import normalize_port, to_number
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


# --- bindings of lbvserver and of a service's monitors, as data (_binding.py) -----------------------------------

# The members an lbvserver is bound to; lb_vserver lists them in `services` and `servicegroups` (items with `name`).
SERVICE_BINDINGS = Binding(
    resource="lbvserver_service_binding",
    parent="lbvserver",
    parent_key="name",
    key=("servicename",),
    attributes=("weight", "order"),
    option="services",
    names={"servicename": "name"},
)
# Service group bindings come back with the group also under `servicename` (inferred from the official collection's
# workaround, not yet verified on an appliance): https://github.com/netscaler/ansible-collection-netscaleradc/pull/359
SERVICEGROUP_BINDINGS = Binding(
    resource="lbvserver_servicegroup_binding",
    parent="lbvserver",
    parent_key="name",
    key=("servicegroupname",),
    attributes=("weight", "order"),
    option="servicegroups",
    names={"servicegroupname": "name"},
    read_as={"servicegroupname": ("servicename",)},
)
BINDING_KINDS = (SERVICE_BINDINGS, SERVICEGROUP_BINDINGS)
# A service's custom monitors (the parent is the service: `bind service <svc> -monitorName <mon>`).
SERVICE_MONITORS = Binding(
    resource="service_lbmonitor_binding",
    parent="service",
    parent_key="name",
    key=("monitor_name",),
    attributes=("weight", "monstate"),
    option="monitors",
)
# A service group's monitors and members (the parent is the group). Members are named by address and port, given as
# ip or as servername (both in one body: errorcode 1092, https://github.com/netscaler/ansible-collection-netscaleradc/
# issues/297); identifying them by address alone collapses one server on several ports
# (https://github.com/netscaler/ansible-collection-netscaleradc/issues/622).
SERVICEGROUP_MONITORS = Binding(
    resource="servicegroup_lbmonitor_binding",
    parent="servicegroup",
    parent_key="servicegroupname",
    key=("monitor_name",),
    attributes=("weight", "monstate"),
    option="monitors",
)
SERVICEGROUP_MEMBERS = Binding(
    resource="servicegroup_servicegroupmember_binding",
    parent="servicegroup",
    parent_key="servicegroupname",
    key=("ip", "port"),
    attributes=("weight", "order"),
    option="members",
    alternatives={"ip": "servername"},
    normalizers={"ip": ip_normalizer, "port": normalize_port},
    # `set serviceGroup <name> <serverName> <port> -weight <w>` (NetScaler command reference, "set serviceGroup":
    # https://developer-docs.netscaler.com/en-us/adc-command-reference-int/current-release/basic/servicegroup#set-servicegroup);
    # netscaler.adc's resource map lists servername, port and weight among servicegroup's update keys. A weight
    # change so keeps the member bound (no unbind). Inferred from those, not verified on an appliance.
    update_resource="servicegroup",
    update_key=("servername", "port"),
)
# The same monitor bindings seen from the monitor (lb_healthcheck reads where its monitor is bound).
MONITOR_SERVICES = Binding(
    resource="lbmonitor_service_binding",
    parent="lbmonitor",
    parent_key="monitorname",
    key=("servicename",),
    option="services",
)
MONITOR_SERVICEGROUPS = Binding(
    resource="lbmonitor_servicegroup_binding",
    parent="lbmonitor",
    parent_key="monitorname",
    key=("servicegroupname",),
    option="servicegroups",
)


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
    return read_parent_bindings(client, "lbvserver", vserver, BINDING_KINDS)  # type: ignore[return-value]


def service_bindings(client: NitroClient, names: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lbvserver and custom monitor bindings of the named services, as bind bodies: one GET per binding type
    for all of them (``?bulkbindings=yes`` lists every binding of a type)."""
    vs_binds = [
        body
        for row in client.get(SERVICE_BINDINGS.resource, bulkbindings=True)
        if row.get("servicename") in names and (body := SERVICE_BINDINGS.bind_body(row)) is not None
    ]
    mon_binds = [
        body
        for row in client.get(SERVICE_MONITORS.resource, bulkbindings=True)
        if row.get("name") in names
        and row.get("monitor_name") not in DEFAULT_MONITORS
        and (body := SERVICE_MONITORS.bind_body(row)) is not None
    ]
    return vs_binds, mon_binds


def binding_view(rows: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """lbvserver members (name -> row) as the `services`/`servicegroups` options take them."""
    return generic_view(SERVICE_BINDINGS, rows)


def plan_bindings(
    vserver: str,
    wanted: Mapping[str, dict[str, dict[str, Any]] | None],
    bound: Mapping[str, Mapping[str, Mapping[str, Any]]],
    purge: Mapping[str, bool],
) -> BindingPlan:
    """The lbvserver's binding changes (``_binding.plan_bindings`` with its two kinds)."""
    return plan_parent_bindings(vserver, BINDING_KINDS, wanted, bound, purge)


__all__ = [
    "BINDING_KINDS",
    "DEFAULT_MONITORS",
    "MONITOR_SERVICEGROUPS",
    "MONITOR_SERVICES",
    "SERVICEGROUP_BINDINGS",
    "SERVICEGROUP_MEMBERS",
    "SERVICEGROUP_MONITORS",
    "SERVICE_BINDINGS",
    "SERVICE_MONITORS",
    "BindingPlan",
    "apply_bindings",
    "binding_view",
    "ip_normalizer",
    "parse_members",
    "plan_bindings",
    "read_bindings",
    "service_bindings",
    "servicetype",
]
