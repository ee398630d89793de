#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lb_servicegroup
short_description: Manage a NetScaler service group, its members and its monitors
version_added: 1.1.0
description:
  - Creates, updates, enables, disables and deletes a NITRO C(servicegroup), binds it to exactly the members
    (address and port) and monitors you list, and reports them.
  - Option names are NITRO attribute names, so the NetScaler documentation applies directly.
  - Only the options you give are compared and changed; the others keep the appliance's values.
  - "Requests: one GET of the group and one GET of all its bindings (C(servicegroup_binding)), then at most one bulk
    request per kind of change: members unbound, members whose weight changes (set in place, so they stay bound),
    members bound (with rollback), and the same for monitors. A run that changes nothing sends only the two GETs,
    however many members the group has."
  - O(servicetype) and O(td) cannot be changed by NITRO. A change fails with a message naming the attribute, its
    current and its wanted value, before anything is written, unless O(recreate=true).
author:
  - adcops.netscaler maintainers (@adcops)
options:
  servicegroupname:
    description:
      - Name of the service group. ASCII letters, digits, space and C(_), C(#), C(.), C(:), C(@), C(=), C(-),
        starting with a letter, digit or C(_); at most 127 characters.
    type: str
    required: true
  servicetype:
    description:
      - Protocol of the group's members, for example C(HTTP), C(SSL), C(TCP), C(UDP), C(ANY). Case-insensitive.
      - Required to create the group. Cannot be changed after creation.
    type: str
  td:
    description: Traffic domain (0-4094). Cannot be changed after creation.
    type: int
  maxclient:
    description: Maximum number of simultaneous client connections per member (0 = unlimited, up to 4294967294).
    type: int
  maxreq:
    description: Maximum number of requests per connection to a member (0-65535, 0 = unlimited).
    type: int
  healthmonitor:
    description: Monitor the members' health. With V(false) NITRO always shows them UP. NITRO default V(true).
    type: bool
  usip:
    description:
      - Use the client's IP address as source address towards the members (NITRO C(usip) YES/NO).
      - NITRO has no default; a group created without it follows the global C(USIP) mode
        (see M(adcops.netscaler.ns_mode)).
    type: bool
  useproxyport:
    description: With O(usip), use the appliance's proxy port instead of the client's port (NITRO YES/NO).
    type: bool
  cip:
    description: Insert the client IP address into a header of requests to the members. NITRO default V(DISABLED).
    type: str
    choices: [ENABLED, DISABLED]
  cipheader:
    description: Name of the header O(cip) inserts.
    type: str
  clttimeout:
    description: Idle client connection timeout in seconds (0-31536000).
    type: int
  svrtimeout:
    description: Idle server connection timeout in seconds (0-31536000).
    type: int
  downstateflush:
    description: Flush existing connections when a member goes DOWN. NITRO default V(ENABLED).
    type: str
    choices: [ENABLED, DISABLED]
  comment:
    description: Free-text comment.
    type: str
  state:
    description:
      - V(present) makes sure the group exists with the given options and leaves its admin state alone.
      - V(absent) deletes it, and with it its member and monitor bindings and its bindings to vservers.
      - V(enabled) and V(disabled) also create it when missing; they read C(state) and send an enable or disable
        only when needed.
    type: str
    choices: [present, absent, enabled, disabled]
    default: present
  graceful:
    description:
      - With O(state=disabled), let existing connections finish before the members go out of service.
    type: bool
  delay:
    description:
      - With O(state=disabled), seconds to wait before the members go out of service (graceful shutdown).
    type: int
  members:
    description:
      - The members to bind, each an address (O(members[].ip)) or a server object (O(members[].servername)) with a
        O(members[].port), and an optional O(members[].weight).
      - When given, the group ends bound to exactly these members (see O(purge_members)). A member is named by its
        address or server and its port, so one server can be a member on several ports. A member whose weight
        differs is set in place (NITRO C(set serviceGroup <name> <serverName> <port> -weight)), so it stays bound.
      - When omitted, the members are left alone. V([]) unbinds every member.
      - A member given by address uses the server that has that address, or NetScaler creates one named after it.
    type: list
    elements: dict
    suboptions:
      ip:
        description: IPv4 or IPv6 address of the member. Mutually exclusive with O(members[].servername).
        type: str
      servername:
        description: Name of an existing server object. Mutually exclusive with O(members[].ip).
        type: str
      port:
        description: Port of the member, a number from 1 to 65535 or C(*) (any port, which NITRO stores as 65535).
        type: raw
        required: true
      weight:
        description: Weight of the member (1-100, NITRO default 1).
        type: int
  purge_members:
    description: With O(members), unbind members that are bound but not listed. V(false) only adds and updates.
    type: bool
    default: true
  monitors:
    description:
      - Names of existing C(lbmonitor) objects to bind to the group, which then check every member.
      - When given, the group ends bound to exactly these monitors (see O(purge_monitors)); when omitted, its monitor
        bindings are left alone. The appliance's default monitors (C(tcp-default), C(ping-default)) cannot be bound
        and are never unbound.
    type: list
    elements: str
  purge_monitors:
    description: With O(monitors), unbind monitors that are bound but not listed.
    type: bool
    default: true
  keep_bound:
    description:
      - With O(state=absent), do not delete the group while an lbvserver still binds it; keep it, report it in
        RV(kept) with the vservers that use it, and warn. One GET of every vserver's service group bindings decides,
        before any delete.
      - With O(state=present), refuse before any write to change a group that exists and that lbvservers bind, none
        of them in O(keep_bound_except) - a group of the same name that serves other vservers, which this task
        would take over. The same one GET decides; a group bound by no vserver, or by one of O(keep_bound_except),
        is converged.
      - The V(false) default deletes as NITRO does, which also removes the group from every vserver.
    type: bool
    default: false
    version_added: 1.1.0
  keep_bound_except:
    description:
      - With O(keep_bound=true), lbvservers whose bindings do not keep the group - typically the vserver an earlier
        task of the same run deletes or unbinds the group from, which check mode only predicts.
    type: list
    elements: str
    version_added: 1.1.0
  recreate:
    description:
      - When an immutable attribute (O(servicetype), O(td)) differs, delete the group and add it again with the wanted
        values, then bind its members and monitors (the listed ones, or the existing ones when O(members)/O(monitors)
        is omitted) and the vservers that were bound to it. Options not given are carried over.
      - The members take no traffic between the delete and the binds. If the add fails, the group is put back as it
        was, with its bindings.
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
  - To balance over the group, bind it to a vserver with O(adcops.netscaler.lb_vserver#module:servicegroups).
seealso:
  - module: adcops.netscaler.lb_vserver
  - module: adcops.netscaler.lb_service
  - module: adcops.netscaler.lb_healthcheck
"""

EXAMPLES = r"""
- name: A service group of three web servers, checked by an HTTP monitor
  adcops.netscaler.lb_servicegroup:
    nsip: 192.0.2.10
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    servicegroupname: sg-web
    servicetype: HTTP
    members:
      - {ip: 192.0.2.21, port: 8080}
      - {ip: 192.0.2.22, port: 8080, weight: 2}
      - {servername: web-03, port: 8080}
    monitors: [http-health]

- name: Balance over it
  adcops.netscaler.lb_vserver:
    name: vs-web
    ipv46: 192.0.2.80
    port: 80
    servicetype: HTTP
    servicegroups: [sg-web]

- name: Take the group out of service, letting connections finish
  adcops.netscaler.lb_servicegroup:
    servicegroupname: sg-web
    state: disabled
    graceful: true
"""

RETURN = r"""
servicegroup:
  description:
    - The group as the appliance shows it after the task, with NITRO's attribute names (numbers as strings). In
      check mode, the current object with the planned values laid over it.
  returned: unless the group is absent
  type: dict
  sample: {"servicegroupname": "sg-web", "servicetype": "HTTP", "state": "ENABLED", "servicegroupeffectivestate": "UP"}
bindings:
  description: The group's bindings after the task, as the appliance shows them (in check mode, as planned).
  returned: unless the group is absent
  type: dict
  contains:
    members:
      description: Rows of C(servicegroup_servicegroupmember_binding) (C(ip), C(servername), C(port), C(weight),
        C(svrstate), ...).
      type: list
      elements: dict
    monitors:
      description: Rows of C(servicegroup_lbmonitor_binding) (C(monitor_name), C(monstate), ...).
      type: list
      elements: dict
members_before:
  description:
    - The group's members before the task (C(ip) or C(servername), C(port), C(weight)), from the read every run
      makes; empty when the group did not exist.
  returned: success
  type: list
  elements: dict
  version_added: 1.1.0
kept:
  description:
    - With O(keep_bound=true) and O(state=absent), the group when it was kept because an lbvserver still binds it,
      with the names of those vservers; empty otherwise.
  returned: success
  type: dict
  sample: {"sg-web": ["vs-other"]}
  version_added: 1.1.0
recreated:
  description:
    - The name of the group, as a one-item list, when it was (or, in check mode, would be) replaced because an
      immutable attribute changed; empty otherwise.
  returned: success
  type: list
  elements: str
"""

from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._binding import (
    Binding,
    BindingPlan,
    MemberId,
    apply_bindings,
    binding_view,
    plan_bindings,
    read_bindings,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import to_number
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import (
    DEFAULT_MONITORS,
    SERVICE_SERVICETYPES,
    SERVICEGROUP_BINDINGS,
    SERVICEGROUP_MEMBERS,
    SERVICEGROUP_MONITORS,
    servicetype,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import EN_DIS, Option, Options, flag
from ansible_collections.adcops.netscaler.plugins.module_utils._resource import Rebind, apply, plan
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import (
    ApplianceStateError,
    Problems,
    ip,
    nitro_name,
    port,
)

KINDS = (SERVICEGROUP_MEMBERS, SERVICEGROUP_MONITORS)
MEMBER = Options(
    Option("ip", convert=ip),
    Option("servername", convert=nitro_name),
    Option("port", type="raw", required=True, convert=port),
    Option("weight", type="int", range=(1, 100)),
)
# servicetype and td cannot be updated (NITRO reference, basic/servicegroup:
# https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/basic/servicegroup); the
# official collection's map lists them among servicegroup's immutable keys too.
OPTIONS = Options(
    Option("servicegroupname", required=True, convert=nitro_name),
    Option("servicetype", convert=servicetype(SERVICE_SERVICETYPES, "a service type"), attribute=True, immutable=True),
    Option("td", type="int", range=(0, 4094), attribute=True, immutable=True),
    Option("maxclient", type="int", range=(0, 4294967294), attribute=True),
    Option("maxreq", type="int", range=(0, 65535), attribute=True),
    Option("healthmonitor", type="bool", convert=flag, attribute=True),
    Option("usip", type="bool", convert=flag, attribute=True),
    Option("useproxyport", type="bool", convert=flag, attribute=True),
    Option("cip", choices=EN_DIS, attribute=True),
    Option("cipheader", attribute=True),
    Option("clttimeout", type="int", range=(0, 31536000), attribute=True),
    Option("svrtimeout", type="int", range=(0, 31536000), attribute=True),
    Option("downstateflush", choices=EN_DIS, attribute=True),
    Option("comment", attribute=True),
    Option("state", choices=("present", "absent", "enabled", "disabled"), default="present"),
    Option("graceful", type="bool", convert=flag),
    Option("delay", type="int", range=(0, 2**31 - 1)),
    Option("members", type="list", elements="dict", suboptions=MEMBER),
    Option("purge_members", type="bool", default=True),
    Option("monitors", type="list", elements="str"),
    Option("purge_monitors", type="bool", default=True),
    Option("keep_bound", type="bool", default=False),
    Option("keep_bound_except", type="list", elements="str"),
    Option("recreate", type="bool", default=False),
)
SPEC = OPTIONS.resource(
    "servicegroup", key="servicegroupname", state_attr="state", disable_options=("graceful", "delay"), bulk=False
)
Bound = dict[str, dict[MemberId, dict[str, Any]]]


def parse_members(items: list[dict[str, Any]] | None, problems: Problems) -> dict[MemberId, dict[str, Any]] | None:
    """``members`` items by identity (address or server, and port) -> the binding attributes to compare."""
    if items is None:
        return None
    members: dict[MemberId, dict[str, Any]] = {}
    for index, item in enumerate(items):
        where = f"members[{index}]."
        if (item.get("ip") is None) == (item.get("servername") is None):
            # NITRO answers 1092 "Arguments cannot both be specified [serverName, IP]" for both.
            problems.add(f"{where}ip and {where}servername: give exactly one of them")
            continue
        checked = MEMBER.check(item, problems, where=where)
        named = {key: checked[key] for key in ("ip", "servername", "port") if checked[key] is not None}
        member = SERVICEGROUP_MEMBERS.member(named)
        if member is None:
            continue  # a bad ip, servername or port, already reported
        if member in members:
            shown = ":".join(str(value) for _key, value in member)  # type: ignore[union-attr]
            problems.add(f"members: {shown} is listed more than once")
        members[member] = {"weight": checked["weight"]} if checked["weight"] is not None else {}
    return members


def parse_monitors(names: list[str] | None, problems: Problems) -> dict[MemberId, dict[str, Any]] | None:
    if names is None:
        return None
    monitors: dict[MemberId, dict[str, Any]] = {}
    for index, name in enumerate(names):
        checked = problems.check(nitro_name, f"monitors[{index}]", name)
        if checked in DEFAULT_MONITORS:
            # NetScaler binds these itself and refuses an explicit bind (errorcode 2165).
            problems.add(f"monitors[{index}]: {checked} is a default monitor, which NetScaler binds by itself")
        elif checked is not None:
            monitors[checked] = {}
    return monitors


class ServicegroupManager(ModuleManager):
    def validate(self) -> None:
        params = self.params
        problems = Problems()
        want = OPTIONS.check(params, problems, names=("servicegroupname", *SPEC.attributes, "graceful", "delay"))
        want["state"] = params["state"]
        if want["state"] != "disabled" and (params["graceful"] is not None or params["delay"] is not None):
            problems.add(f"graceful and delay apply only to state=disabled (got {want['state']})")
        self.want = want
        self.wanted: dict[str, dict[MemberId, dict[str, Any]] | None] = {
            "members": parse_members(params["members"], problems),
            "monitors": parse_monitors(params["monitors"], problems),
        }
        problems.raise_any()
        self.purge = {"members": params["purge_members"], "monitors": params["purge_monitors"]}
        self.name = want["servicegroupname"]

    def read(self) -> tuple[dict[str, Any] | None, Bound]:
        """The group (one GET) and, when it exists, its members and monitors (one GET of servicegroup_binding)."""
        have = self.client.get_one("servicegroup", self.name)
        if have is None and self.want["state"] != "absent" and self.want["servicetype"] is None:
            raise ApplianceStateError(
                f"servicegroup {self.name} does not exist; give servicetype to create it (or check the name)"
            )
        if have is None:
            return None, {kind.option: {} for kind in KINDS}
        bound = read_bindings(self.client, "servicegroup", self.name, KINDS)
        # The appliance's own monitors are neither bound nor unbound by anyone (errorcodes 2165 and 2164).
        bound["monitors"] = {m: row for m, row in bound["monitors"].items() if m not in DEFAULT_MONITORS}
        return have, bound

    def plan(self, current: tuple[dict[str, Any] | None, Bound]) -> Change:
        have, bound = current
        name, client = self.name, self.client
        self.members_before = [
            {key: row[key] for key in ("ip", "servername", "port", "weight") if row.get(key) not in (None, "")}
            for row in bound["members"].values()
        ]
        self.kept: dict[str, list[str]] = {}
        if have and self.params["keep_bound"]:
            binders = {
                str(row.get("name"))
                for row in client.get(SERVICEGROUP_BINDINGS.resource, bulkbindings=True)
                if str(row.get("servicegroupname") or row.get("servicename")) == name
            }
            excepted = set(self.params["keep_bound_except"] or ())
            users = sorted(binders - excepted)
            if self.want["state"] != "absent" and users and not binders & excepted:
                raise ApplianceStateError(
                    f"servicegroupname: a servicegroup named {name!r} exists and lbvserver(s) {', '.join(users)} bind "
                    f"it, none of {sorted(excepted)}: it serves other vservers and this task would change its "
                    "members for them; nothing was written. Unbind or delete the "
                    "existing one first, or use another group name"
                )
            if self.want["state"] == "absent" and users:
                self.kept = {name: users}
                self.nitro.warn(f"kept servicegroup {name!r}: lbvserver(s) {', '.join(users)} still bind it")
                view = SPEC.view(have)
                return Change(before=view, after=view, predicted={})
        todo = plan(SPEC, [self.want], {name: have} if have else {}, recreate=self.params["recreate"])
        recreate = bool(todo.recreate)
        bindings = self.plan_bindings(bound, recreate)
        change = Change(recreated=todo.recreated)
        if todo.changed:
            change.write(apply, client, SPEC, todo, self.rebind(bound, bindings) if recreate else None)
        if bindings.changed and not recreate:
            change.write(apply_bindings, client, bindings)

        before = SPEC.view(have)
        after = {} if self.want["state"] == "absent" else {**before, **todo.after.get(name, {})}
        for kind in KINDS:
            if self.wanted[kind.option] is not None or recreate:
                if have:
                    before[kind.option] = binding_view(kind, bound[kind.option])
                if self.want["state"] != "absent":
                    after[kind.option] = bindings.after[kind.option]
        change.before, change.after = before, after
        if self.want["state"] != "absent":
            shown = {**(have or {}), **{k: v for k, v in todo.after.get(name, {}).items() if k != "state"}}
            rows = (
                {kind.option: [kind.row(name, item) for item in bindings.after[kind.option]] for kind in KINDS}
                if bindings.changed
                else {kind.option: list(bound[kind.option].values()) for kind in KINDS}
            )
            change.predicted = {"servicegroup": shown, "bindings": rows}
            change.read_back = self.read_back
        return change

    def read_back(self) -> dict[str, Any]:
        bound = read_bindings(self.client, "servicegroup", self.name, KINDS)
        return {
            "servicegroup": self.client.get_one("servicegroup", self.name) or {},
            "bindings": {option: list(rows.values()) for option, rows in bound.items()},
        }

    def plan_bindings(self, bound: Bound, recreate: bool) -> BindingPlan:
        if self.want["state"] == "absent":
            return BindingPlan()
        if not recreate:
            return plan_bindings(self.name, KINDS, self.wanted, bound, self.purge)
        # A recreated group is bound again: the wanted members and monitors, plus the existing ones where not purged.
        again: dict[str, dict[MemberId, dict[str, Any]]] = {}
        for kind in KINDS:
            old = {member: self.attrs(kind, row) for member, row in bound[kind.option].items()}
            given = self.wanted[kind.option]
            if given is None:
                again[kind.option] = old
            elif self.purge[kind.option]:
                again[kind.option] = given
            else:
                again[kind.option] = {**old, **given}
        return plan_bindings(self.name, KINDS, again, {}, {})

    @staticmethod
    def attrs(kind: Binding, row: dict[str, Any]) -> dict[str, Any]:
        return {key: to_number(row[key]) for key in kind.attributes if row.get(key) not in (None, "")}

    def rebind(self, bound: Bound, bindings: BindingPlan) -> Rebind:
        """Delete-first: the replacement gets the planned members and monitors and the vservers the group was bound
        to (NetScaler removes those bindings with the group); a failed re-add puts the old bindings back."""
        vservers = [
            body
            for row in self.client.get(SERVICEGROUP_BINDINGS.resource, bulkbindings=True)
            if str(row.get("servicegroupname") or row.get("servicename")) == self.name
            and (body := SERVICEGROUP_BINDINGS.bind_body(row)) is not None
        ]
        old = {kind.option: {m: self.attrs(kind, row) for m, row in bound[kind.option].items()} for kind in KINDS}
        restore = plan_bindings(self.name, KINDS, old, {}, {})

        def bind(todo: BindingPlan) -> None:
            apply_bindings(self.client, todo)
            if vservers:
                self.client.bind_bulk(SERVICEGROUP_BINDINGS.resource, vservers, onerror="rollback")

        count = sum(len(rows) for rows in bound.values()) + len(vservers)
        return Rebind(
            bind=lambda: bind(bindings),
            restore=lambda: bind(restore),
            described=f"{count} binding(s)",
            listing={**bindings.bind, SERVICEGROUP_BINDINGS.resource: vservers},
        )

    def returns(self, change: Change, shown: dict[str, Any] | None) -> dict[str, Any]:
        extra = {"members_before": self.members_before, "kept": self.kept}
        return {**shown, **extra} if shown else extra


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(ServicegroupManager)


if __name__ == "__main__":
    main()
