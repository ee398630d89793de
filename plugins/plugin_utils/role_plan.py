# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan step of the collection's roles: every role variable checked, in Python, before the first request.

A role runs ``adcops.netscaler.role_plan`` as its first task. The action plugin hands this file the role's
variables exactly as the user gave them (structured, or the flat strings an AWX survey sends) and gets back
either every problem at once, each named by the role variable the user set, or the normalised inputs the role's
write tasks carry out. The rules are the modules' own: option tables and checks are imported from
``plugins/modules`` and ``plugins/module_utils``, so a role cannot accept what its modules refuse, nor re-declare
a rule in Jinja.

A second call, with ``current`` (what ``lb_vserver`` in check mode predicts: the members bound before the run),
decides what leaves the pool and refuses a run that removes more members than allowed, still before any write.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.adcops.netscaler.plugins.module_utils._healthcheck import (
    MONITOR_TYPES,
    check_timing,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import LBVSERVER_SERVICETYPES, servicetype
from ansible_collections.adcops.netscaler.plugins.module_utils._module import MAX_TIMEOUT, connection_argument_spec
from ansible_collections.adcops.netscaler.plugins.module_utils._options import Option
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import (
    InvalidOptions,
    Problems,
    in_range,
    ip,
    nitro_name,
    one_of,
    port,
)
from ansible_collections.adcops.netscaler.plugins.modules.lb_healthcheck import OPTIONS as HEALTHCHECK
from ansible_collections.adcops.netscaler.plugins.modules.lb_pool_member import OPTIONS as POOL_MEMBER
from ansible_collections.adcops.netscaler.plugins.modules.lb_vserver import LBMETHODS, PERSISTENCE
from ansible_collections.adcops.netscaler.plugins.modules.ns_ip_icmp import OPTIONS as NSIP_ICMP

MAX_NAME = 127  # NetScaler's limit on lbvserver, service and monitor names (see _validate.nitro_name)
MONITOR_SUFFIX = "-hc"  # lb_healthcheck's default monitor name is <vserver>-hc
GROUP_SUFFIX = "-sg"  # healthchecked_pool's service group in servicegroup mode (as long as MONITOR_SUFFIX)
BACKENDS = ("services", "servicegroup")  # healthchecked_pool_backend

# The health check in cloud vocabulary, as lb_healthcheck takes it (the pool passes every key through).
POOL_HEALTHCHECK_KEYS = (
    "ping_path", "response_time", "interval", "healthy_threshold", "unhealthy_threshold", "expected_codes",
    "http_method", "monitor_type", "port", "host_header",
)  # fmt: skip
# DSR's health check: PING or TCP (the kernel monitors that learn a backend's MAC, CTX138969); its `type` is
# lb_healthcheck's monitor_type.
DSR_HEALTHCHECK_KEYS = ("type", "port", "interval", "response_time", "healthy_threshold", "unhealthy_threshold")

# What DSR cannot do, and why (the reasons are the user's answer, so they stay next to the rule).
DSR_SERVICETYPES = ("ANY", "TCP", "UDP")
DSR_PERSISTENCE = ("SOURCEIP", "DESTIP", "SRCIPDESTIP", "NONE")
DSR_L7_METHODS = frozenset({"URLHASH", "DOMAINHASH", "LEASTREQUEST", "TOKEN", "USER_TOKEN", "CALLIDHASH"})
DSR_REPLY_METHODS = frozenset({"LEASTRESPONSETIME", "LRTM"})
DSR_KERNEL_MONITORS = ("PING", "TCP")
# Scripted monitors do not learn the backend's MAC, which MAC redirection needs (CTX138969).
SCRIPTED_MONITORS = frozenset({
    "USER", "CITRIX-WI-EXTENDED", "FTP", "FTP-EXTENDED", "LDAP", "MYSQL", "MYSQL-ECV", "NNTP", "POP3", "RADIUS",
    "RADIUS_ACCOUNTING", "SMTP", "SNMP", "MSSQL-ECV", "ORACLE-ECV", "STOREFRONT", "CITRIX-XD-DDC",
    "CITRIX-XML-SERVICE", "CITRIX-STA-SERVICE", "LDNS-DNS", "LOAD",
})  # fmt: skip
# Addresses a backend cannot hold as a VIP on its loopback (a wildcard vserver has no single address).
UNHOLDABLE_VIPS = frozenset({"*", "0.0.0.0", "::"})


class Inputs:
    """The role's variables as given, read by role variable name, with every problem collected in ``problems``."""

    def __init__(self, prefix: str, given: Mapping[str, Any]) -> None:
        self.prefix = prefix
        self.given = given
        self.problems = Problems()

    def label(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def has(self, key: str) -> bool:
        return self.label(key) in self.given

    def raw(self, key: str, default: Any = None) -> Any:
        return self.given.get(self.label(key), default)

    def text(self, key: str, default: str = "") -> str:
        value = self.raw(key)
        return default if value is None else str(value).strip()

    def check(self, key: str, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.problems.check(check, self.label(key), *args, **kwargs)

    def flag(self, key: str, default: bool = False) -> bool:
        return to_bool(self.problems, self.label(key), self.raw(key), default)

    def number(self, key: str, low: int, high: int, default: int | None = None) -> int | None:
        return to_int(self.problems, self.label(key), self.raw(key), low, high, default=default)

    def choice(self, key: str, allowed: Sequence[str], default: str, **kwargs: Any) -> str:
        value = self.raw(key)
        if value is None or str(value).strip() == "":
            return default
        return self.check(key, one_of, value, allowed, **kwargs) or default


def to_bool(problems: Problems, label: str, value: Any, default: bool = False) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return boolean(value, strict=True)
    except TypeError:
        problems.add(f"{label}: {value!r} is not a boolean; use true or false")
        return default


def to_int(
    problems: Problems, label: str, value: Any, low: int, high: int, *, default: int | None = None
) -> int | None:
    """An integer in range; a survey's "80" counts as 80, an empty answer as unset."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    number: Any = value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if isinstance(number, bool) or not isinstance(number, int):
        problems.add(f"{label}: {value!r} is not a whole number; allowed: {low} to {high}")
        return None
    return problems.check(in_range, label, number, low, high)


def words(value: Any) -> list[str]:
    """A list, or the string a survey sends: items separated by commas, spaces or new lines."""
    if value is None:
        return []
    if isinstance(value, str):
        return [token for token in value.replace(",", " ").split() if token]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(token).strip() for token in value if str(token).strip()]
    return [str(value)]


def canonical_ip(value: Any) -> str | None:
    try:
        return ipaddress.ip_address(str(value).strip()).compressed
    except ValueError:
        return None


# --- unknown variables ------------------------------------------------------------------------------------------


def unknown_variables(prefix: str, names: Iterable[str], known: Iterable[str]) -> list[str]:
    """A message for every variable with the role's prefix that the role does not know, with the closest name."""
    known = sorted(set(known))
    messages = []
    for name in sorted(set(names)):
        if not name.startswith(prefix) or name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else f"; known variables: {', '.join(known)}"
        messages.append(f"{name}: not a variable of this role{hint}")
    return messages


# --- connection ------------------------------------------------------------------------------------------------

# The role-level connection variables this step checks, and the module option each becomes (roles/netscaler_node
# vars/main.yml). A role's argument spec checks a variable's type and choices, not its range, its file or the
# NETSCALER_* variable the modules fall back to when it is unset; a bad value there would otherwise be found only by
# the first module task, named by the module option instead of what the user set. Address, user, password and token
# are strings the modules check before their first request with nothing their message lacks.
CONNECTION_VARIABLES = {
    "netscaler_nitro_timeout": "nitro_timeout",
    "netscaler_ca_bundle": "ca_bundle",
    "netscaler_nitro_protocol": "nitro_protocol",
    "netscaler_validate_certs": "validate_certs",
}


def connection_env(option: str) -> str:
    """The NETSCALER_* variable a module option falls back to (module_utils/_module.py), e.g. an AWX field's."""
    return str(connection_argument_spec()[option]["fallback"][1][0])


def check_connection(problems: Problems, given: Mapping[str, Any], environ: Mapping[str, str]) -> None:
    """The CONNECTION_VARIABLES, as the modules check their options, named by what the user set: the role variable,
    else the NETSCALER_* environment variable the modules fall back to (the AWX credential's field). Empty is unset,
    as for the modules' environment fallback and vars/main.yml."""
    for variable, option in CONNECTION_VARIABLES.items():
        value, label = given.get(variable), variable
        if value is None or value == "":
            env = connection_env(option)
            value, label = environ.get(env, ""), f"{env} (environment)"
            if value == "":
                continue
        CONNECTION_CHECKS[option](problems, label, value)


def check_protocol(problems: Problems, label: str, value: Any) -> None:
    # Exact, as the modules' argument spec compares: one_of() would take "HTTPS", which the modules refuse.
    choices = connection_argument_spec()["nitro_protocol"]["choices"]
    if value not in choices:
        problems.add(f"{label}: {value!r} must be one of {', '.join(choices)} (the scheme of the NITRO API's URL)")


def check_validate_certs(problems: Problems, label: str, value: Any) -> None:
    to_bool(problems, label, value)  # the rule of every boolean role variable, a survey's 'true' and 'no' included


def check_timeout(problems: Problems, label: str, value: Any) -> None:
    number: Any = value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    is_number = isinstance(number, (int, float)) and not isinstance(number, bool)
    if not is_number or not math.isfinite(number) or not 0 < number <= MAX_TIMEOUT:
        problems.add(
            f"{label}: {value!r} must be a number of seconds more than 0 and at most {MAX_TIMEOUT:g} (the time "
            "budget of each NITRO operation, retries included)"
        )


def check_ca_bundle(problems: Problems, label: str, value: Any) -> None:
    # The modules run on the controller (connection local, or delegate_to localhost), where this step runs too, and
    # expand ~ and $VARS in a path option; a relative path is relative to the directory ansible-playbook runs in.
    path = os.path.expanduser(os.path.expandvars(str(value)))
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        problems.add(
            f"{label}: {value!r} is not a readable file on the controller; give the path of a PEM file with the CA "
            "certificate(s) that signed the appliance's certificate"
        )
        return
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    if b"-----BEGIN" not in head or b"CERTIFICATE-----" not in head:
        problems.add(
            f"{label}: {value!r} holds no PEM certificate (no -----BEGIN CERTIFICATE----- line); give a PEM file "
            "with the CA certificate(s) that signed the appliance's certificate (a DER file: convert it with "
            "openssl x509 -inform der)"
        )


CONNECTION_CHECKS: dict[str, Callable[[Problems, str, Any], None]] = {
    "nitro_timeout": check_timeout,
    "ca_bundle": check_ca_bundle,
    "nitro_protocol": check_protocol,
    "validate_certs": check_validate_certs,
}


# --- members ----------------------------------------------------------------------------------------------------


class BadToken(ValueError):
    """A member token whose mistake is known: its message replaces the generic "is not <syntax>"."""


def member_items(inputs: Inputs, parse_token: Callable[[str], dict[str, Any] | None], syntax: str) -> list[Any] | None:
    """The members as given: the structured list plus the survey's flat member list. None when neither is set."""
    items: list[Any] = []
    structured, flat = inputs.has("members"), inputs.has("member_list")
    value = inputs.raw("members")
    if structured and value is not None:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
            inputs.problems.add(f"{inputs.label('members')}: must be a list of members (dicts), got {value!r}")
        else:
            items.extend(value)
    bad = []
    for token in words(inputs.raw("member_list")):
        try:
            parsed = parse_token(token)
        except BadToken as exc:
            inputs.problems.add(f"{inputs.label('member_list')}: {token} {exc}")
            continue
        if parsed is None:
            bad.append(token)
        else:
            items.append(parsed)
    if bad:
        inputs.problems.add(f"{inputs.label('member_list')}: {', '.join(bad)} is not {syntax}")
    if not structured and not flat:
        return None
    return items


# The flat member forms, one syntax for the weight in both roles (=weight); the pool also keeps :weight, its
# first spelling, which is unambiguous there because the port always comes first.
POOL_SYNTAX = "ip:port or ip:port=weight ([v6]:port or [v6]:port=weight for IPv6)"
DSR_SYNTAX = "ip or ip=weight (an IPv4 or IPv6 address with no port)"


def pool_token(token: str) -> dict[str, Any] | None:
    """ip:port or ip:port=weight, [v6]:port[=weight] for IPv6; ip:port:weight is accepted too."""
    if token.startswith("["):
        host, sep, rest = token[1:].partition("]:")
        if not sep:
            return None
    else:
        host, sep, rest = token.partition(":")
        if not sep:
            return None
    if "=" in rest:
        port_text, _sep, weight = rest.partition("=")
        if not weight:
            return None
    else:
        port_text, _sep, weight = rest.partition(":")
    if not port_text or (weight and not weight.isdigit()) or ":" in port_text:
        return None
    item: dict[str, Any] = {"ip": host, "port": port_text}
    if weight:
        item["weight"] = int(weight)
    return item


def dsr_token(token: str) -> dict[str, Any] | None:
    """ip or ip=weight (no port: a DSR member serves the vserver's port)."""
    host, sep, weight = token.partition("=")
    if sep and not weight.isdigit():
        return None
    if canonical_ip(host) is None:
        # 10.0.0.1:80 or [2001:db8::1]:80: the pool's form. A bare IPv6 address has colons of its own and was
        # accepted above, so only these two spellings are read as an address with a port.
        address, colon, port_text = host.rpartition(":")
        address = address[1:-1] if address.startswith("[") and address.endswith("]") else address
        if colon and port_text and (host.startswith("[") or "." in address) and canonical_ip(address) is not None:
            fix = f"{address}={weight}" if sep else f"{address} or {address}=weight"
            raise BadToken(
                "has a port, and DSR members have none: each serves the vserver's port (dsr_vserver_port), which "
                f"MAC redirection keeps; write {fix}"
            )
        return None
    return {"ip": host, **({"weight": int(weight)} if sep else {})}


def check_members(
    inputs: Inputs,
    items: list[Any],
    *,
    pool: str,
    vip: str | None,
    fixed_port: Any = None,
    keys: tuple[str, ...],
) -> list[dict[str, Any]]:
    """Each member checked with the module's rules, named (default ``<pool>-<ip>[-<port>]``), normalised (IPv6
    compressed) and looked at for duplicates and for the VIP itself."""
    label = inputs.label("members")
    problems = inputs.problems
    members: list[dict[str, Any]] = []
    by_name: dict[str, int] = {}
    by_address: dict[tuple[str, Any], int] = {}
    for index, given in enumerate(items):
        where = f"{label}[{index}]"
        if not isinstance(given, Mapping) or "ip" not in given:
            problems.add(f"{where}: each member is a dict with at least ip, got {given!r}")
            continue
        unknown = sorted(set(given) - set(keys))
        if unknown:
            why = ""
            if "port" in unknown:  # DSR: the one role whose members have no port
                why = f"; a DSR member has no port: each serves the vserver's port ({inputs.label('port')})"
            problems.add(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; allowed: {', '.join(keys)}{why}")
        address = problems.check(ip, f"{where}.ip", given["ip"])
        member_port = fixed_port
        port_text = ""
        if "port" in keys:
            member_port = problems.check(port, f"{where}.port", given.get("port"))
            if given.get("port") is None:
                problems.add(f"{where}.port: required")
            port_text = str(given.get("port", "")).strip()
        weight = to_int(problems, f"{where}.weight", given.get("weight"), 1, 100, default=1)
        if address is None:
            continue
        if vip and address == vip:
            problems.add(
                f"{where}.ip: {given['ip']} is the VIP itself; a member is a backend's own address, the VIP is "
                "what clients connect to"
            )
        default_name = f"{pool}-{given['ip']}" + (f"-{port_text}" if port_text and port_text != "*" else "")
        if "port" not in keys and fixed_port not in (None, "*"):
            default_name += f"-{fixed_port}"
        key = (address, member_port)
        if key in by_address:
            spelled = f"{address}" + (f" port {port_text}" if port_text else "")
            problems.add(
                f"{where}: {spelled} is also member {by_address[key]} (the same backend listed twice, in any "
                "spelling, would get two services and double weight)"
            )
        by_address.setdefault(key, index)
        if given.get("name") not in (None, ""):
            name = problems.check(nitro_name, f"{where}.name", given["name"])
        else:
            try:
                name = nitro_name(f"{where}.name", default_name)
            except InvalidOptions:
                name = None
                problems.add(
                    f"{where}: the default service name {default_name!r} is not a valid NetScaler name (at most "
                    f"{MAX_NAME} characters of letters, digits and _ # . : @ = - or space); give the member a name"
                )
        if name is None:
            continue
        if name in by_name:
            problems.add(f"{where}: service name {name!r} is also member {by_name[name]}'s")
        by_name.setdefault(name, index)
        member = {"name": name, "ip": address, "weight": weight}
        if "port" in keys:
            member["port"] = member_port
        members.append(member)
    return members


def check_name(inputs: Inputs) -> str | None:
    """The role's object name, with room for the names derived from it."""
    if not inputs.text("name"):
        inputs.problems.add(
            f"{inputs.label('name')}: required; it names the lbvserver (and, by default, its services and monitor)"
        )
        return None
    name = inputs.check("name", nitro_name, inputs.text("name"))
    if name is not None and len(name) + len(MONITOR_SUFFIX) > MAX_NAME:
        inputs.problems.add(
            f"{inputs.label('name')}: {len(name)} characters leave no room for the health check monitor "
            f"{name + MONITOR_SUFFIX!r}; NetScaler names are at most {MAX_NAME} characters, so use at most "
            f"{MAX_NAME - len(MONITOR_SUFFIX)}"
        )
    return name


def guard_empty(inputs: Inputs, items: list[Any] | None, present: bool, what: str) -> None:
    """A missing members variable is an error, and an empty one is refused unless asked for: a typo or a blank
    survey answer must never unbind every member of a live pool."""
    if not present:
        return
    if items is None:
        inputs.problems.add(
            f"{inputs.label('members')}: not defined; list the members (or {inputs.label('member_list')}). "
            f"To run {what} without members on purpose, set it to [] and {inputs.label('allow_empty')}: true"
        )
    elif not items and not inputs.flag("allow_empty"):
        inputs.problems.add(
            f"{inputs.label('members')}: empty; this would leave {what} with no member (an existing one loses "
            f"every member). Set {inputs.label('allow_empty')}: true if that is what you want, or "
            f"{inputs.label('state')}: absent to remove it"
        )


def healthcheck_values(inputs: Inputs, keys: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """The health check dict merged with its flat survey keys (``<prefix>healthcheck_<key>``; empty is unset)."""
    label = inputs.label("healthcheck")
    given = inputs.raw("healthcheck")
    values: dict[str, Any] = {}
    if given not in (None, ""):
        if not isinstance(given, Mapping):
            inputs.problems.add(f"{label}: must be a dict of {', '.join(keys)}, got {given!r}")
        else:
            unknown = sorted(set(map(str, given)) - set(keys))
            if unknown:
                inputs.problems.add(f"{label}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(keys)}")
            values.update({k: v for k, v in given.items() if k in keys and v not in (None, "")})
    for key in keys:
        flat = inputs.raw(f"healthcheck_{key}")
        if flat not in (None, ""):
            values[key] = flat
    return label, values


def check_healthcheck(inputs: Inputs, label: str, values: Mapping[str, Any], option_of: Mapping[str, str]) -> dict:
    """The health check against lb_healthcheck's own table (ranges, choices, converters, response < interval)."""
    problems = inputs.problems
    out: dict[str, Any] = {}
    for key, given in values.items():
        option: Option = HEALTHCHECK[option_of.get(key, key)]
        value = given
        where = f"{label}.{key}"
        if option.type == "int":
            low, high = option.range or (1, 2**31 - 1)
            value = to_int(problems, where, value, low, high)
        elif option.type == "list":
            value = words(value) if isinstance(value, str) else list(value) if isinstance(value, Sequence) else value
        if value is None:
            continue
        if option.choices:
            value = problems.check(one_of, where, value, option.choices)
        if value is not None and option.convert is not None and option.type != "int":
            value = problems.check(option.convert, where, value)
        if value is not None:
            out[option.name] = value
    try:
        check_timing(out.get("response_time", HEALTHCHECK["response_time"].default),
                     out.get("interval", HEALTHCHECK["interval"].default))  # fmt: skip
    except InvalidOptions:
        problems.add(
            f"{label}.response_time: {out.get('response_time', HEALTHCHECK['response_time'].default)} must be "
            f"less than {label}.interval ({out.get('interval', HEALTHCHECK['interval'].default)}); NetScaler "
            "requires resptimeout < interval"
        )
    return out


def common(inputs: Inputs, out: dict[str, Any]) -> None:
    out["save_config"] = inputs.flag("save_config")
    out["wait"] = inputs.flag("wait")
    out["wait_timeout"] = inputs.number("wait_timeout", 1, 86400, 60)
    out["max_member_removals"] = inputs.number("max_member_removals", 0, 2**31 - 1)
    out["allow_empty"] = inputs.flag("allow_empty")


# --- the roles --------------------------------------------------------------------------------------------------


def healthchecked_pool(inputs: Inputs) -> dict[str, Any]:
    state = inputs.choice("state", ("present", "absent"), "present")
    present = state == "present"
    name = check_name(inputs)
    out: dict[str, Any] = {"state": state, "name": name}
    common(inputs, out)
    out["wait_for"] = inputs.choice("wait_for", ("any", "all"), "all")
    vip = None
    if present:
        if not inputs.text("vip"):
            inputs.problems.add(f"{inputs.label('vip')}: required for present")
        else:
            vip = inputs.check("vip", ip, inputs.text("vip"), wildcard=True)
        svc_type = inputs.check(
            "servicetype", servicetype(LBVSERVER_SERVICETYPES, "a service type"), inputs.text("servicetype", "HTTP")
        )
        out["vserver"] = {
            "name": name,
            "ipv46": vip,
            "port": inputs.check("port", port, inputs.raw("port", 80)),
            "servicetype": svc_type,
            "lbmethod": inputs.choice("lbmethod", LBMETHODS, "ROUNDROBIN", kind="a load balancing method"),
        }
    items = member_items(inputs, pool_token, POOL_SYNTAX)
    guard_empty(inputs, items, present, f"pool {name!r}")
    members = check_members(inputs, items or [], pool=name or "", vip=vip, keys=("name", "ip", "port", "weight"))
    label, values = healthcheck_values(inputs, POOL_HEALTHCHECK_KEYS)
    out["healthcheck"] = check_healthcheck(inputs, label, values, {}) if present else {}
    # One service per member (services), or one service group whose members are the pool's (servicegroup). The
    # group's name is kept in both modes: a run in the other mode finds it bound and switches make-before-break.
    backend = inputs.choice("backend", BACKENDS, "services")
    out["backend"] = backend
    out["servicegroup"] = {"name": f"{name}{GROUP_SUFFIX}" if name else None}
    if backend == "servicegroup":
        for index, item in enumerate(items or []):
            if isinstance(item, Mapping) and item.get("name") not in (None, ""):
                inputs.problems.add(
                    f"{inputs.label('members')}[{index}].name: a service group member has no name of its own (it "
                    f"is its address and port) with {inputs.label('backend')}: servicegroup; remove the name, or "
                    f"use {inputs.label('backend')}: services for one named service per member"
                )
        out["servicegroup"]["members"] = [{"ip": m["ip"], "port": m["port"], "weight": m["weight"]} for m in members]
        out["services"], out["bindings"] = [], []
        if present:
            out["servicegroups"] = [{"name": out["servicegroup"]["name"]}]
        out["backends"] = [{"ip": m["ip"], "port": m["port"]} for m in members]
        return out
    out["services"] = [{"name": m["name"], "ip": m["ip"], "port": m["port"]} for m in members]
    out["bindings"] = [{"name": m["name"], "weight": m["weight"]} for m in members]
    out["backends"] = [{"ip": m["ip"], "port": m["port"]} for m in members]
    return out


def dsr_vserver(inputs: Inputs) -> dict[str, Any]:
    problems = inputs.problems
    label = inputs.label
    state = inputs.choice("state", ("present", "absent"), "present")
    present = state == "present"
    name = check_name(inputs)
    out: dict[str, Any] = {"state": state, "name": name}
    common(inputs, out)
    out["disable_mbf_on_absent"] = inputs.flag("disable_mbf_on_absent")
    vip_text = inputs.text("vip")
    vip = None
    if vip_text in UNHOLDABLE_VIPS:
        problems.add(
            f"{label('vip')}: {vip_text!r} is refused: every backend must hold the VIP on its loopback, and a "
            "wildcard has no single address to hold; give the VIP's address"
        )
    elif vip_text:
        vip = inputs.check("vip", ip, vip_text)
    elif present:
        problems.add(
            f"{label('vip')}: required for present. A vserver without a VIP serves only behind "
            "content switching, which parses L7 and needs the replies to pass through the appliance; in DSR they go "
            "straight from the backend to the client"
        )
    dsr_port = str(inputs.raw("port", "*")).strip()
    port_number = None if dsr_port == "*" else inputs.check("port", port, dsr_port)
    out["vip"] = vip
    out["port"] = "*" if dsr_port == "*" else port_number
    if present:
        svc_type = inputs.text("servicetype", "ANY").upper() or "ANY"
        if svc_type not in DSR_SERVICETYPES:
            problems.add(
                f"{label('servicetype')}: {svc_type} is refused: DSR is layer 4 only. The backend answers the client "
                "directly, so the appliance never sees a reply and cannot offload SSL or parse the protocol; use ANY"
            )
        elif svc_type != "ANY":
            problems.add(
                f"{label('servicetype')}: {svc_type} with the VIP {vip_text} is refused: MAC redirection needs "
                "servicetype ANY or the wildcard VIP * (NetScaler error 2329), and a backend cannot hold a "
                "wildcard VIP; use ANY"
            )
        if not inputs.flag("usip", True):
            problems.add(
                f"{label('usip')}: false is refused: in DSR the backend answers the client itself, so the services "
                "must keep the client address as source (usip YES, CTX110501)"
            )
        persistence = inputs.text("persistence", "SOURCEIP").upper() or "NONE"
        if persistence in PERSISTENCE and persistence not in DSR_PERSISTENCE:
            problems.add(
                f"{label('persistence')}: {persistence} is refused: it needs the appliance to read or write "
                "application data (cookies, URLs, SSL sessions, rules) on the way back, which DSR bypasses; use "
                "SOURCEIP (or NONE, DESTIP, SRCIPDESTIP)"
            )
        elif persistence not in DSR_PERSISTENCE:
            problems.add(
                f"{label('persistence')}: {persistence!r} is not a NetScaler persistence type; use "
                f"{', '.join(DSR_PERSISTENCE)}"
            )
        method = inputs.text("lbmethod", "ROUNDROBIN").upper() or "ROUNDROBIN"
        if method in DSR_L7_METHODS:
            problems.add(
                f"{label('lbmethod')}: {method} is refused: it balances on application data (URL, domain, requests, "
                "tokens), which a DSR vserver of servicetype ANY does not parse"
            )
        elif method in DSR_REPLY_METHODS:
            problems.add(
                f"{label('lbmethod')}: {method} is refused: it measures the servers' response time, and in DSR the "
                "responses do not pass through the appliance"
            )
        elif method not in LBMETHODS:
            allowed = [m for m in LBMETHODS if m not in DSR_L7_METHODS | DSR_REPLY_METHODS]
            problems.add(
                f"{label('lbmethod')}: {method!r} is not a NetScaler load balancing method; allowed: "
                f"{', '.join(allowed)}"
            )
        timeout = inputs.number("persistence_timeout", 0, 1440)
        out["vserver"] = {
            "name": name,
            "ipv46": vip,
            "port": out["port"],
            "servicetype": svc_type,
            "lbmethod": method,
            "persistencetype": persistence,
            **({"timeout": timeout} if timeout is not None else {}),
        }
        hc_label, values = healthcheck_values(inputs, DSR_HEALTHCHECK_KEYS)
        hc_type = str(values.get("type") or "PING").strip().upper()
        if hc_type in SCRIPTED_MONITORS:
            problems.add(
                f"{hc_label}.type: {hc_type} is refused: it is a scripted monitor, and scripted monitors do not "
                "learn the backend's MAC address, which MAC redirection needs (CTX138969); use PING or TCP"
            )
        elif hc_type not in DSR_KERNEL_MONITORS:
            problems.add(
                f"{hc_label}.type: {hc_type!r} is refused: a DSR vserver is checked with a PING or TCP monitor, the "
                "kernel monitors that learn the backend's MAC (CTX138969); use PING, or TCP with a port"
            )
        elif hc_type == "TCP" and values.get("port") in (None, "") and out["port"] == "*":
            problems.add(
                f"{hc_label}.port: required for a TCP health check when {label('port')} is *: give the port the "
                "backends listen on"
            )
        elif hc_type == "PING" and values.get("port") not in (None, ""):
            problems.add(f"{hc_label}.port: a PING health check has no port; use type TCP to probe a port")
        values["type"] = hc_type if hc_type in MONITOR_TYPES else "PING"
        out["healthcheck"] = check_healthcheck(inputs, hc_label, values, {"type": "monitor_type"})
    items = member_items(inputs, dsr_token, f"{DSR_SYNTAX[:-1]}: the port is {label('port')})")
    guard_empty(inputs, items, present, f"DSR vserver {name!r}")
    members = check_members(
        inputs, items or [], pool=name or "", vip=vip, fixed_port=out["port"], keys=("name", "ip", "weight")
    )
    if vip is not None:
        family = ipaddress.ip_address(vip).version
        for index, member in enumerate(members):
            if ipaddress.ip_address(member["ip"]).version != family:
                problems.add(
                    f"{label('members')}[{index}].ip: {member['ip']} is IPv"
                    f"{ipaddress.ip_address(member['ip']).version} but the VIP {vip} is IPv{family}: MAC redirection "
                    "keeps the VIP as destination, so every backend must hold the VIP in its own address family"
                )
    out["services"] = [{"name": m["name"], "ip": m["ip"]} for m in members]
    out["bindings"] = [{"name": m["name"], "weight": m["weight"]} for m in members]
    return out


def quiet_vip(inputs: Inputs) -> dict[str, Any]:
    vservers = words(inputs.raw("vservers"))
    if not vservers:
        inputs.problems.add(
            f"{inputs.label('vservers')} must name at least one lbvserver (got {inputs.raw('vservers')!r})"
        )
    names = [inputs.problems.check(nitro_name, f"{inputs.label('vservers')}[{i}]", v) for i, v in enumerate(vservers)]
    out: dict[str, Any] = {"vservers": [n for n in names if n]}
    for key, default in (
        ("set_icmpvsrresponse", True),
        ("set_icmpresponse", True),
        ("set_downstaterst", True),
        ("save_config", False),
        ("verify", False),
    ):
        out[key] = inputs.flag(key, default)
    out["icmpresponse"] = inputs.choice("icmpresponse", NSIP_ICMP["icmpresponse"].choices or (), "VSVR_CNTRLD")
    return out


def pool_member(inputs: Inputs) -> dict[str, Any]:
    """One backend drained from or enabled in its pools: lb_pool_member's options, checked by its own table."""
    problems, label = inputs.problems, inputs.label
    state = inputs.raw("state")
    if state is None or str(state).strip() == "":
        problems.add(f"{label('state')}: required; drained (take the backend out gracefully) or enabled (put it back)")
    else:
        state = inputs.check("state", one_of, state, POOL_MEMBER["state"].choices or ())
    pools = words(inputs.raw("pools"))
    if not pools:
        problems.add(f"{label('pools')}: name at least one lbvserver the backend is a member of")
    checked = [problems.check(nitro_name, f"{label('pools')}[{i}]", p) for i, p in enumerate(pools)]
    out: dict[str, Any] = {"state": state, "pools": [n for n in checked if n]}
    services = words(inputs.raw("services"))
    if services:
        out["services"] = [
            n for n in (problems.check(nitro_name, f"{label('services')}[{i}]", v) for i, v in enumerate(services)) if n
        ]
        if inputs.raw("port") not in (None, ""):
            problems.add(f"{label('port')}: applies to {label('address')}, not to {label('services')}")
    else:
        # The default is the host's ansible_host, else its inventory name (defaults/main.yml).
        address = inputs.text("address")
        if not address:
            problems.add(f"{label('address')}: required (the backend's IP address), or name {label('services')}")
        else:
            out["address"] = inputs.check(
                "address", ip, address, kind="IP address; set it (or ansible_host) to the backend's address, or name "
                f"its services in {label('services')}",
            )  # fmt: skip
        if inputs.raw("port") not in (None, ""):
            out["port"] = str(inputs.check("port", port, inputs.raw("port")))
    delay = inputs.number("delay", *(POOL_MEMBER["delay"].range or (0, 2**31 - 1)))
    if delay is not None:
        if state == "enabled":
            problems.add(f"{label('delay')}: applies only to {label('state')}: drained")
        out["delay"] = delay
    for key in ("drain_timeout", "up_timeout"):
        out[key] = inputs.number(key, *(POOL_MEMBER[key].range or (0, 86400)), POOL_MEMBER[key].default)
    out["on_timeout"] = inputs.choice("on_timeout", POOL_MEMBER["on_timeout"].choices or (), "fail")
    out["allow_last"] = inputs.flag("allow_last")
    return out


ROLES: dict[str, Callable[[Inputs], dict[str, Any]]] = {
    "healthchecked_pool": healthchecked_pool,
    "dsr_vserver": dsr_vserver,
    "quiet_vip": quiet_vip,
    "pool_member": pool_member,
}


def plan(
    role: str,
    given: Mapping[str, Any],
    known: Iterable[str],
    connection: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every problem of the role's variables at once (InvalidOptions), or the normalised inputs. ``connection``:
    the CONNECTION_VARIABLES the play sets; ``environ``: the controller's environment (default os.environ)."""
    prefix = f"{role}_"
    inputs = Inputs(prefix, given)
    for message in unknown_variables(prefix, given, known):
        inputs.problems.add(message)
    check_connection(inputs.problems, connection or {}, os.environ if environ is None else environ)
    out = ROLES[role](inputs)
    inputs.problems.raise_any()
    return out


def backend_key(ip_text: Any, port_value: Any) -> tuple[str, str]:
    """A backend as NetScaler binds it, however spelled: the compressed address and the port (``*`` is 65535)."""
    port_text = str(port_value).strip()
    return canonical_ip(ip_text) or str(ip_text), "65535" if port_text == "*" else port_text


def leaving(
    result: Mapping[str, Any], current: Mapping[str, Any], group: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What leaves the vserver, from lb_vserver's check-mode prediction of this run (``current``): the members
    unbound (present) or all of them (absent). Refuses more removals than ``max_member_removals``.

    healthchecked_pool also plans the vserver's two binding steps here. Its members are either services or the
    members of its service group (``<pool>-sg``, read in check mode as ``group``); switching a live pool from one
    form to the other binds the new form first and unbinds the old one in a second step, so the vserver keeps
    members at every moment. A removal is a backend (address and port) bound before and in neither form after:
    a backend that moves from a service into the group, or back, is not one."""
    before = list(current.get("services_before") or [])
    groups_before = list(current.get("servicegroups_before") or [])
    addresses = current.get("backends_before") or {}
    wanted = [s["name"] for s in result.get("services", [])]
    present = result["state"] == "present"
    if present:
        gone = [name for name in before if name not in wanted]
    else:
        gone = sorted(set(before) | set(wanted))
    after = {backend_key(b["ip"], b["port"]) for b in result.get("backends", [])} if present else set()
    removed = []
    for name in gone:
        address = addresses.get(name)
        if address is None or backend_key(address.get("ip"), address.get("port")) not in after:
            removed.append(name)
    own_group = (result.get("servicegroup") or {}).get("name")
    group_mode = result.get("backend") == "servicegroup"
    if own_group and own_group in groups_before and group:
        for member in group.get("members_before") or []:
            key = backend_key(member.get("ip") or member.get("servername"), member.get("port"))
            if key not in after:
                removed.append(f"{own_group} member {key[0]}:{key[1]}")
    budget = result.get("max_member_removals")
    if present and budget is not None and len(removed) > budget:
        raise InvalidOptions(
            f"{result['role']}_max_member_removals: this run would remove {len(removed)} member(s) "
            f"({', '.join(removed)}) from {result['name']!r}, more than the {budget} allowed; nothing was written. "
            f"Raise {result['role']}_max_member_removals if that is intended"
        )
    out: dict[str, Any] = {"leaving": [{"name": name} for name in gone], "services_before": before}
    if "backend" not in result:
        return out  # dsr_vserver: services only
    others = [name for name in groups_before if name != own_group]
    vserver: dict[str, Any]
    unbind: dict[str, Any] = {}
    switch = ""
    if group_mode:
        # Services still bound: bind the group beside them first (services left alone), unbind them after.
        vserver = {"servicegroups": result.get("servicegroups", [])}
        if before:
            unbind, switch = {"services": []}, "to_servicegroup"
        else:
            vserver["services"] = []
        groups_after = sorted({*groups_before, own_group})
        delete_group = not present  # the group goes with the pool
    else:
        vserver = {"services": result.get("bindings", [])}
        if own_group in groups_before:
            # the group goes once the services are bound
            unbind, switch = {"servicegroups": others}, "to_services"
        groups_after = others
        delete_group = own_group in groups_before  # with the pool, or once its members serve as services again
    out.update(
        {
            "servicegroups_before": groups_before,
            "switch": switch,
            "vserver": vserver,
            "unbind": unbind if present else {},
            "servicegroups_after": groups_after if present else [],
            "delete_servicegroup": delete_group,
        }
    )
    return out
