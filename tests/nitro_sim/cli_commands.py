"""The NetScaler CLI command a NITRO request runs as, so that a command policy (``add system cmdPolicy``) can be
checked against what the collection really sends (tests/integration/test_command_policies.py, and the
simulator's command policy: cmdpolicy.py).

NetScaler authorizes a NITRO request with the same command policies as the CLI command it corresponds to: a NITRO
request a policy refuses answers errorcode 2138 "Not authorized to execute this command [<CLI command>]", the CLI
command in brackets (e.g. ``show system file -fileLocation ...`` for a NITRO read of systemfile:
https://github.com/slauger/check_netscaler/issues/83), and the audit log records an API request as
``API CMD_EXECUTED ... Command "show ns license"``
(https://docs.netscaler.com/en-us/citrix-adc/current-release/observability/logs).

What this module decides per request (inferred, not verified on an appliance):

- verb: GET = ``show``, GET on /stat = ``stat``, POST = ``add``, PUT = ``set``, DELETE = ``rm``; on a binding
  resource PUT or POST = ``bind`` and DELETE = ``unbind``; ``POST ?action=<verb>`` = ``<verb>`` (``enable``,
  ``disable``, ``unset``, ``rename``; ``nsconfig?action=save`` = ``save ns config``); the bulk forms
  ``?action=rm`` / ``?action=unbind`` run one ``rm`` / ``unbind`` per item.
- object: the CLI group and object of the NITRO resource (lbvserver = ``lb vserver``, nstcpparam = ``ns tcpParam``,
  hanode = ``ha node``); a binding is named by its parent (``lbvserver_service_binding`` = ``lb vserver``) and a
  read of a binding or of an aggregate (``service_binding``) is ``show`` of the parent.
- arguments: the object's name, then ``-attribute value`` pairs. The policies of policies.yml constrain only the
  verb and the object (and ``-monitorName`` for ``bind service``), so the exact spelling of the arguments, which
  only an appliance shows, does not decide whether a command is allowed.

A request this module cannot name raises :class:`UnmappedRequest`: a module that starts sending a new resource or
action fails the policy test until the mapping and the policies are extended, instead of passing unchecked.
Login and logout are no CLI command and need no policy (inferred: a user without any policy can log in to NITRO).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

CONFIG = "/nitro/v1/config/"
STAT = "/nitro/v1/stat/"

# NITRO resource -> (CLI group and object, the key that names one object). NITRO reference pages:
# https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/<group>/<resource>;
# CLI: https://developer-docs.netscaler.com/en-us/adc-command-reference-int/current-release/<group>/<group>-<object>.
RESOURCES: dict[str, tuple[str, str | None]] = {
    "lbvserver": ("lb vserver", "name"),
    "service": ("service", "name"),
    "server": ("server", "name"),
    "servicegroup": ("servicegroup", "servicegroupname"),
    "lbmonitor": ("lb monitor", "monitorname"),
    "gslbservice": ("gslb service", "servicename"),
    "nsip": ("ns ip", "ipaddress"),
    "nstcpparam": ("ns tcpParam", None),
    "nsmode": ("ns mode", None),
    "nsfeature": ("ns feature", None),
    "nsconfig": ("ns config", None),
    "nsversion": ("ns version", None),
    "hanode": ("ha node", "id"),
}

# Binding resource -> (parent's CLI object, the parent's key, the member keys in CLI order: a positional member is
# written bare, an option as "-<name> value"). CLI: "bind lb vserver <name> <serviceName>",
# "bind service <name> -monitorName <monitor>", "bind lb monitor <monitorName> <serviceName>",
# "bind servicegroup <serviceGroupName> <serverName> <port>" (CLI-REF).
BINDINGS: dict[str, tuple[str, str, tuple[tuple[str, str | None], ...]]] = {
    "lbvserver_service_binding": ("lb vserver", "name", (("servicename", None),)),
    "lbvserver_servicegroup_binding": ("lb vserver", "name", (("servicegroupname", None),)),
    "service_lbmonitor_binding": ("service", "name", (("monitor_name", "-monitorName"),)),
    "lbmonitor_service_binding": ("lb monitor", "monitorname", (("servicename", None), ("servicegroupname", None))),
    "lbmonitor_servicegroup_binding": ("lb monitor", "monitorname", (("servicegroupname", None),)),
    "servicegroup_lbmonitor_binding": ("servicegroup", "servicegroupname", (("monitor_name", "-monitorName"),)),
    "servicegroup_servicegroupmember_binding": (
        "servicegroup",
        "servicegroupname",
        (("ip", None), ("servername", None), ("port", None)),
    ),
}

# Read-only views of every binding of one object (GET only): "show <parent>".
AGGREGATES: dict[str, str] = {
    "lbvserver_binding": "lb vserver",
    "service_binding": "service",
    "servicegroup_binding": "servicegroup",
    "lbmonitor_binding": "lb monitor",
}

# POST ?action=<verb> that is the CLI verb of the same name. rm and unbind (bulk) are handled apart.
ACTIONS = frozenset({"enable", "disable", "unset", "rename"})
NSCONFIG_ACTIONS = frozenset({"save"})

# Query parameters that shape a read and are no argument of the CLI command.
READ_OPTIONS = frozenset({"attrs", "filter", "count", "pagesize", "pageno", "view", "bulkbindings", "warning"})


class UnmappedRequest(ValueError):
    """A NITRO request this module has no CLI command for."""


def _quote(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_quote(v) for v in value)
    text = "YES" if value is True else "NO" if value is False else str(value)
    if not text or any(c.isspace() for c in text) or '"' in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _pairs(query_value: str | None) -> dict[str, str]:
    """NITRO ``args=k:v,k2:v2`` (values URL-encoded once) as a dict."""
    out: dict[str, str] = {}
    for part in (query_value or "").split(","):
        if part:
            key, _, value = part.partition(":")
            out[unquote(key)] = unquote(value)
    return out


def _options(attrs: Mapping[str, Any], skip: Iterable[str] = ()) -> list[str]:
    skipped = set(skip)
    return [f"-{k} {_quote(v)}" for k, v in attrs.items() if k not in skipped and v is not None]


def _command(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _items(resource: str, body: Any) -> list[dict[str, Any]]:
    """The objects of a write: ``{"<res>": {..}}`` or ``{"<res>": [{..}, ..]}`` (bulk)."""
    if not isinstance(body, Mapping):
        return [{}]
    found = body.get(resource)
    if found is None:
        return [{}]
    if isinstance(found, list):
        return [dict(item) for item in found if isinstance(item, Mapping)] or [{}]
    return [dict(found)] if isinstance(found, Mapping) else [{}]


def _split(path: str) -> tuple[str, str, str | None]:
    """(kind 'config'|'stat', resource, name or None); the name is decoded twice as the clients encode it twice."""
    for prefix, kind in ((CONFIG, "config"), (STAT, "stat")):
        if path.startswith(prefix):
            resource, _, raw = path[len(prefix) :].rstrip("/").partition("/")
            return kind, resource, unquote(unquote(raw)) if raw else None
    raise UnmappedRequest(f"not a NITRO v1 config or stat path: {path}")


def _member(spec: tuple[tuple[str, str | None], ...], values: Mapping[str, Any]) -> list[str]:
    out = []
    for key, option in spec:
        if key in values and values[key] is not None:
            out.append(f"{option} {_quote(values[key])}" if option else _quote(values[key]))
    return out


def commands(method: str, path: str, query: Mapping[str, str] | None = None, body: Any = None) -> list[str]:
    """The CLI command(s) one NITRO request runs as (several for a bulk request, none for login/logout)."""
    method = method.upper()
    query = dict(query or {})
    kind, resource, name = _split(path)
    if kind == "config" and resource in ("login", "logout") and method == "POST":
        return []
    if kind == "stat":
        if method != "GET" or resource not in RESOURCES:
            raise UnmappedRequest(f"{method} {path}: no CLI stat command mapped")
        return [_command("stat", RESOURCES[resource][0], _quote(name) if name else "")]
    if resource in BINDINGS:
        return _binding(method, resource, name, query, body)
    if resource in AGGREGATES:
        if method != "GET":
            raise UnmappedRequest(f"{method} {path}: {resource} is read-only")
        return [_command("show", AGGREGATES[resource], _quote(name) if name else "")]
    if resource not in RESOURCES:
        raise UnmappedRequest(f"{method} {path}: NITRO resource {resource!r} has no CLI object mapped")
    obj, key = RESOURCES[resource]
    args = _pairs(query.get("args"))
    if method == "GET":
        unknown = set(query) - READ_OPTIONS - {"args"}
        if unknown:
            raise UnmappedRequest(f"GET {path}: query {sorted(unknown)} not mapped")
        return [_command("show", obj, _quote(name) if name else "", *_options(args))]
    if method == "DELETE":
        return [_command("rm", obj, _quote(name) if name else "", *_options(args))]
    items = _items(resource, body)
    if method == "PUT":
        return [_command("set", obj, _named(item, key, name), *_options(item, skip=[key or ""])) for item in items]
    if method != "POST":
        raise UnmappedRequest(f"{method} {path}: method not mapped")
    action = query.get("action")
    if action is None:
        return [_command("add", obj, _named(item, key, None), *_options(item, skip=[key or ""])) for item in items]
    if action == "rm":
        return [_command("rm", obj, _named(item, key, None), *_options(item, skip=[key or ""])) for item in items]
    if resource == "nsconfig" and action in NSCONFIG_ACTIONS:
        return [_command(action, obj, *_options(item)) for item in items]
    if resource in ("nsmode", "nsfeature") and action in ("enable", "disable"):
        # "enable ns mode MBF" / "enable ns feature LB": the list is positional.
        return [_command(action, obj, _quote(item.get("mode", item.get("feature", "")))) for item in items]
    if action == "unset":
        # "unset lb monitor <name> <type> -customHeaders": the attributes to unset are bare options
        return [
            _command(action, obj, _named(item, key, None),
                     *[f"-{k}" if v is True else f"-{k} {_quote(v)}" for k, v in item.items() if k != key])
            for item in items
        ]  # fmt: skip
    if action == "rename":
        # "rename service <name> <newName>"
        return [_command(action, obj, _named(item, key, None), _quote(item.get("newname", ""))) for item in items]
    if action in ACTIONS:
        return [_command(action, obj, _named(item, key, None), *_options(item, skip=[key or ""])) for item in items]
    raise UnmappedRequest(f"POST {path}?action={action}: action not mapped")


def _named(item: Mapping[str, Any], key: str | None, name: str | None) -> str:
    value = item.get(key) if key else None
    value = value if value is not None else name
    return _quote(value) if value is not None else ""


def _binding(method: str, resource: str, name: str | None, query: Mapping[str, str], body: Any) -> list[str]:
    parent, key, spec = BINDINGS[resource]
    member_keys = {k for k, _ in spec}
    if method == "GET":
        return [_command("show", parent, _quote(name) if name else "")]
    if method == "DELETE":
        args = _pairs(query.get("args"))
        member = [*_member(spec, args), *_options(args, skip=member_keys)]
        return [_command("unbind", parent, _quote(name) if name else "", *member)]
    action = query.get("action")
    if method in ("PUT", "POST") and action in (None, "unbind"):
        verb = "bind" if action is None else "unbind"
        return [
            _command(
                verb, parent, _named(item, key, name), *_member(spec, item), *_options(item, skip={key, *member_keys})
            )
            for item in _items(resource, body)
        ]
    raise UnmappedRequest(f"{method} {resource}{'?action=' + action if action else ''}: binding operation not mapped")


def request_commands(entry: Mapping[str, Any]) -> list[str]:
    """The CLI commands of one entry of the simulator's request log (tests/nitro_sim: method, path, query, body)."""
    return commands(entry["method"], entry["path"], entry.get("query"), entry.get("body"))
