# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud-style health checks <-> NetScaler lbmonitor. PRIVATE to the adcops.netscaler collection.

Users describe a health check the way CloudStack's LB health-check policy and AWS ELB do
(ping path, response timeout, interval, healthy/unhealthy thresholds). This file is the one
place that translates that vocabulary to lbmonitor attributes and back, and that reads a
monitor's bindings with a constant number of GETs, so ``lb_healthcheck`` and
``lb_healthcheck_info`` agree by construction.

Sources: the NITRO reference of lbmonitor
(https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/lb/lbmonitor),
CloudStack's health-check policy (https://cloudstack.apache.org/api/apidocs-4.10/apis/createLBHealthCheckPolicy.html)
and AWS ELB's health check (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-elb-health-check.html).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._binding import read_bindings as read_parent_bindings
from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import (
    WILDCARD_PORT,
    DifferenceTracker,
    differences,
    normalize_port,
    to_number,
    to_seconds,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import (
    MONITOR_SERVICEGROUPS,
    MONITOR_SERVICES,
    SERVICE_MONITORS,
    SERVICEGROUP_MONITORS,
    read_bindings,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import InvalidOptions

MONITOR_TYPES = ("HTTP", "TCP", "UDP-ECV", "PING")
PORTED_TYPES = frozenset({"HTTP", "TCP", "UDP-ECV"})  # destport does not apply to PING
HTTP_METHODS = ("GET", "HEAD")
_CODE = re.compile(r"^([1-5]\d\d)(?:-([1-5]\d\d))?$")
# Attributes this abstraction owns on the monitor; everything else keeps the appliance default.
MANAGED = (
    "interval",
    "resptimeout",
    "retries",
    "failureretries",
    "successretries",
    "httprequest",
    "respcode",
    "secure",
    "customheaders",
    "destport",
)
TIME_UNITS = {"interval": "units3", "resptimeout": "units4"}  # units3/units4 carry the unit of each time


def ping_path(option: str, path: str) -> str:
    if not path.startswith("/") or any(c.isspace() for c in path):
        raise InvalidOptions(f"{option}: {path!r} must start with '/' and contain no whitespace")
    return path


def expected_codes(option: str, codes: Sequence[Any]) -> list[str]:
    if not codes:
        raise InvalidOptions(f"{option}: give at least one code or range, e.g. ['200']")
    errors = []
    for code in codes:
        match = _CODE.match(str(code).strip())
        if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
            errors.append(f"{option}: {code!r} is not an HTTP status code (100-599) or a range like '200-299'")
    if errors:
        raise InvalidOptions("; ".join(errors))
    return [str(code).strip() for code in codes]


def host_header(option: str, host: str) -> str:
    if not host or any(c.isspace() or c in ":/" for c in host.partition(":")[0]):
        raise InvalidOptions(f"{option}: {host!r} is not a host name")
    return host


def check_timing(response_time: Any, interval: Any) -> None:
    """NetScaler (and AWS) require the probe timeout strictly below the interval
    (https://support.citrix.com/external/article/205013/probable-reasons-for-the-status-of-citri.html); CloudStack lets
    equality through, but the appliance would reject it."""
    if response_time is not None and interval is not None and response_time >= interval:
        raise InvalidOptions(
            f"response_time: {response_time} must be less than interval ({interval}); "
            "NetScaler requires resptimeout < interval"
        )


def derive_type(servicetype: str, has_port: bool) -> str:
    """The monitor type that probes what the vserver serves (CloudStack too picks it from the protocol).

    HTTP and SSL -> HTTP (SSL with ``secure``); UDP -> UDP-ECV on a concrete port, PING otherwise;
    ANY (the servicetype DSR uses) -> TCP on ``port`` when given, else PING; everything else -> TCP.
    """
    servicetype = (servicetype or "").upper()
    if servicetype in ("HTTP", "SSL"):
        return "HTTP"
    if servicetype == "UDP":
        return "UDP-ECV" if has_port else "PING"
    if servicetype == "ANY":
        return "TCP" if has_port else "PING"
    return "TCP"


def desired_monitor(params: Mapping[str, Any], monitor_type: str, secure: bool) -> dict[str, Any]:
    """The lbmonitor attributes (NITRO names) for the cloud-style options.

    unhealthy_threshold -> retries with failureretries 0: N consecutive failures mark DOWN, the meaning
    CloudStack and AWS document (https://support.citrix.com/article/CTX132937). CloudStack itself sends
    failureretries, which is "M of the last retries" and not consecutive:
    https://docs.citrix.com/en-us/citrix-adc/current-release/load-balancing/load-balancing-configure-monitors/configuring-monitoring-parameters.html
    """
    want: dict[str, Any] = {
        "interval": params["interval"],
        "resptimeout": params["response_time"],
        "retries": params["unhealthy_threshold"],
        "failureretries": 0,
        "successretries": params["healthy_threshold"],
    }
    if monitor_type == "HTTP":
        want["httprequest"] = f"{params['http_method']} {params['ping_path']}"
        want["respcode"] = [str(code).strip() for code in params["expected_codes"]]
        want["secure"] = "YES" if secure else "NO"
        host = params.get("host_header")
        # customheaders is sent verbatim after the request line; NITRO escapes use \r\n.
        want["customheaders"] = f"Host: {host}\r\n" if host else None
    if monitor_type in PORTED_TYPES:
        want["destport"] = params.get("port") or 0  # 0 = the bound service's port
    return want


def monitor_seconds(monitor: Mapping[str, Any], attr: str) -> Any:
    """interval/resptimeout in seconds whatever the unit: ``interval 60`` reads back as ``1 MIN``
    (https://github.com/citrix/terraform-provider-citrixadc/issues/1165)."""
    value = monitor.get(attr)
    if value is None:
        return None
    return to_number(to_seconds(value, monitor.get(TIME_UNITS[attr]) or "SEC"))


def monitor_view(have: Mapping[str, Any]) -> dict[str, Any]:
    """A monitor's managed attributes in the terms ``desired_monitor`` uses: times in seconds, destport 0
    for "the service's port"."""
    view = {key: have.get(key) for key in MANAGED}
    for key in TIME_UNITS:
        view[key] = monitor_seconds(have, key)
    view["destport"] = to_number(view["destport"]) if view["destport"] not in (None, "") else 0
    return view


def monitor_differences(want: Mapping[str, Any], have: Mapping[str, Any]) -> DifferenceTracker:
    """Managed attributes that differ; ``None`` in ``want`` means "must not be set" (unset). customheaders
    compares exactly (a header's case is the user's)."""
    keys = [key for key in MANAGED if key in want]
    return differences(want, monitor_view(have), keys=keys, unset=True, exact=("customheaders",))


def update_body(name: str, monitor_type: str, changes: DifferenceTracker) -> tuple[dict[str, Any], list[str]]:
    """PUT body (with the type, which NITRO's own SDK sends with monitorname on update) and the keys to unset."""
    body: dict[str, Any] = {"monitorname": name, "type": monitor_type}
    unset = []
    for key, value in changes.after().items():
        if value is None:
            unset.append(key)
            continue
        body[key] = value
        if key in TIME_UNITS:
            body[TIME_UNITS[key]] = "SEC"  # values are seconds; the unit read back may be MIN
    return body, unset


def add_body(name: str, monitor_type: str, want: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"monitorname": name, "type": monitor_type, "units3": "SEC", "units4": "SEC"}
    body.update({key: value for key, value in want.items() if value is not None})
    if body.get("destport") == 0:
        del body["destport"]  # 0 is the default: "use the service's port"
    return body


def to_cloud(monitor: Mapping[str, Any] | None) -> dict[str, Any]:
    """A monitor in the modules' vocabulary (the inverse of desired_monitor), for diff, return and info."""
    if not monitor:
        return {}
    mtype = str(monitor.get("type", "")).upper()
    out: dict[str, Any] = {
        "name": monitor.get("monitorname"),
        "monitor_type": mtype,
        "response_time": monitor_seconds(monitor, "resptimeout"),
        "interval": monitor_seconds(monitor, "interval"),
        "healthy_threshold": to_number(monitor.get("successretries", 1)),
        "unhealthy_threshold": to_number(monitor.get("retries", 3)),
    }
    failure = to_number(monitor.get("failureretries", 0))
    if failure:
        out["failure_retries"] = failure  # "M of the last retries", not consecutive: show it as it is
    if mtype == "HTTP":
        method, _space, path = str(monitor.get("httprequest") or "").partition(" ")
        out["http_method"] = method.upper() or None
        out["ping_path"] = path or None
        codes = monitor.get("respcode") or []
        out["expected_codes"] = [codes] if isinstance(codes, str) else list(codes)
        out["secure"] = str(monitor.get("secure", "NO")).upper() == "YES"
        match = re.match(r"(?i)^host:\s*([^\r\n]+)", str(monitor.get("customheaders") or ""))
        out["host_header"] = match.group(1).strip() if match else None
    if mtype in PORTED_TYPES:
        port = to_number(monitor.get("destport") or 0)
        out["port"] = port or None
    return out


@dataclass
class Members:
    """What an lbvserver balances over: services (name -> binding row) and servicegroups."""

    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    servicegroups: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_members(client: NitroClient, vserver: str) -> Members:
    """A vserver's members, read by ``_lb.read_bindings`` (one GET of the aggregate lbvserver_binding)."""
    return Members(**read_bindings(client, vserver))


def read_monitor_bindings(client: NitroClient, monitor: str) -> Members:
    """One GET of the aggregate lbmonitor_binding: where the monitor is bound, from the monitor's side."""
    return Members(**read_parent_bindings(client, "lbmonitor", monitor, (MONITOR_SERVICES, MONITOR_SERVICEGROUPS)))


def bind(client: NitroClient, monitor: str, services: Iterable[str], groups: Iterable[str]) -> None:
    """Bulk bind (PUT with an array, rolled back on error) per binding type; monstate ENABLED as CloudStack does."""
    for kind, parents in ((SERVICE_MONITORS, sorted(services)), (SERVICEGROUP_MONITORS, sorted(groups))):
        if parents:
            bodies = [kind.body(parent, monitor, {"monstate": "ENABLED"}) for parent in parents]
            client.bind_bulk(kind.resource, bodies, key=kind.parent_key)


def unbind(client: NitroClient, monitor: str, services: Iterable[str], groups: Iterable[str]) -> None:
    """Bulk unbind (POST ?action=unbind with an array, as NITRO's own SDK removes bindings in bulk)."""
    for kind, parents in ((SERVICE_MONITORS, sorted(services)), (SERVICEGROUP_MONITORS, sorted(groups))):
        if parents:
            bodies = [kind.body(parent, monitor) for parent in parents]
            client.unbind_bulk(kind.resource, bodies, key=kind.parent_key, onerror="exit")


def wildcard_services(members: Members) -> list[str]:
    """Services on port * (65535 in NITRO): a TCP/HTTP probe needs an explicit port for them."""
    return sorted(name for name, row in members.services.items() if normalize_port(row.get("port")) == WILDCARD_PORT)


def member_rows(
    members: Members,
    monitor_rows: Mapping[str, Sequence[Mapping[str, Any]]],
    group_members: Mapping[str, Sequence[Mapping[str, Any]]],
    monitor: str | None,
) -> list[dict[str, Any]]:
    """Members with address, state and the probe counters of ``monitor`` (service_lbmonitor_binding)."""
    out = []
    for name, row in sorted(members.services.items()):
        probe = next((m for m in monitor_rows.get(name, []) if m.get("monitor_name") == monitor), None)
        if probe is None and monitor_rows.get(name):
            probe = monitor_rows[name][0]
        out.append(
            {
                "name": name,
                "kind": "service",
                "address": row.get("ipv46") or row.get("vsvrbindsvcip"),
                "port": to_number(row.get("port")),
                "servicetype": row.get("servicetype"),
                "state": row.get("curstate"),
                "weight": to_number(row.get("weight", 1)),
                **_probe_fields(probe),
            }
        )
    for group, rows in sorted(group_members.items()):
        for row in rows:
            out.append(
                {
                    "name": f"{group}:{row.get('servername') or row.get('ip')}:{row.get('port')}",
                    "kind": "servicegroup_member",
                    "servicegroup": group,
                    "address": row.get("ip"),
                    "port": to_number(row.get("port")),
                    "state": row.get("svrstate"),
                    "weight": to_number(row.get("weight", 1)),
                    **_probe_fields(row if "monitor_state" in row else None),
                }
            )
    return out


def _probe_fields(probe: Mapping[str, Any] | None) -> dict[str, Any]:
    if not probe:
        return {
            "monitor": None,
            "monitor_state": None,
            "last_response": None,
            "response_time": None,
            "total_probes": None,
            "failed_probes": None,
        }
    return {
        "monitor": probe.get("monitor_name"),
        "monitor_state": probe.get("monitor_state"),
        "last_response": probe.get("lastresponse"),
        "response_time": to_number(probe.get("responsetime")),
        "total_probes": to_number(probe.get("totalprobes")),
        "failed_probes": to_number(probe.get("failedprobes")),
    }
