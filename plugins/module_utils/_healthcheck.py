# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud-style health checks <-> NetScaler lbmonitor. PRIVATE to the adcops.netscaler collection.

Users describe a health check the way CloudStack's LB health-check policy and AWS ELB do
(ping path, response timeout, interval, healthy/unhealthy thresholds). This file is the one
place that translates that vocabulary to lbmonitor attributes and back, and that reads a
vserver's members and a monitor's bindings with a constant number of GETs, so
``lb_healthcheck`` and ``lb_healthcheck_info`` agree by construction.

Sources: healthcheck_and_style.md Part A (A1.2 CloudStack's mapping, A3 lbmonitor semantics,
"Notes for the project's lb_healthcheck abstraction"), nitro_api.md §2.5, §2.6.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import (
    WILDCARD_PORT,
    DifferenceTracker,
    to_seconds,
    values_equal,
)

# Option ranges. response_time/interval are this module's policy (CloudStack's documented 2-60 s
# timeout; AWS's 5-300 s interval widened down to 1 s); the thresholds are the lbmonitor ranges
# of the attributes they map to: retries 1-127, successretries 1-32 (nitro_api.md §2.5).
RANGES: dict[str, tuple[int, int]] = {
    "response_time": (1, 60),
    "interval": (1, 300),
    "healthy_threshold": (1, 32),
    "unhealthy_threshold": (1, 127),
}
MONITOR_TYPES = ("HTTP", "TCP", "UDP-ECV", "PING")
PORTED_TYPES = frozenset({"HTTP", "TCP", "UDP-ECV"})  # destport does not apply to PING (§2.5)
HTTP_METHODS = ("GET", "HEAD")
_CODE = re.compile(r"^([1-5]\d\d)(?:-([1-5]\d\d))?$")
# The appliance's implicit monitors: never bound or unbound explicitly (2165 / 2164, nitro_api.md §2.6).
DEFAULT_MONITORS = frozenset({"tcp-default", "ping-default", "default-path-monitor"})
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
TIME_UNITS = {"interval": "units3", "resptimeout": "units4"}  # §2.5: units3/units4 carry the unit


def check_params(params: Mapping[str, Any]) -> list[str]:
    """Every problem with the health-check options, as messages naming option, value and what is allowed."""
    errors = []
    for option, (low, high) in RANGES.items():
        value = params.get(option)
        if value is not None and not low <= value <= high:
            errors.append(f"{option}: {value} is out of range; allowed {low}-{high}")
    rt, iv = params.get("response_time"), params.get("interval")
    if rt is not None and iv is not None and rt >= iv:
        # NetScaler (and AWS) require the probe timeout strictly below the interval (§2.5, CTX205013);
        # CloudStack lets equality through but the device would reject it.
        errors.append(
            f"response_time: {rt} must be less than interval ({iv}); NetScaler requires resptimeout < interval"
        )
    path = params.get("ping_path")
    if path is not None and (not path.startswith("/") or any(c.isspace() for c in path)):
        errors.append(f"ping_path: {path!r} must start with '/' and contain no whitespace")
    for code in params.get("expected_codes") or []:
        match = _CODE.match(str(code).strip())
        if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
            errors.append(f"expected_codes: {code!r} is not an HTTP status code (100-599) or a range like '200-299'")
    if params.get("expected_codes") is not None and not params["expected_codes"]:
        errors.append("expected_codes: give at least one code or range, e.g. ['200']")
    port = params.get("port")
    if port is not None and not 1 <= port <= 65535:
        errors.append(f"port: {port} is out of range; allowed 1-65535")
    host = params.get("host_header")
    if host is not None and (not host or any(c.isspace() or c in ":/" for c in host.partition(":")[0])):
        errors.append(f"host_header: {host!r} is not a host name")
    return errors


def derive_type(servicetype: str, has_port: bool) -> str:
    """The monitor type that probes what the vserver serves (issue 6; CloudStack A1.2 picks it from the protocol).

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
    CloudStack and AWS document (CTX132937; healthcheck_and_style.md notes 3b). CloudStack itself sends
    failureretries, which is "M of the last retries" and not consecutive (A1.2).
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
        # customheaders is sent verbatim after the request line (§2.5); NITRO escapes use \r\n.
        want["customheaders"] = f"Host: {host}\r\n" if host else None
    if monitor_type in PORTED_TYPES:
        want["destport"] = params.get("port") or 0  # 0 = the bound service's port (§2.5)
    return want


def _number(value: Any) -> Any:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else number


def monitor_seconds(monitor: Mapping[str, Any], attr: str) -> Any:
    """interval/resptimeout in seconds whatever the unit: `interval 60` reads back as `1 MIN` (§2.5, COLL #324)."""
    value = monitor.get(attr)
    if value is None:
        return None
    return _number(to_seconds(value, monitor.get(TIME_UNITS[attr]) or "SEC"))


def monitor_differences(want: Mapping[str, Any], have: Mapping[str, Any]) -> DifferenceTracker:
    """Managed attributes that differ; ``None`` in ``want`` means "must not be set" (unset)."""
    tracker = DifferenceTracker()
    for key in MANAGED:
        if key not in want:
            continue
        wanted = want[key]
        if key in TIME_UNITS:
            current = monitor_seconds(have, key)
        else:
            current = have.get(key)
        if wanted is None:
            if current not in (None, "", []):
                tracker.add(key, current, None)
            continue
        if key == "destport":
            current = _number(current) if current not in (None, "") else 0
        if key == "customheaders":
            equal = str(current or "") == str(wanted)
        else:
            equal = values_equal(wanted, current)
        if not equal:
            tracker.add(key, current, wanted)
    return tracker


def update_body(name: str, monitor_type: str, changes: DifferenceTracker) -> tuple[dict[str, Any], list[str]]:
    """PUT body (with the type: JAVA-SDK lbmonitor.update sends monitorname and type) and the keys to unset."""
    body: dict[str, Any] = {"monitorname": name, "type": monitor_type}
    unset = []
    for key, value in changes.after().items():
        if value is None:
            unset.append(key)
            continue
        body[key] = value
        if key in TIME_UNITS:
            body[TIME_UNITS[key]] = "SEC"  # values are seconds; the unit read back may be MIN (§2.5)
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
        "healthy_threshold": _number(monitor.get("successretries", 1)),
        "unhealthy_threshold": _number(monitor.get("retries", 3)),
    }
    failure = _number(monitor.get("failureretries", 0))
    if failure:
        out["failure_retries"] = failure  # "M of the last retries", not consecutive (A3): show it as it is
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
        port = _number(monitor.get("destport") or 0)
        out["port"] = port or None
    return out


@dataclass
class Members:
    """What an lbvserver balances over: services (name -> binding row) and servicegroups."""

    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    servicegroups: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_members(client: NitroClient, vserver: str) -> Members:
    """One GET of the aggregate lbvserver_binding (JAVA-SDK lbvserver_binding: every binding of a vserver)."""
    found = client.get("lbvserver_binding", vserver)
    entry = found[0] if found else {}
    members = Members()
    for row in entry.get("lbvserver_service_binding") or []:
        members.services[str(row["servicename"])] = row
    for row in entry.get("lbvserver_servicegroup_binding") or []:
        # servicegroup bindings also answer the name as servicename (§2.6, COLL #352)
        group = row.get("servicegroupname") or row.get("servicename")
        members.servicegroups[str(group)] = row
    return members


def read_monitor_bindings(client: NitroClient, monitor: str) -> Members:
    """One GET of the aggregate lbmonitor_binding: where the monitor is bound, from the monitor's side (§2.6)."""
    found = client.get("lbmonitor_binding", monitor)
    entry = found[0] if found else {}
    bound = Members()
    for row in entry.get("lbmonitor_service_binding") or []:
        bound.services[str(row["servicename"])] = row
    for row in entry.get("lbmonitor_servicegroup_binding") or []:
        bound.servicegroups[str(row["servicegroupname"])] = row
    return bound


def bind(client: NitroClient, monitor: str, services: Iterable[str], groups: Iterable[str]) -> None:
    """Bulk bind (PUT with an array, rolled back on error) per binding type; monstate ENABLED as CloudStack does."""
    services, groups = sorted(services), sorted(groups)
    if services:
        client.bind_bulk(
            "service_lbmonitor_binding",
            [{"name": svc, "monitor_name": monitor, "monstate": "ENABLED"} for svc in services],
        )
    if groups:
        client.bind_bulk(
            "servicegroup_lbmonitor_binding",
            [{"servicegroupname": grp, "monitor_name": monitor, "monstate": "ENABLED"} for grp in groups],
            key="servicegroupname",
        )


def unbind(client: NitroClient, monitor: str, services: Iterable[str], groups: Iterable[str]) -> None:
    """Bulk unbind (POST ?action=unbind with an array, JAVA-SDK delete_bulk_request on a binding)."""
    services, groups = sorted(services), sorted(groups)
    if services:
        client.unbind_bulk(
            "service_lbmonitor_binding", [{"name": svc, "monitor_name": monitor} for svc in services], onerror="exit"
        )
    if groups:
        client.unbind_bulk(
            "servicegroup_lbmonitor_binding",
            [{"servicegroupname": grp, "monitor_name": monitor} for grp in groups],
            key="servicegroupname",
            onerror="exit",
        )


def wildcard_services(members: Members) -> list[str]:
    """Services on port * (65535 in NITRO, §1.9): a TCP/HTTP probe needs an explicit port for them."""
    return sorted(
        name for name, row in members.services.items() if str(row.get("port", "")).strip() in ("*", str(WILDCARD_PORT))
    )


def member_rows(
    members: Members,
    monitor_rows: Mapping[str, Sequence[Mapping[str, Any]]],
    group_members: Mapping[str, Sequence[Mapping[str, Any]]],
    monitor: str | None,
) -> list[dict[str, Any]]:
    """Members with address, state and the probe counters of ``monitor`` (service_lbmonitor_binding, §2.6)."""
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
                "port": _number(row.get("port")),
                "servicetype": row.get("servicetype"),
                "state": row.get("curstate"),
                "weight": _number(row.get("weight", 1)),
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
                    "port": _number(row.get("port")),
                    "state": row.get("svrstate"),
                    "weight": _number(row.get("weight", 1)),
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
        "response_time": _number(probe.get("responsetime")),
        "total_probes": _number(probe.get("totalprobes")),
        "failed_probes": _number(probe.get("failedprobes")),
    }
