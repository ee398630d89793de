#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lb_vserver
short_description: Manage a NetScaler load balancing virtual server and its service bindings
version_added: 1.0.0
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
      - Service groups to bind, like O(services) - a name or a dict with C(name) and optional C(order).
      - A C(weight) is refused before any request. NetScaler keeps no weight on a service group binding (it answers
        errorcode 1093, C(Argument pre-requisite missing [weight, serviceName])); the members of the group carry the
        weights.
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
      - When an immutable attribute (O(servicetype), O(port), O(td)) differs, replace the vserver by one with the
        wanted values and bind it to its services and service groups (the listed ones, or the existing ones when
        O(services)/O(servicegroups) is omitted). Options not given are carried over.
      - B(Make-before-break) when the replacement listens elsewhere than the original (another port, address or
        traffic domain, or a non-addressable vserver), the replacement is added under the temporary name
        C(<name>-recreate) and bound, then the original is deleted and the replacement renamed to O(name) (NITRO
        C(rename); bindings follow the object). The original's address and port serve until its delete and the new
        ones from their bind on, so the VIP is never down; only during the one rename request does no vserver
        carry the name. If the add or the bind of the replacement fails, the original is left as it was (the
        replacement is removed again).
      - B(Delete-first) when the replacement would listen on the same address, port and traffic domain (a change of
        O(servicetype) only), since NetScaler cannot hold two vservers there. The original is deleted, the
        replacement added, then bound. The VIP does not answer for two requests (the add and the bind, typically
        well under a second). If the add fails, the original is put back with its bindings.
      - Either way, what the module does not manage (policies, certificates, references from other objects by
        name) is not carried over.
    type: bool
    default: false
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.actiongroup_nitro
  - adcops.netscaler.attributes.full_support
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
      description: Rows of C(lbvserver_servicegroup_binding) (C(servicegroupname), C(order), ...).
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
servicegroups_before:
  description: Names of the service groups bound to the vserver before the task (empty when it did not exist).
  returned: success
  type: list
  elements: str
  version_added: 1.1.0
backends_before:
  description:
    - The address and port of each service of RV(services_before), from the vserver's binding rows (no extra
      request), so a caller can tell a backend that leaves from one that is only renamed or moved into a service
      group.
  returned: success
  type: dict
  sample: {"web-1": {"ip": "192.0.2.11", "port": "80"}}
  version_added: 1.1.0
recreated:
  description:
    - The name of the vserver, as a one-item list, when it was (or, in check mode, would be) replaced because an
      immutable attribute changed; empty otherwise. The same shape as RV(adcops.netscaler.lb_service#module:recreated).
    - In 1.0.0 this was a boolean; test it with C(recreated | length > 0) (a non-empty list is true in a
      C(when) too).
  returned: success
  type: list
  elements: str
  sample: [vs-web]
recreate_mode:
  description:
    - How the vserver was (or, in check mode, would be) replaced, see O(recreate).
  returned: when an immutable attribute differs and O(recreate=true)
  type: str
  choices: [make-before-break, delete-first]
"""

from functools import partial
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._compare import normalize_port
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import (
    BINDING_KINDS,
    LBVSERVER_SERVICETYPES,
    BindingPlan,
    apply_bindings,
    binding_view,
    ip_normalizer,
    parse_members,
    plan_bindings,
    read_bindings,
    servicetype,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import EN_DIS, Option, Options
from ansible_collections.adcops.netscaler.plugins.module_utils._resource import Rebind, apply, plan, temporary_name
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import (
    ApplianceStateError,
    InvalidOptions,
    Problems,
    ip,
    nitro_name,
    port,
    upper,
)

LBMETHODS = (
    "ROUNDROBIN", "LEASTCONNECTION", "LEASTRESPONSETIME", "URLHASH", "DOMAINHASH", "DESTINATIONIPHASH",
    "SOURCEIPHASH", "SRCIPDESTIPHASH", "LEASTBANDWIDTH", "LEASTPACKETS", "TOKEN", "SRCIPSRCPORTHASH", "LRTM",
    "CALLIDHASH", "CUSTOMLOAD", "LEASTREQUEST", "AUDITLOGHASH", "STATICPROXIMITY", "USER_TOKEN",
)  # fmt: skip
PERSISTENCE = (
    "SOURCEIP", "COOKIEINSERT", "SSLSESSION", "RULE", "URLPASSIVE", "CUSTOMSERVERID", "DESTIP", "SRCIPDESTIP",
    "CALLID", "RTSPSID", "DIAMETER", "FIXSESSION", "USERSESSION", "NONE",
)  # fmt: skip

# servicetype, port and td cannot be updated, ipv46 can (NITRO reference, lb/lbvserver:
# https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/lb/lbvserver).
OPTIONS = Options(
    Option("name", required=True, convert=nitro_name),
    Option("ipv46", convert=partial(ip, wildcard=True), attribute=True, normalizer=ip_normalizer),
    Option("port", type="raw", convert=port, attribute=True, immutable=True, normalizer=normalize_port),
    Option(
        "servicetype",
        convert=servicetype(LBVSERVER_SERVICETYPES, "an lbvserver service type"),
        attribute=True,
        immutable=True,
    ),
    Option("td", type="int", range=(0, 4094), attribute=True, immutable=True),
    Option("lbmethod", choices=LBMETHODS, attribute=True),
    Option("m", choices=("IP", "MAC", "IPTUNNEL", "TOS"), attribute=True),
    Option("icmpvsrresponse", choices=("PASSIVE", "ACTIVE"), attribute=True),
    Option("persistencetype", choices=PERSISTENCE, attribute=True),
    Option("timeout", type="int", range=(0, 1440), attribute=True),
    Option("clttimeout", type="int", range=(0, 31536000), attribute=True),
    Option("sessionless", choices=EN_DIS, attribute=True),
    Option("downstateflush", choices=EN_DIS, attribute=True),
    Option("comment", attribute=True),
    Option("state", choices=("present", "absent", "enabled", "disabled"), default="present"),
    Option("services", type="list", elements="raw"),
    Option("servicegroups", type="list", elements="raw"),
    Option("purge_services", type="bool", default=True),
    Option("purge_servicegroups", type="bool", default=True),
    Option("recreate", type="bool", default=False),
)
SPEC = OPTIONS.resource("lbvserver", state_attr="curstate", bulk=False)


def mac_mode_error(merged: dict[str, Any]) -> str | None:
    """NITRO rule 2329: MAC/IPTUNNEL only for servicetype ANY, a wildcard VIP or a sessionless vserver."""
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
        problems = Problems()
        want = OPTIONS.check(params, problems, names=("name", *SPEC.attributes))
        want["state"] = params["state"]
        self.want = want
        self.members = {
            kind.option: parse_members(kind.option, params[kind.option], problems) for kind in BINDING_KINDS
        }
        for index, item in enumerate(params["servicegroups"] or []):
            if isinstance(item, dict) and item.get("weight") is not None:
                # NITRO answers 400/1093 "Argument pre-requisite missing [weight, serviceName]" (netscaler.adc
                # issue #191); bound with servicename instead, the weight would not show in the binding, so it could
                # never compare equal.
                problems.add(
                    f"servicegroups[{index}].weight: NetScaler takes no weight on a service group binding; give each "
                    "member its weight in the service group instead"
                )
        problems.raise_any()
        self.purge = {"services": params["purge_services"], "servicegroups": params["purge_servicegroups"]}
        # Rule 2329 is checked now when the given options settle it; otherwise after the GET, still before writes.
        known = all(want[key] is not None for key in ("servicetype", "ipv46", "sessionless"))
        if known:
            message = mac_mode_error(want)
            if message:
                raise InvalidOptions(message)

    def check_create(self) -> None:
        want = self.want
        if want["servicetype"] is None:
            # Without servicetype the task can only be meant for an existing vserver (the quiet_vip role sends name
            # and icmpvsrresponse): say that it is missing, not which option would create it.
            given = [key for key in ("name", *SPEC.attributes) if want.get(key) is not None]
            given += [kind.option for kind in BINDING_KINDS if self.members[kind.option] is not None]
            what = "reads" if given == ["name"] else "changes"
            raise ApplianceStateError(
                f"lbvserver {want['name']} does not exist. This task gives only {', '.join(given)}, so it {what} an "
                "existing vserver and never creates one; check the name (to create the vserver, give servicetype, "
                "and ipv46 and port for an addressable one)"
            )
        if want["ipv46"] not in (None, "*") and want["port"] is None:
            raise ApplianceStateError(
                f"lbvserver {want['name']} does not exist; port is required to create it with ipv46 {want['ipv46']}"
            )
        if want["ipv46"] is None and want["port"] is not None:
            raise ApplianceStateError("port needs ipv46: a vserver without an address has no port")

    def plan_members(
        self, bound: dict[str, dict[str, dict[str, Any]]], recreate: bool, target: str | None = None
    ) -> BindingPlan:
        """The binding changes; a recreate binds its members to ``target`` (the replacement's temporary name when
        it is added beside the original)."""
        if self.want["state"] == "absent":
            return BindingPlan()
        if not recreate:
            return plan_bindings(self.want["name"], self.members, bound, self.purge)
        # A recreated vserver is bound again: the wanted members, plus the existing ones where not purged.
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
        return plan_bindings(target or self.want["name"], wanted, {}, {})

    def rebind(self, bound: dict[str, dict[str, dict[str, Any]]], bindings: BindingPlan, beside: str | None) -> Rebind:
        """A recreate binds the planned members; a failed re-add puts the old bindings (weight, order) back. Beside
        the original, the members are bound to the replacement's temporary name instead."""
        old = {kind.option: members_of(bound[kind.option]) for kind in BINDING_KINDS}
        count = sum(len(members) for members in old.values())
        rebind = Rebind(
            bind=partial(apply_bindings, self.client, bindings),
            restore=partial(apply_bindings, self.client, plan_bindings(self.want["name"], old, {}, {})),
            described=f"{count} binding(s)",
            listing=bindings.bind,
        )
        if beside is not None:
            rebind.beside = beside
            rebind.bind_beside = partial(apply_bindings, self.client, self.plan_members(bound, True, beside))
        return rebind

    @staticmethod
    def coexists(have: dict[str, Any], body: dict[str, Any]) -> bool:
        """Can NetScaler hold the replacement beside the original? Not on the same IP:port in the same traffic
        domain (two vservers cannot listen on one address and port); always for a non-addressable vserver."""

        def endpoint(obj: dict[str, Any]) -> tuple[Any, ...] | None:
            address = ip_normalizer(obj.get("ipv46"))
            if address in (None, "", "0.0.0.0", "::"):
                return None
            return address, normalize_port(obj.get("port")), str(obj.get("td") or 0)

        old, new = endpoint(have), endpoint(body)
        return old is None or new is None or old != new

    def read(self) -> tuple[dict[str, Any] | None, dict[str, dict[str, dict[str, Any]]]]:
        """The vserver (one GET) and, when it exists, its bindings (one GET of lbvserver_binding)."""
        name = self.want["name"]
        found = self.client.get("lbvserver", name)
        have = found[0] if found else None
        if have is None and self.want["state"] != "absent":
            self.check_create()
        merged = {**(SPEC.view(have) if have else {}), **{k: v for k, v in self.want.items() if v is not None}}
        if self.want["state"] != "absent":
            message = mac_mode_error(merged)
            if message:
                raise ApplianceStateError(message)
        bound = read_bindings(self.client, name) if have else {kind.option: {} for kind in BINDING_KINDS}
        return have, bound

    def plan(self, current: tuple[dict[str, Any] | None, dict[str, dict[str, dict[str, Any]]]]) -> Change:
        have, bound = current
        want = self.want
        name = want["name"]
        client = self.client
        todo = plan(SPEC, [want], {name: have} if have else {}, recreate=self.params["recreate"])
        recreate = bool(todo.recreate)
        bindings = self.plan_members(bound, recreate)
        beside = temporary_name(name) if recreate and have and self.coexists(have, todo.recreate[0]) else None
        change = Change(recreated=todo.recreated)
        if todo.changed:
            change.write(apply, client, SPEC, todo, self.rebind(bound, bindings, beside) if recreate else None)
        if bindings.changed and not recreate:
            change.write(apply_bindings, client, bindings)

        before = SPEC.view(have)
        after = {} if want["state"] == "absent" else {**before, **todo.after.get(name, {})}
        for kind in BINDING_KINDS:
            if self.members[kind.option] is not None or recreate:
                if have:
                    before[kind.option] = binding_view(bound[kind.option])
                if want["state"] != "absent":
                    after[kind.option] = bindings.after[kind.option]
        change.before, change.after = before, after
        self.extra: dict[str, Any] = {
            "services_before": sorted(bound["services"]),
            "servicegroups_before": sorted(bound["servicegroups"]),
            # from the binding rows already read: what a caller needs to count removals by backend, not by name
            "backends_before": {
                name: {"ip": row.get("ipv46"), "port": row.get("port")}
                for name, row in sorted(bound["services"].items())
            },
        }
        if recreate:
            self.extra["recreate_mode"] = "make-before-break" if beside else "delete-first"
        if want["state"] != "absent":
            shown = {**(have or {}), **{k: v for k, v in todo.after.get(name, {}).items() if k != "state"}}
            final = bound if not bindings.changed else self.predicted_bindings(name, bindings)
            change.predicted = {"lbvserver": shown, "bindings": final}
            change.read_back = lambda: {
                "lbvserver": client.get_one("lbvserver", name) or {},
                "bindings": read_bindings(client, name),
            }
        return change

    def returns(self, change: Change, shown: dict[str, Any] | None) -> dict[str, Any]:
        extra = dict(self.extra)
        if shown is not None:
            extra["lbvserver"] = shown["lbvserver"]
            extra["bindings"] = {option: list(rows.values()) for option, rows in shown["bindings"].items()}
        return extra

    @staticmethod
    def predicted_bindings(name: str, bindings: BindingPlan) -> dict[str, dict[str, dict[str, Any]]]:
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for kind in BINDING_KINDS:
            out[kind.option] = {item["name"]: kind.row(name, item) for item in bindings.after[kind.option]}
        return out


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(VserverManager)


if __name__ == "__main__":
    main()
