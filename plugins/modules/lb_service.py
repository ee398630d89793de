#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lb_service
short_description: Manage NetScaler load balancing services, one or hundreds per task
version_added: 1.0.0
description:
  - Creates, updates, enables, disables and deletes NITRO C(service) objects, the backends of a load balancing pool.
  - Option names are NITRO attribute names, so the NetScaler documentation applies directly.
  - B(Single mode) manages the service given by O(name). B(List mode) manages every item of O(services); the
    top-level options are defaults for every item. A list converges with a constant number of NITRO requests
    however long it is (one GET of all services, then at most one bulk request per kind of change (add with
    rollback, update, enable, disable, delete) and one GET to return the result), so a 500-member pool does not
    cost 500 round trips.
  - Only the options you give are compared and changed; the others keep the appliance's values.
  - O(servicetype), O(port), O(servername) and O(td) cannot be changed by NITRO. A change fails with a message
    naming the attribute, its current and its wanted value, before anything is written, unless O(recreate=true).
author:
  - adcops.netscaler maintainers (@adcops)
options:
  name:
    description:
      - Name of the service (single mode). Cannot be changed after creation.
      - ASCII letters, digits, space and C(_), C(#), C(.), C(:), C(@), C(=), C(-),
        starting with a letter, digit or C(_); at most 127
        characters (NITRO name rule).
      - Mutually exclusive with O(services); one of them is required.
    type: str
  state:
    description:
      - V(present) makes sure the service exists with the given options and leaves its admin state alone.
      - V(absent) deletes it (and with it its bindings).
      - V(enabled) and V(disabled) also create it when missing; they read C(svrstate) and send an enable or
        disable only when needed (C(OUT OF SERVICE) and C(GOING OUT OF SERVICE) count as disabled).
      - In list mode this is the default for every item.
    type: str
    choices: [present, absent, enabled, disabled]
    default: present
  ip:
    description:
      - IPv4 or IPv6 address of the backend. Mutually exclusive with O(servername).
      - NITRO takes C(ip) when adding and reports and updates it as C(ipaddress) (the module handles that). If no
        server object has this address, NITRO creates one named after the address.
      - Changing it updates the address of the service's server object.
    type: str
  servername:
    description:
      - Name of an existing server object to use instead of O(ip). Cannot be changed after creation.
    type: str
  servicetype:
    description:
      - Protocol of the service, for example C(HTTP), C(SSL), C(TCP), C(UDP), C(ANY), C(DNS). Case-insensitive.
      - Required to create a service. Cannot be changed after creation.
      - Direct Server Return backends use C(ANY) with O(port=*) and O(usip=true).
    type: str
  port:
    description:
      - Port of the backend, a number from 1 to 65535 or C(*) (any port, which NITRO stores as 65535).
      - Required to create a service. Cannot be changed after creation.
    type: raw
  td:
    description: Traffic domain (0-4094). Cannot be changed after creation.
    type: int
  usip:
    description:
      - Use the client's IP address as source address towards the backend (NITRO C(usip) YES/NO).
      - NITRO has no default; a service created without it follows the global C(USIP) mode
        (see M(adcops.netscaler.ns_mode)).
    type: bool
  useproxyport:
    description: With O(usip), use the appliance's proxy port instead of the client's port (NITRO YES/NO).
    type: bool
  healthmonitor:
    description: Monitor the service's health. With V(false) NITRO always shows the service UP. NITRO default V(true).
    type: bool
  maxclient:
    description: Maximum number of simultaneous client connections (0 = unlimited, up to 4294967294).
    type: int
  cip:
    description: Insert the client IP address into a header of requests to the backend. NITRO default V(DISABLED).
    type: str
    choices: [ENABLED, DISABLED]
  cipheader:
    description: Name of the header O(cip) inserts.
    type: str
  downstateflush:
    description: Flush existing connections when the service goes DOWN. NITRO default V(ENABLED).
    type: str
    choices: [ENABLED, DISABLED]
  comment:
    description: Free-text comment.
    type: str
  graceful:
    description:
      - With O(state=disabled), let existing connections finish before the service goes out of service.
    type: bool
  delay:
    description:
      - With O(state=disabled), seconds to wait before the service goes out of service (graceful shutdown).
    type: int
  services:
    description:
      - List mode. Every item takes the same keys as the top-level options (O(name) is required in each item);
        a key an item does not set takes the top-level value.
      - Items are converged together with bulk NITRO requests.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the service.
        type: str
        required: true
      state:
        description: See O(state).
        type: str
        choices: [present, absent, enabled, disabled]
      ip:
        description: See O(ip).
        type: str
      servername:
        description: See O(servername).
        type: str
      servicetype:
        description: See O(servicetype).
        type: str
      port:
        description: See O(port).
        type: raw
      td:
        description: See O(td).
        type: int
      usip:
        description: See O(usip).
        type: bool
      useproxyport:
        description: See O(useproxyport).
        type: bool
      healthmonitor:
        description: See O(healthmonitor).
        type: bool
      maxclient:
        description: See O(maxclient).
        type: int
      cip:
        description: See O(cip).
        type: str
        choices: [ENABLED, DISABLED]
      cipheader:
        description: See O(cipheader).
        type: str
      downstateflush:
        description: See O(downstateflush).
        type: str
        choices: [ENABLED, DISABLED]
      comment:
        description: See O(comment).
        type: str
      graceful:
        description: See O(graceful).
        type: bool
      delay:
        description: See O(delay).
        type: int
  recreate:
    description:
      - When an immutable attribute (O(servicetype), O(port), O(servername), O(td)) differs, replace the service by
        one with the wanted values, with its lbvserver bindings and custom monitor bindings.
      - Options not given are carried over from the existing service.
      - The bindings are read with two GETs for all recreated services together, and restored with one bulk
        bind per binding type.
      - B(Make-before-break) when the replacement uses another server, port or traffic domain. The replacements
        are added under the temporary names C(<name>-recreate) and bound (monitors, then vservers), then the
        originals are deleted and the replacements renamed into place (NITRO C(rename), one bulk request each).
        The vservers never lose the member; while both are bound (between two requests) they balance over both.
        If the add or the bind of the replacements fails, the originals are left as they were and the task fails
        saying so.
      - B(Delete-first) when only O(servicetype) changes on the same server and port (NetScaler is assumed not to
        hold both; inferred, not verified on an appliance). The vservers lack the member for two requests (the add
        and the bind). If the re-add fails (NITRO rejects a new value), the services are put back exactly as they
        were, with their bindings, weights and monitor bindings, and the task fails saying so. If putting them back
        fails too, the task fails listing everything that was removed and not restored.
    type: bool
    default: false
  keep_bound:
    description:
      - With O(state=absent), do not delete a service that an lbvserver still binds; keep it, report it in
        RV(kept) with the vservers that use it, and warn. One GET of every vserver binding decides, before any
        delete.
      - The V(false) default deletes as NITRO does, which also removes the service from every vserver.
    type: bool
    default: false
  keep_bound_except:
    description:
      - With O(keep_bound=true), lbvservers whose bindings do not keep a service - typically the vserver an
        earlier task of the same run unbinds the services from. In check mode that task only predicts the unbind,
        so without this the check run would keep services that the real run deletes.
    type: list
    elements: str
    version_added: 1.1.0
  delete_if_comment:
    description:
      - With O(state=absent), delete only the services whose C(comment) starts with this text - those a role or
        playbook marked as its own - and keep the others (reported in RV(kept)). A service made by hand is then
        never deleted by a run that only stopped using it.
    type: str
    version_added: 1.1.0
  purge_servers:
    description:
      - With O(state=absent) (or items with C(state=absent)), also delete the C(server) object of each deleted
        service when NITRO created it for that service - it is named after its own address - and nothing else
        uses it - no other service, servicegroup member or GSLB service, and it has no comment. Other servers
        stay.
      - NITRO keeps a server when its service is deleted, so without this a removed pool leaves one server object
        per member behind. Removing a server may also remove the services and servicegroup members that use it
        (inferred, not verified on an appliance), hence the checks, read with one GET each of the services,
        servicegroup members, GSLB services and servers.
    type: bool
    default: false
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.actiongroup_nitro
  - adcops.netscaler.attributes.full_support
notes:
  - Check mode sends only GET requests (and login/logout).
  - A second identical run reports no change and sends only GET requests.
seealso:
  - module: adcops.netscaler.lb_vserver
  - module: adcops.netscaler.ns_mode
"""

EXAMPLES = r"""
- name: One HTTP backend
  adcops.netscaler.lb_service:
    nsip: 192.0.2.10
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    name: web-01
    ip: 10.0.1.11
    servicetype: HTTP
    port: 80

- name: A whole DSR pool in one task (top-level options are defaults for every item)
  adcops.netscaler.lb_service:
    servicetype: ANY
    port: "*"
    usip: true
    healthmonitor: true
    services: "{{ pool_members }}"
  vars:
    pool_members:
      - {name: dsr-01, ip: 10.0.2.11}
      - {name: dsr-02, ip: 10.0.2.12}
      - {name: dsr-03, ip: 10.0.2.13, state: disabled}

- name: Drain a backend gracefully
  adcops.netscaler.lb_service:
    name: web-01
    state: disabled
    graceful: true
    delay: 30

- name: Move a backend to another port (port is immutable; bindings are restored)
  adcops.netscaler.lb_service:
    name: web-01
    port: 8080
    recreate: true

- name: Remove backends
  adcops.netscaler.lb_service:
    state: absent
    services:
      - name: dsr-02
      - name: dsr-03
"""

RETURN = r"""
service:
  description:
    - The service as the appliance shows it after the task (single mode), with NITRO's attribute names
      (C(ipaddress), C(svrstate), numbers as strings). In check mode, the predicted managed attributes.
  returned: single mode, unless the service is absent
  type: dict
  sample: {"name": "web-01", "ipaddress": "10.0.1.11", "servicetype": "HTTP", "port": "80", "svrstate": "UP"}
services:
  description:
    - List mode, the services of the list as the appliance shows them after the task (absent ones left out).
  returned: list mode
  type: list
  elements: dict
summary:
  description: How many services were (or in check mode would be) added, updated, enabled, disabled, deleted and
    recreated.
  returned: success
  type: dict
  sample: {"added": 500, "updated": 0, "deleted": 0, "enabled": 0, "disabled": 0, "recreated": 0}
kept:
  description:
    - With O(keep_bound=true), the services that were to be deleted but are kept because an lbvserver still binds
      them, each with the names of those vservers.
  returned: success
  type: dict
  sample: {"web-01": ["vs-other"]}
recreated:
  description: Names of the services that were replaced because an immutable attribute changed.
  returned: success
  type: list
  elements: str
recreated_beside:
  description: Those of RV(recreated) replaced make-before-break (see O(recreate)); the others were delete-first.
  returned: success
  type: list
  elements: str
deleted_servers:
  description: Names of the server objects O(purge_servers) deleted (or would delete in check mode).
  returned: success
  type: list
  elements: str
"""

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._compare import normalize_port
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import (
    SERVICE_SERVICETYPES,
    ip_normalizer,
    service_bindings,
    servicetype,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import EN_DIS, Option, Options, flag
from ansible_collections.adcops.netscaler.plugins.module_utils._resource import (
    Plan,
    Rebind,
    apply,
    index_by,
    plan,
    recreate_beside_bulk,
    temporary_name,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import (
    ApplianceStateError,
    InvalidOptions,
    Problems,
    ip,
    nitro_name,
    port,
)

STATES = ("present", "absent", "enabled", "disabled")
# The options a list item takes (the top-level ones are every item's defaults); the NITRO attributes among them
# are what the module manages.
# NITRO takes `ip` when adding and reads and updates it as `ipaddress`; servicetype, port, servername and td cannot
# be updated (NITRO reference, basic/service:
# https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/basic/service).
ITEM = Options(
    Option("name", convert=nitro_name),
    Option("state", choices=STATES, default="present"),
    Option("ip", convert=ip, attribute=True, read_as="ipaddress", update_as="ipaddress", normalizer=ip_normalizer),
    Option("servername", convert=nitro_name, attribute=True, immutable=True),
    Option("servicetype", convert=servicetype(SERVICE_SERVICETYPES, "a service type"), attribute=True, immutable=True),
    Option("port", type="raw", convert=port, attribute=True, immutable=True, normalizer=normalize_port),
    Option("td", type="int", range=(0, 4094), attribute=True, immutable=True),
    Option("usip", type="bool", convert=flag, attribute=True),
    Option("useproxyport", type="bool", convert=flag, attribute=True),
    Option("healthmonitor", type="bool", convert=flag, attribute=True),
    Option("maxclient", type="int", range=(0, 4294967294), attribute=True),
    Option("cip", choices=EN_DIS, attribute=True),
    Option("cipheader", attribute=True),
    Option("downstateflush", choices=EN_DIS, attribute=True),
    Option("comment", attribute=True),
    Option("graceful", type="bool", convert=flag),
    Option("delay", type="int", range=(0, 2**31 - 1)),
)
OPTIONS = Options(
    *ITEM,
    Option("services", type="list", elements="dict", suboptions=ITEM.item_options()),
    Option("recreate", type="bool", default=False),
    Option("keep_bound", type="bool", default=False),
    Option("keep_bound_except", type="list", elements="str"),
    Option("delete_if_comment"),
    Option("purge_servers", type="bool", default=False),
)
SPEC = ITEM.resource(
    "service", state_attr="svrstate", disable_options=("graceful", "delay"), carry_one_of=("servername", "ip")
)


def normalize_item(raw: dict[str, Any], where: str, problems: Problems) -> dict[str, Any]:
    """One wanted service in NITRO's spelling; each bad value adds a message naming the option."""
    if raw.get("ip") is not None and raw.get("servername") is not None:
        # NITRO answers 1092 "Arguments cannot both be specified [serverName, IP]".
        problems.add(f"{where}ip and {where}servername are mutually exclusive; give one of them")
    item = ITEM.check(raw, problems, where=where)
    if item["state"] != "disabled" and (item["graceful"] is not None or item["delay"] is not None):
        problems.add(f"{where}graceful and {where}delay apply only to state=disabled (got {item['state']})")
    return item


class ServiceManager(ModuleManager):
    def validate(self) -> None:
        params = self.params
        self.list_mode = params["services"] is not None
        if self.list_mode and params["name"] is not None:
            raise InvalidOptions("name and services are mutually exclusive: name for one service, services for many")
        if not self.list_mode and params["name"] is None:
            raise InvalidOptions("give name (one service) or services (a list of services)")
        defaults = {key: params.get(key) for key in ITEM.names if key != "name"}
        raws: list[tuple[dict[str, Any], str]] = []
        if self.list_mode:
            for index, raw in enumerate(params["services"]):
                merged = {**defaults, **{k: v for k, v in raw.items() if v is not None}}
                # An item that names its own ip must not inherit a top-level servername and vice versa.
                if raw.get("ip") is not None and raw.get("servername") is None:
                    merged["servername"] = None
                if raw.get("servername") is not None and raw.get("ip") is None:
                    merged["ip"] = None
                raws.append((merged, f"services[{index}]."))
        else:
            raws.append(({**defaults, "name": params["name"]}, ""))
        problems = Problems()
        self.items: list[dict[str, Any]] = []
        seen: set[str] = set()
        for raw, where in raws:
            item = normalize_item(raw, where, problems)
            if item["name"] in seen:
                problems.add(f"services: {item['name']!r} is listed more than once")
            seen.add(item["name"])
            self.items.append(item)
        problems.raise_any()

    def read(self) -> dict[str, dict[str, Any]]:
        """One GET: the named service in single mode, every service in list mode."""
        if self.list_mode:
            return index_by(self.client.get("service"), "name")
        return index_by(self.client.get("service", self.items[0]["name"]), "name")

    def check_creatable(self, existing: dict[str, dict[str, Any]]) -> None:
        missing = []
        for item in self.items:
            if item["state"] == "absent" or item["name"] in existing:
                continue
            need = [key for key in ("servicetype", "port") if item[key] is None]
            if item["ip"] is None and item["servername"] is None:
                need.append("ip or servername")
            if need:
                missing.append(f"{item['name']} ({', '.join(need)})")
        if missing:
            shown = "; ".join(missing[:10]) + (f"; and {len(missing) - 10} more" if len(missing) > 10 else "")
            raise ApplianceStateError(f"cannot create missing service(s) without the options NITRO requires: {shown}")

    def rebind(self, names: list[str], temps: dict[str, str] | None = None) -> Rebind:
        """A recreate restores each service's vserver bindings (weight, order) and custom monitor bindings. With
        ``temps`` (name -> temporary name) the replacements added beside the originals are bound instead."""
        vs_binds, mon_binds = service_bindings(self.client, set(names))

        def bind_to(rename: dict[str, str]) -> None:
            mons = [{**b, "name": rename.get(b["name"], b["name"])} for b in mon_binds]
            vss = [{**b, "servicename": rename.get(b["servicename"], b["servicename"])} for b in vs_binds]
            if mons:
                self.client.bind_bulk("service_lbmonitor_binding", mons, onerror="rollback")
            if vss:
                self.client.bind_bulk("lbvserver_service_binding", vss, onerror="rollback")

        described = f"{len(vs_binds)} vserver binding(s) and {len(mon_binds)} monitor binding(s)"
        bind = partial(bind_to, {})
        rebind = Rebind(bind=bind, restore=bind, described=described, listing=vs_binds + mon_binds)
        if temps:
            rebind.bind_beside = partial(bind_to, temps)
        return rebind

    @staticmethod
    def coexists(have: dict[str, Any], body: dict[str, Any]) -> bool:
        """Can NetScaler hold the replacement beside the original? Not on the same server, port and traffic domain
        (a change of servicetype alone); inferred, not verified on an appliance, so such a change stays delete-first."""
        same_server = (body.get("servername") is not None and body["servername"] == have.get("servername")) or (
            body.get("ip") is not None and ip_normalizer(body["ip"]) == ip_normalizer(have.get("ipaddress"))
        )
        same_port = normalize_port(body.get("port")) == normalize_port(have.get("port"))
        return not (same_server and same_port and str(body.get("td") or 0) == str(have.get("td") or 0))

    def converge(self, todo: Plan, existing: dict[str, dict[str, Any]]) -> tuple[Callable[[], None], dict[str, str]]:
        """The write of the plan: recreates beside the originals where NetScaler can hold both (make-before-break),
        the others delete-first with the rest of the plan. Returns it with the temporary names used."""
        beside = [body for body in todo.recreate if self.coexists(existing[str(body["name"])], body)]
        temps = {str(body["name"]): temporary_name(str(body["name"])) for body in beside}
        first = [body for body in todo.recreate if str(body["name"]) not in temps]
        rest = replace(
            todo,
            recreate=first,
            restore=[body for body in todo.restore if str(body["name"]) not in temps],
        )
        first_rebind = self.rebind([str(body["name"]) for body in first]) if first else None
        beside_rebind = self.rebind(list(temps), temps) if temps else None

        def write() -> None:
            if beside_rebind is not None:
                recreate_beside_bulk(self.client, SPEC, beside, temps, beside_rebind)
            apply(self.client, SPEC, rest, first_rebind)

        return write, temps

    def plan(self, current: dict[str, dict[str, Any]]) -> Change:
        existing = current
        self.check_creatable(existing)
        todo = plan(SPEC, self.items, existing, recreate=self.params["recreate"])
        kept = self.keep_unmarked(todo, existing) if self.params["delete_if_comment"] is not None else {}
        if self.params["keep_bound"] and todo.delete:
            kept.update(self.keep_bound(todo))
        servers = self.unused_servers(todo.delete, existing) if self.params["purge_servers"] and todo.delete else []
        write, temps = self.converge(todo, existing)
        change = Change(recreated=todo.recreated)
        if todo.changed:
            change.write(write)
        if servers:
            change.write(self.client.delete_bulk, "server", [{"name": server} for server in servers])

        wanted = [item["name"] for item in self.items if item["state"] != "absent"]
        change.predicted = [self.predicted(name, existing, todo.after) for name in wanted]

        def read_back() -> list[dict[str, Any]]:
            final = self.read()
            return [final[name] for name in wanted if name in final]

        change.read_back = read_back
        self.extra: dict[str, Any] = {
            "summary": todo.counts,
            "recreated_beside": sorted(temps),
            "kept": kept,
            "deleted_servers": servers,
        }
        if self.list_mode:
            change.before, change.after = todo.before, todo.after
        else:
            name = self.items[0]["name"]
            change.before, change.after = todo.before.get(name, {}), todo.after.get(name, {})
            if not todo.changed:
                change.before = change.after = SPEC.view(existing.get(name))
        return change

    def returns(self, change: Change, shown: list[dict[str, Any]]) -> dict[str, Any]:
        extra = dict(self.extra)
        if self.list_mode:
            extra["services"] = shown
        elif shown:
            extra["service"] = shown[0]
        return extra

    def keep_unmarked(self, todo: Plan, existing: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
        """Drop from the deletes every service whose comment does not carry the given mark (no extra request)."""
        mark = self.params["delete_if_comment"]
        kept = {name: [] for name in todo.delete if not str(existing[name].get("comment") or "").startswith(mark)}
        for name in kept:
            self.nitro.warn(
                f"kept service {name!r}: its comment does not start with {mark!r}, so this run did not make it"
            )
        self.drop_deletes(todo, kept)
        return kept

    @staticmethod
    def drop_deletes(todo: Plan, kept: dict[str, Any]) -> None:
        for name in kept:
            todo.before.pop(name, None)
            todo.after.pop(name, None)
        todo.delete = [name for name in todo.delete if name not in kept]

    def keep_bound(self, todo: Plan) -> dict[str, list[str]]:
        """Drop from the deletes every service an lbvserver still binds (one GET of all those bindings)."""
        users: dict[str, list[str]] = {}
        ignored = set(self.params["keep_bound_except"] or ())
        for row in self.client.get("lbvserver_service_binding", bulkbindings=True):
            if str(row.get("name")) in ignored:
                continue
            users.setdefault(str(row.get("servicename")), []).append(str(row.get("name")))
        kept = {name: sorted(users[name]) for name in todo.delete if name in users}
        for name, vservers in kept.items():
            self.nitro.warn(f"kept service {name!r}: lbvserver(s) {', '.join(vservers)} still bind it")
        self.drop_deletes(todo, kept)
        return kept

    def unused_servers(self, deleted: list[str], existing: dict[str, dict[str, Any]]) -> list[str]:
        """Servers NITRO created for the deleted services (named after their address) that nothing else uses.
        Removing a server may remove its services too, so every user is looked for first."""
        client = self.client
        gone = set(deleted)
        candidates = {
            str(have["servername"])
            for name, have in existing.items()
            if name in gone and have.get("servername") and have.get("servername") == have.get("ipaddress")
        }
        if not candidates:
            return []
        services = existing if self.list_mode else index_by(client.get("service"), "name")
        used = {str(svc.get("servername")) for name, svc in services.items() if name not in gone}
        for row in client.get("servicegroup_servicegroupmember_binding", bulkbindings=True):
            # a member added by address uses the server named after it; rows carry servername, ip or both
            used.update(str(row.get(key)) for key in ("servername", "ip") if row.get(key))
        used.update(str(row.get("servername")) for row in client.get("gslbservice"))
        servers = index_by(client.get("server"), "name")
        return sorted(name for name in candidates - used if name in servers and not servers[name].get("comment"))

    @staticmethod
    def predicted(name: str, existing: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> dict:
        """Check mode or no change: the appliance's object, with the planned values laid over it."""
        shown = dict(existing.get(name) or {})
        for key, value in after.get(name, {}).items():
            if key != "state":
                shown[SPEC.read_as.get(key, key)] = value
        return shown


def main() -> None:
    NitroModule(
        OPTIONS.argument_spec(), mutually_exclusive=[["name", "services"]], required_one_of=[["name", "services"]]
    ).run(ServiceManager)


if __name__ == "__main__":
    main()
