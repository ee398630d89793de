#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lb_vserver
short_description: Manage a NetScaler load balancing virtual server and its service bindings
version_added: 0.1.0
description:
  - Creates, updates, enables, disables and deletes a NITRO C(lbvserver), and binds it to exactly the services and
    service groups you list.
  - Option names are NITRO attribute names, so the NetScaler documentation applies directly.
  - Only the options you give are compared and changed; the others keep the appliance's values. An existing
    vserver can be managed with just O(name) and the options to change, for example O(icmpvsrresponse); the
    result returns the whole vserver, including C(ipv46) and C(curstate).
  - Bindings are read with one C(lbvserver_binding) GET and changed with one bulk unbind and one bulk bind (with
    rollback) per binding type, however many members there are.
  - O(servicetype), O(port) and O(td) cannot be changed by NITRO. A change fails with a message naming the
    attribute, its current and its wanted value, before anything is written, unless O(recreate=true).
author:
  - adcops.netscaler maintainers (@adcops)
options:
  name:
    description:
      - Name of the virtual server. ASCII letters, digits, space and C(_), C(#), C(.), C(:), C(@), C(=), C(-),
        starting with a letter, digit
        or C(_); at most 127 characters.
    type: str
    required: true
  ipv46:
    description:
      - IPv4 or IPv6 address of the virtual server (the VIP), or C(*) for a wildcard vserver.
      - Omit it (with O(port)) for a non-addressable vserver.
    type: str
  port:
    description:
      - Port, a number from 1 to 65535 or C(*) (any port, which NITRO stores as 65535). Needed with an O(ipv46)
        other than C(*) to create the vserver. Cannot be changed after creation.
    type: raw
  servicetype:
    description:
      - Protocol of the vserver, for example C(HTTP), C(SSL), C(TCP), C(UDP), C(ANY). Case-insensitive.
      - Required to create the vserver. Cannot be changed after creation.
    type: str
  td:
    description: Traffic domain (0-4094). Cannot be changed after creation.
    type: int
  lbmethod:
    description: Load balancing method. NITRO default V(LEASTCONNECTION).
    type: str
    choices: [ROUNDROBIN, LEASTCONNECTION, LEASTRESPONSETIME, URLHASH, DOMAINHASH, DESTINATIONIPHASH, SOURCEIPHASH,
      SRCIPDESTIPHASH, LEASTBANDWIDTH, LEASTPACKETS, TOKEN, SRCIPSRCPORTHASH, LRTM, CALLIDHASH, CUSTOMLOAD,
      LEASTREQUEST, AUDITLOGHASH, STATICPROXIMITY, USER_TOKEN]
  m:
    description:
      - Redirection mode. V(IP) (NITRO default) rewrites the destination IP to the server's; V(MAC) rewrites only
        the destination MAC (Direct Server Return); V(IPTUNNEL) tunnels IP in IP; V(TOS) encodes an id in the TOS
        field.
      - V(MAC) and V(IPTUNNEL) need O(servicetype=ANY), O(ipv46=*) or O(sessionless=ENABLED) (NITRO error 2329);
        the module checks this before sending anything.
    type: str
    choices: [IP, MAC, IPTUNNEL, TOS]
  icmpvsrresponse:
    description:
      - V(ACTIVE) makes the VIP answer ICMP only while this vserver is UP, when the VIP's C(icmpresponse) is
        C(VSVR_CNTRLD); V(PASSIVE) (NITRO default) always answers.
    type: str
    choices: [PASSIVE, ACTIVE]
  persistencetype:
    description: Persistence type. A fresh vserver shows V(NONE).
    type: str
    choices: [SOURCEIP, COOKIEINSERT, SSLSESSION, RULE, URLPASSIVE, CUSTOMSERVERID, DESTIP, SRCIPDESTIP, CALLID,
      RTSPSID, DIAMETER, FIXSESSION, USERSESSION, NONE]
  timeout:
    description: Persistence timeout in minutes (0-1440). NITRO default 2.
    type: int
  clttimeout:
    description: Idle client connection timeout in seconds (0-31536000). The default depends on O(servicetype).
    type: int
  sessionless:
    description: Sessionless load balancing (no session is kept, for DSR with O(m=MAC)). NITRO default V(DISABLED).
    type: str
    choices: [ENABLED, DISABLED]
  downstateflush:
    description: Flush existing connections when the vserver goes DOWN. NITRO default V(ENABLED).
    type: str
    choices: [ENABLED, DISABLED]
  comment:
    description: Free-text comment.
    type: str
  state:
    description:
      - V(present) makes sure the vserver exists with the given options and leaves its admin state alone.
      - V(absent) deletes it (with its bindings).
      - V(enabled) and V(disabled) also create it when missing; they read C(curstate) and send an enable or disable
        only when needed (a disabled vserver shows C(OUT OF SERVICE)).
    type: str
    choices: [present, absent, enabled, disabled]
    default: present
  services:
    description:
      - Services to bind, each a name or a dict with C(name) and optional C(weight) (1-100, NITRO default 1) and
        C(order) (1-8192).
      - When given, the vserver ends bound to exactly these services (see O(purge_services)); a member whose weight
        or order differs is unbound and bound again, as NITRO bindings have no update.
      - When omitted, service bindings are left alone. V([]) unbinds every service.
    type: list
    elements: raw
  servicegroups:
    description:
      - Service groups to bind, like O(services) (a name or C(name), C(weight), C(order)).
      - When omitted, service group bindings are left alone.
    type: list
    elements: raw
  purge_services:
    description: With O(services), unbind services that are bound but not listed. V(false) only adds and updates.
    type: bool
    default: true
  purge_servicegroups:
    description: With O(servicegroups), unbind service groups that are bound but not listed.
    type: bool
    default: true
  recreate:
    description:
      - When an immutable attribute (O(servicetype), O(port), O(td)) differs, delete the vserver and add it again
        with the wanted values, then bind its services and service groups again (the listed ones, or the existing
        ones when O(services)/O(servicegroups) is omitted). Options not given are carried over.
    type: bool
    default: false
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.actiongroup_nitro
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - Check mode sends only GET requests (and login/logout). A second identical run reports no change and sends only
    GET requests.
seealso:
  - module: adcops.netscaler.lb_service
  - module: adcops.netscaler.ns_mode
"""

EXAMPLES = r"""
- name: An HTTP vserver bound to exactly two services
  adcops.netscaler.lb_vserver:
    nsip: 192.0.2.10
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    name: vs-web
    ipv46: 192.0.2.80
    port: 80
    servicetype: HTTP
    lbmethod: ROUNDROBIN
    services:
      - web-01
      - name: web-02
        weight: 2

- name: A Direct Server Return VIP (MAC mode needs servicetype ANY, a wildcard VIP or sessionless)
  adcops.netscaler.lb_vserver:
    name: vs-dsr
    ipv46: 192.0.2.81
    port: "*"
    servicetype: ANY
    m: MAC
    sessionless: ENABLED
    services: "{{ dsr_members | map(attribute='name') | list }}"

- name: Let the VIP answer ping only while the vserver is UP (existing vserver, read ipv46 back)
  adcops.netscaler.lb_vserver:
    name: vs-web
    icmpvsrresponse: ACTIVE
  register: vs

- name: Show the VIP
  ansible.builtin.debug:
    msg: "{{ vs.lbvserver.ipv46 }}"

- name: Take the vserver out of service
  adcops.netscaler.lb_vserver:
    name: vs-web
    state: disabled
"""

RETURN = r"""
lbvserver:
  description:
    - The vserver as the appliance shows it after the task, with NITRO's attribute names (C(ipv46), C(curstate),
      numbers as strings). In check mode, the current object with the planned values laid over it.
  returned: unless the vserver is absent
  type: dict
  sample: {"name": "vs-web", "ipv46": "192.0.2.80", "port": "80", "servicetype": "HTTP", "curstate": "UP"}
bindings:
  description: The vserver's bindings after the task, as the appliance shows them.
  returned: unless the vserver is absent
  type: dict
  contains:
    services:
      description: Rows of C(lbvserver_service_binding) (C(servicename), C(weight), C(curstate), ...).
      type: list
      elements: dict
    servicegroups:
      description: Rows of C(lbvserver_servicegroup_binding) (C(servicegroupname), C(weight), ...).
      type: list
      elements: dict
services_before:
  description:
    - Names of the services bound to the vserver before the task (empty when it did not exist). With
      O(purge_services) or O(state=absent), the ones not in RV(bindings) are those the task unbound, which lets a
      caller delete the services that left without reading the vserver again.
  returned: success
  type: list
  elements: str
  sample: ["web-1", "web-2"]
recreated:
  description: Whether the vserver was deleted and added again because an immutable attribute changed.
  returned: success
  type: bool
"""

from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroError
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import normalize_port
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import (
    BINDING_KINDS,
    BindingPlan,
    apply_bindings,
    binding_view,
    check_ip,
    check_name,
    check_range,
    immutable_error,
    ip_normalizer,
    parse_members,
    parse_port,
    plan_bindings,
    read_bindings,
    upper,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import (
    LBVSERVER_SERVICETYPES as SERVICETYPES,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._module import (
    ModuleManager,
    NitroModule,
    ParameterError,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._resource import Plan, ResourceSpec, apply, plan

LBMETHODS = [
    "ROUNDROBIN", "LEASTCONNECTION", "LEASTRESPONSETIME", "URLHASH", "DOMAINHASH", "DESTINATIONIPHASH",
    "SOURCEIPHASH", "SRCIPDESTIPHASH", "LEASTBANDWIDTH", "LEASTPACKETS", "TOKEN", "SRCIPSRCPORTHASH", "LRTM",
    "CALLIDHASH", "CUSTOMLOAD", "LEASTREQUEST", "AUDITLOGHASH", "STATICPROXIMITY", "USER_TOKEN",
]  # fmt: skip
PERSISTENCE = [
    "SOURCEIP", "COOKIEINSERT", "SSLSESSION", "RULE", "URLPASSIVE", "CUSTOMSERVERID", "DESTIP", "SRCIPDESTIP",
    "CALLID", "RTSPSID", "DIAMETER", "FIXSESSION", "USERSESSION", "NONE",
]  # fmt: skip
EN_DIS = ["ENABLED", "DISABLED"]

SPEC = ResourceSpec(
    resource="lbvserver",
    attributes=(
        "ipv46",
        "port",
        "servicetype",
        "td",
        "lbmethod",
        "m",
        "icmpvsrresponse",
        "persistencetype",
        "timeout",
        "clttimeout",
        "sessionless",
        "downstateflush",
        "comment",
    ),
    # COLL immutable_keys for lbvserver (nitro_api.md §2.1); ipv46 is updatable.
    immutable=("servicetype", "port", "td"),
    normalizers={"ipv46": ip_normalizer, "port": normalize_port},
    state_attr="curstate",
)
# Carried over when the vserver is recreated and the user did not give them.
CARRY_OVER = (
    "servicetype",
    "port",
    "ipv46",
    "lbmethod",
    "m",
    "icmpvsrresponse",
    "persistencetype",
    "timeout",
    "clttimeout",
    "sessionless",
)
CARRY_OVER += ("downstateflush", "comment", "td")


def argument_spec() -> dict[str, dict[str, Any]]:
    return {
        "name": {"type": "str", "required": True},
        "ipv46": {"type": "str"},
        "port": {"type": "raw"},
        "servicetype": {"type": "str"},
        "td": {"type": "int"},
        "lbmethod": {"type": "str", "choices": LBMETHODS},
        "m": {"type": "str", "choices": ["IP", "MAC", "IPTUNNEL", "TOS"]},
        "icmpvsrresponse": {"type": "str", "choices": ["PASSIVE", "ACTIVE"]},
        "persistencetype": {"type": "str", "choices": PERSISTENCE},
        "timeout": {"type": "int"},
        "clttimeout": {"type": "int"},
        "sessionless": {"type": "str", "choices": EN_DIS},
        "downstateflush": {"type": "str", "choices": EN_DIS},
        "comment": {"type": "str"},
        "state": {"type": "str", "choices": ["present", "absent", "enabled", "disabled"], "default": "present"},
        "services": {"type": "list", "elements": "raw"},
        "servicegroups": {"type": "list", "elements": "raw"},
        "purge_services": {"type": "bool", "default": True},
        "purge_servicegroups": {"type": "bool", "default": True},
        "recreate": {"type": "bool", "default": False},
    }


def mac_mode_error(merged: dict[str, Any]) -> str | None:
    """NITRO rule 2329: MAC/IPTUNNEL only for servicetype ANY, a wildcard VIP or a sessionless vserver (ERRLIST)."""
    if upper(merged.get("m")) not in ("MAC", "IPTUNNEL"):
        return None
    if (
        upper(merged.get("servicetype")) == "ANY"
        or merged.get("ipv46") == "*"
        or upper(merged.get("sessionless")) == "ENABLED"
    ):
        return None
    return (
        f"m: {merged.get('m')} needs servicetype ANY, a wildcard ipv46 '*' or sessionless ENABLED "
        f"(NITRO error 2329); got servicetype {merged.get('servicetype')!r}, ipv46 {merged.get('ipv46')!r}, "
        f"sessionless {merged.get('sessionless') or 'DISABLED'!r}"
    )


def members_of(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Bound members as the services/servicegroups options take them: name -> {weight, order}."""
    return {m["name"]: {k: v for k, v in m.items() if k != "name"} for m in binding_view(rows)}


class VserverManager(ModuleManager):
    def validate(self) -> None:
        params = self.params
        want: dict[str, Any] = {key: params.get(key) for key in SPEC.attributes}
        want["name"] = check_name("name", params["name"])
        want["state"] = params["state"]
        want["ipv46"] = check_ip("ipv46", want["ipv46"], wildcard=True)
        want["port"] = parse_port("port", want["port"])
        want["servicetype"] = upper(want["servicetype"])
        if want["servicetype"] is not None and want["servicetype"] not in SERVICETYPES:
            raise ParameterError(
                f"servicetype: {params['servicetype']!r} is not an lbvserver service type; allowed: "
                + ", ".join(SERVICETYPES)
            )
        check_range("td", want["td"], 0, 4094)
        check_range("timeout", want["timeout"], 0, 1440)
        check_range("clttimeout", want["clttimeout"], 0, 31536000)
        self.want = want
        self.members = {kind.option: parse_members(kind.option, params[kind.option]) for kind in BINDING_KINDS}
        self.purge = {"services": params["purge_services"], "servicegroups": params["purge_servicegroups"]}
        # Rule 2329 is checked now when the given options settle it; otherwise after the GET, still before writes.
        known = all(want[key] is not None for key in ("servicetype", "ipv46", "sessionless"))
        if known:
            message = mac_mode_error(want)
            if message:
                raise ParameterError(message)

    def check_create(self) -> None:
        want = self.want
        if want["servicetype"] is None:
            raise ParameterError(f"lbvserver {want['name']} does not exist; servicetype is required to create it")
        if want["ipv46"] not in (None, "*") and want["port"] is None:
            raise ParameterError(
                f"lbvserver {want['name']} does not exist; port is required to create it with ipv46 {want['ipv46']}"
            )
        if want["ipv46"] is None and want["port"] is not None:
            raise ParameterError("port needs ipv46: a vserver without an address has no port")

    def recreate_payload(self, have: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.want["name"]}
        body.update(SPEC.managed(self.want))
        for key in CARRY_OVER:
            if key not in body and have.get(key) not in (None, ""):
                body[key] = have[key]
        if self.want["state"] == "disabled" or (self.want["state"] == "present" and SPEC.is_disabled(have)):
            body["state"] = "DISABLED"
        return body

    def run(self) -> dict[str, Any]:
        want = self.want
        name = want["name"]
        client = self.client
        found = client.get("lbvserver", name)
        have = found[0] if found else None
        if have is None and want["state"] != "absent":
            self.check_create()
        merged = {**(SPEC.view(have) if have else {}), **{k: v for k, v in want.items() if v is not None}}
        if want["state"] != "absent":
            message = mac_mode_error(merged)
            if message:
                raise ParameterError(message)
        bound = read_bindings(client, name) if have else {kind.option: {} for kind in BINDING_KINDS}

        todo = plan(SPEC, [want], {name: have} if have else {})
        recreate = name in todo.immutable
        if recreate and not self.params["recreate"]:
            raise ParameterError(immutable_error("lbvserver", name, todo.immutable[name], have, want, read_as={}))

        if want["state"] == "absent":
            bindings = BindingPlan()
        elif recreate:
            todo.update, todo.enable, todo.disable = [], [], []
            re_add = self.recreate_payload(have)
            todo.add = [re_add]
            # Everything is bound again: the wanted members, plus the existing ones where not purged.
            wanted: dict[str, dict[str, dict[str, Any]]] = {}
            for kind in BINDING_KINDS:
                old = members_of(bound[kind.option])
                given = self.members[kind.option]
                if given is None:
                    wanted[kind.option] = old
                elif self.purge[kind.option]:
                    wanted[kind.option] = given
                else:
                    wanted[kind.option] = {**old, **given}
            bindings = plan_bindings(name, wanted, {}, {})
            todo.after[name]["state"] = "disabled" if re_add.get("state") == "DISABLED" else "enabled"
        else:
            bindings = plan_bindings(name, self.members, bound, self.purge)

        changed = todo.changed or bindings.changed
        if changed and not self.check_mode:
            if recreate:
                self.recreate(have, bound, todo, bindings)
            else:
                apply(client, SPEC, todo)
                if want["state"] != "absent":
                    apply_bindings(client, bindings)

        before = SPEC.view(have)
        after = {} if want["state"] == "absent" else {**before, **todo.after.get(name, {})}
        for kind in BINDING_KINDS:
            if self.members[kind.option] is not None or recreate:
                if have:
                    before[kind.option] = binding_view(bound[kind.option])
                if want["state"] != "absent":
                    after[kind.option] = bindings.after[kind.option]

        extra: dict[str, Any] = {"recreated": bool(recreate and changed), "services_before": sorted(bound["services"])}
        if want["state"] != "absent":
            if changed and not self.check_mode:
                shown = client.get_one("lbvserver", name) or {}
                final = read_bindings(client, name)
            else:
                shown = {**(have or {}), **{k: v for k, v in todo.after.get(name, {}).items() if k != "state"}}
                final = bound if not bindings.changed else self.predicted_bindings(name, bindings)
            extra["lbvserver"] = shown
            extra["bindings"] = {option: list(rows.values()) for option, rows in final.items()}
        return self.result(changed, before=before, after=after, **extra)

    def recreate(
        self,
        have: dict[str, Any],
        bound: dict[str, dict[str, dict[str, Any]]],
        todo: Plan,
        bindings: BindingPlan,
    ) -> None:
        """Delete, re-add, bind; if the re-add fails, put back exactly what was removed (the vserver as it was
        and its service and service group bindings with weight and order)."""
        client = self.client
        name = self.want["name"]
        old = {kind.option: members_of(bound[kind.option]) for kind in BINDING_KINDS}
        count = sum(len(members) for members in old.values())
        client.delete("lbvserver", name)
        try:
            apply(client, SPEC, todo)
        except NitroError as exc:
            original: dict[str, Any] = {"name": name}
            for key in CARRY_OVER:
                if have.get(key) not in (None, ""):
                    original[key] = have[key]
            if SPEC.is_disabled(have):
                original["state"] = "DISABLED"
            try:
                client.add("lbvserver", original)
                apply_bindings(client, plan_bindings(name, old, {}, {}))
            except NitroError as again:
                raise again.restated(
                    f"recreate of lbvserver {name!r} failed ({exc}) and putting the original back failed too "
                    f"({again}). Removed and NOT restored: lbvserver {original}; bindings {old}",
                    operation="recreate",
                    name=name,
                ) from None
            raise exc.restated(
                f"recreate failed, so nothing was changed in the end: the vserver was deleted and restored exactly "
                f"as it was, with its {count} binding(s). The re-add failed with: {exc}",
                operation="recreate",
                name=name,
            ) from None
        try:
            apply_bindings(client, bindings)
        except NitroError as exc:
            raise exc.restated(
                f"lbvserver {name!r} was recreated with the new values, but binding its members failed: {exc}. "
                f"Members to bind: {bindings.bind}",
                operation="recreate",
                name=name,
            ) from None

    @staticmethod
    def predicted_bindings(name: str, bindings: BindingPlan) -> dict[str, dict[str, dict[str, Any]]]:
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for kind in BINDING_KINDS:
            rows = {}
            for member in bindings.after[kind.option]:
                row = {"name": name, kind.member_key: member["name"]}
                row.update({k: str(v) for k, v in member.items() if k != "name"})
                rows[member["name"]] = row
            out[kind.option] = rows
        return out


def main() -> None:
    NitroModule(argument_spec()).run(VserverManager)


if __name__ == "__main__":
    main()
