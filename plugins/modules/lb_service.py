#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lb_service
short_description: Manage NetScaler load balancing services, one or hundreds per task
version_added: 0.1.0
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
      state:
        description: See O(state).
        type: str
        choices: [present, absent, enabled, disabled]
      graceful:
        description: See O(graceful).
        type: bool
      delay:
        description: See O(delay).
        type: int
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
  graceful:
    description:
      - With O(state=disabled), let existing connections finish before the service goes out of service.
    type: bool
  delay:
    description:
      - With O(state=disabled), seconds to wait before the service goes out of service (graceful shutdown).
    type: int
  recreate:
    description:
      - When an immutable attribute (O(servicetype), O(port), O(servername), O(td)) differs, delete the service
        and add it again with the wanted values, then restore its lbvserver bindings and custom monitor bindings.
      - Options not given are carried over from the existing service.
      - The bindings are read with two GETs for all recreated services together, and restored with one bulk
        bind per binding type.
      - If the re-add fails (NITRO rejects a new value), the services are put back exactly as they were, with
        their bindings, weights and monitor bindings, and the task fails saying so. If putting them back fails too,
        the task fails listing everything that was removed and not restored.
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
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
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
  description: Names of the services that were deleted and added again because an immutable attribute changed.
  returned: success
  type: list
  elements: str
deleted_servers:
  description: Names of the server objects O(purge_servers) deleted (or would delete in check mode).
  returned: success
  type: list
  elements: str
"""

from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient, NitroError
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import normalize_port
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import (
    DEFAULT_MONITORS,
    SERVICE_SERVICETYPES,
    check_ip,
    check_name,
    check_range,
    check_servicetype,
    immutable_error,
    ip_normalizer,
    parse_port,
    yes_no,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._module import (
    ModuleManager,
    NitroModule,
    ParameterError,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._resource import (
    Plan,
    ResourceSpec,
    apply,
    index_by,
    plan,
)

# POST takes `ip`, GET returns and PUT expects `ipaddress` (nitro_api.md §2.2, COLL NITRO_ATTRIBUTES_ALIASES).
SPEC = ResourceSpec(
    resource="service",
    attributes=(
        "ip",
        "servername",
        "servicetype",
        "port",
        "td",
        "usip",
        "useproxyport",
        "healthmonitor",
        "maxclient",
        "cip",
        "cipheader",
        "downstateflush",
        "comment",
    ),
    # COLL immutable_keys for service (nitro_api.md §2.2); NITRO rejects them in a PUT.
    immutable=("servicetype", "port", "servername", "td"),
    read_as={"ip": "ipaddress"},
    update_as={"ip": "ipaddress"},
    normalizers={"ip": ip_normalizer, "port": normalize_port},
    state_attr="svrstate",
    disable_options=("graceful", "delay"),
)
ITEM_KEYS = (*SPEC.attributes, "name", "state", "graceful", "delay")
STATES = ["present", "absent", "enabled", "disabled"]
EN_DIS = ["ENABLED", "DISABLED"]

OPTION_SPEC: dict[str, dict[str, Any]] = {
    "ip": {"type": "str"},
    "servername": {"type": "str"},
    "servicetype": {"type": "str"},
    "port": {"type": "raw"},
    "td": {"type": "int"},
    "usip": {"type": "bool"},
    "useproxyport": {"type": "bool"},
    "healthmonitor": {"type": "bool"},
    "maxclient": {"type": "int"},
    "cip": {"type": "str", "choices": EN_DIS},
    "cipheader": {"type": "str"},
    "downstateflush": {"type": "str", "choices": EN_DIS},
    "comment": {"type": "str"},
    "graceful": {"type": "bool"},
    "delay": {"type": "int"},
}


def item_spec() -> dict[str, dict[str, Any]]:
    return {"name": {"type": "str", "required": True}, "state": {"type": "str", "choices": STATES}, **OPTION_SPEC}


def argument_spec() -> dict[str, dict[str, Any]]:
    return {
        "name": {"type": "str"},
        "services": {"type": "list", "elements": "dict", "options": item_spec()},
        "state": {"type": "str", "choices": STATES, "default": "present"},
        "recreate": {"type": "bool", "default": False},
        "keep_bound": {"type": "bool", "default": False},
        "purge_servers": {"type": "bool", "default": False},
        **OPTION_SPEC,
    }


def normalize_item(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """One wanted service in NITRO's spelling; raises ParameterError naming the option."""
    item = {key: raw.get(key) for key in ITEM_KEYS}
    item["name"] = check_name(f"{where}name", item["name"])
    if item["ip"] is not None and item["servername"] is not None:
        # NITRO answers 1092 "Arguments cannot both be specified [serverName, IP]" (nitro_api.md §1.6).
        raise ParameterError(f"{where}ip and {where}servername are mutually exclusive; give one of them")
    item["ip"] = check_ip(f"{where}ip", item["ip"])
    if item["servername"] is not None:
        item["servername"] = check_name(f"{where}servername", item["servername"])
    item["port"] = parse_port(f"{where}port", item["port"])
    item["servicetype"] = check_servicetype(f"{where}servicetype", item["servicetype"], SERVICE_SERVICETYPES, "a")
    check_range(f"{where}td", item["td"], 0, 4094)
    check_range(f"{where}maxclient", item["maxclient"], 0, 4294967294)
    check_range(f"{where}delay", item["delay"], 0, 2**31 - 1)
    for flag in ("usip", "useproxyport", "healthmonitor", "graceful"):
        item[flag] = yes_no(item[flag])
    if item["state"] != "disabled" and (item["graceful"] is not None or item["delay"] is not None):
        raise ParameterError(f"{where}graceful and {where}delay apply only to state=disabled (got {item['state']})")
    return item


class ServiceManager(ModuleManager):
    def validate(self) -> None:
        params = self.params
        self.list_mode = params["services"] is not None
        if self.list_mode and params["name"] is not None:
            raise ParameterError("name and services are mutually exclusive: name for one service, services for many")
        if not self.list_mode and params["name"] is None:
            raise ParameterError("give name (one service) or services (a list of services)")
        defaults = {key: params.get(key) for key in ITEM_KEYS if key != "name"}
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
        self.items: list[dict[str, Any]] = []
        seen: set[str] = set()
        for raw, where in raws:
            item = normalize_item(raw, where)
            if item["name"] in seen:
                raise ParameterError(f"services: {item['name']!r} is listed more than once")
            seen.add(item["name"])
            self.items.append(item)

    # -- reads -------------------------------------------------------------------------------------------------

    def read(self) -> dict[str, dict[str, Any]]:
        """One GET: the named service in single mode, every service in list mode."""
        if self.list_mode:
            return index_by(self.client.get("service"), "name")
        return index_by(self.client.get("service", self.items[0]["name"]), "name")

    def read_bindings(self, names: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The lbvserver and custom monitor bindings of the services to recreate: one GET per binding type
        for all of them (``?bulkbindings=yes`` lists every binding of a type, NITRO reference "get (all)")."""
        client: NitroClient = self.client
        vs_rows = [
            row for row in client.get("lbvserver_service_binding", bulkbindings=True) if row.get("servicename") in names
        ]
        mon_rows = [
            row
            for row in client.get("service_lbmonitor_binding", bulkbindings=True)
            if row.get("name") in names and row.get("monitor_name") not in DEFAULT_MONITORS
        ]
        vs_binds = []
        for row in vs_rows:
            body = {"name": row["name"], "servicename": row["servicename"]}
            for key in ("weight", "order"):
                if row.get(key) not in (None, ""):
                    body[key] = int(float(row[key]))
            vs_binds.append(body)
        mon_binds = []
        for row in mon_rows:
            body = {"name": row["name"], "monitor_name": row["monitor_name"]}
            if row.get("weight") not in (None, ""):
                body["weight"] = int(float(row["weight"]))
            if row.get("monstate"):
                body["monstate"] = row["monstate"]
            mon_binds.append(body)
        return vs_binds, mon_binds

    # -- planning ----------------------------------------------------------------------------------------------

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
            raise ParameterError(f"cannot create missing service(s) without the options NITRO requires: {shown}")

    def recreate_payload(self, item: dict[str, Any], have: dict[str, Any]) -> dict[str, Any]:
        """The add body of a recreated service: the wanted values, the rest carried over from ``have``."""
        body: dict[str, Any] = {"name": item["name"]}
        for key in SPEC.attributes:
            if item.get(key) is not None:
                body[key] = item[key]
        if "ip" not in body and "servername" not in body:
            body["servername"] = have.get("servername") or None
            if body["servername"] is None:
                body["ip"] = have.get("ipaddress")
                body.pop("servername")
        for key in ("servicetype", "port", "td", "usip", "useproxyport", "healthmonitor", "maxclient", "cip"):
            if key not in body and have.get(key) not in (None, ""):
                body[key] = have[key]
        for key in ("cipheader", "downstateflush", "comment"):
            if key not in body and have.get(key) not in (None, ""):
                body[key] = have[key]
        if item["state"] == "disabled" or (item["state"] == "present" and SPEC.is_disabled(have)):
            body["state"] = "DISABLED"
        return body

    def run(self) -> dict[str, Any]:
        existing = self.read()
        self.check_creatable(existing)
        todo = plan(SPEC, self.items, existing)
        by_name = {item["name"]: item for item in self.items}
        recreate: list[str] = sorted(todo.immutable)
        if todo.immutable and not self.params["recreate"]:
            name = recreate[0]
            message = immutable_error(
                "service", name, todo.immutable[name], existing[name], by_name[name], read_as=SPEC.read_as
            )
            if len(recreate) > 1:
                message += f" ({len(recreate) - 1} more service(s) have immutable changes: {', '.join(recreate[1:])})"
            raise ParameterError(message)

        kept = self.keep_bound(todo) if self.params["keep_bound"] and todo.delete else {}
        re_adds: list[dict[str, Any]] = []
        vs_binds: list[dict[str, Any]] = []
        mon_binds: list[dict[str, Any]] = []
        if recreate:
            names = set(recreate)
            # The recreated service is added with every wanted value; no separate update, enable or disable.
            todo.update = [u for u in todo.update if u["name"] not in names]
            todo.enable = [u for u in todo.enable if u["name"] not in names]
            todo.disable = [u for u in todo.disable if u["name"] not in names]
            re_adds = [self.recreate_payload(by_name[name], existing[name]) for name in recreate]
            for body in re_adds:
                after = dict(todo.after.get(body["name"], SPEC.view(existing[body["name"]])))
                after.update({key: by_name[body["name"]][key] for key in SPEC.immutable if by_name[body["name"]][key]})
                after["state"] = "disabled" if body.get("state") == "DISABLED" else "enabled"
                todo.before.setdefault(body["name"], SPEC.view(existing[body["name"]]))
                todo.after[body["name"]] = after
            vs_binds, mon_binds = self.read_bindings(names)

        servers = self.unused_servers(todo.delete, existing) if self.params["purge_servers"] and todo.delete else []
        changed = todo.changed
        if changed and not self.check_mode:
            client = self.client
            if recreate:
                originals = [self.recreate_payload({"name": n, "state": "present"}, existing[n]) for n in recreate]
                self.recreate(re_adds, originals, vs_binds, mon_binds)
            apply(client, SPEC, todo)
            if servers:
                client.delete_bulk("server", [{"name": name} for name in servers])

        counts = {**todo.counts, "recreated": len(recreate)}
        counts["updated"] = len(todo.update)
        wanted = [item["name"] for item in self.items if item["state"] != "absent"]
        if changed and not self.check_mode:
            final = self.read()
            shown = [final[name] for name in wanted if name in final]
        else:
            shown = [self.predicted(name, existing, todo.after) for name in wanted]
        extra: dict[str, Any] = {"summary": counts, "recreated": recreate, "kept": kept, "deleted_servers": servers}
        if self.list_mode:
            extra["services"] = shown
            before, after = todo.before, todo.after
        else:
            name = self.items[0]["name"]
            if shown:
                extra["service"] = shown[0]
            before, after = todo.before.get(name, {}), todo.after.get(name, {})
            if not changed:
                before = after = SPEC.view(existing.get(name))
        return self.result(changed, before=before, after=after, **extra)

    def keep_bound(self, todo: Plan) -> dict[str, list[str]]:
        """Drop from the deletes every service an lbvserver still binds (one GET of all those bindings)."""
        users: dict[str, list[str]] = {}
        for row in self.client.get("lbvserver_service_binding", bulkbindings=True):
            users.setdefault(str(row.get("servicename")), []).append(str(row.get("name")))
        kept = {name: sorted(users[name]) for name in todo.delete if name in users}
        for name, vservers in kept.items():
            self.nitro.warn(f"kept service {name!r}: lbvserver(s) {', '.join(vservers)} still bind it")
            todo.before.pop(name, None)
            todo.after.pop(name, None)
        todo.delete = [name for name in todo.delete if name not in kept]
        return kept

    def rebind(self, vs_binds: list[dict[str, Any]], mon_binds: list[dict[str, Any]]) -> None:
        if mon_binds:
            self.client.bind_bulk("service_lbmonitor_binding", mon_binds, onerror="rollback")
        if vs_binds:
            self.client.bind_bulk("lbvserver_service_binding", vs_binds, onerror="rollback")

    def recreate(
        self,
        re_adds: list[dict[str, Any]],
        originals: list[dict[str, Any]],
        vs_binds: list[dict[str, Any]],
        mon_binds: list[dict[str, Any]],
    ) -> None:
        """Delete, re-add with the new values, bind again; if the re-add fails, put back exactly what was removed
        (the services as they were, their vserver bindings with weight and order, their monitor bindings)."""
        client = self.client
        names = [body["name"] for body in re_adds]
        shown = ", ".join(names)
        bindings = f"{len(vs_binds)} vserver binding(s) and {len(mon_binds)} monitor binding(s)"
        client.delete_bulk("service", [{"name": name} for name in names])
        try:
            client.add_bulk("service", re_adds, onerror="rollback")
        except NitroError as exc:
            try:
                client.add_bulk("service", originals, onerror="rollback")
                self.rebind(vs_binds, mon_binds)
            except NitroError as again:
                raise again.restated(
                    f"recreate of service(s) {shown} failed ({exc}) and putting the originals back failed too "
                    f"({again}). Removed and NOT restored: services {originals}; bindings {vs_binds + mon_binds}",
                    operation="recreate",
                ) from None
            raise exc.restated(
                f"recreate of service(s) {shown} failed, so nothing was changed in the end: the service(s) were "
                f"deleted and restored exactly as they were, with their {bindings}. The re-add failed with: {exc}",
                operation="recreate",
            ) from None
        try:
            self.rebind(vs_binds, mon_binds)
        except NitroError as exc:
            raise exc.restated(
                f"service(s) {shown} were recreated with the new values, but restoring their {bindings} failed: "
                f"{exc}. To restore by hand: {vs_binds + mon_binds}",
                operation="recreate",
            ) from None

    def unused_servers(self, deleted: list[str], existing: dict[str, dict[str, Any]]) -> list[str]:
        """Servers NITRO created for the deleted services (named after their address) that nothing else uses.
        Removing a server may remove its services too, so every user is looked for first."""
        client: NitroClient = self.client
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
    NitroModule(argument_spec(), mutually_exclusive=[["name", "services"]], required_one_of=[["name", "services"]]).run(
        ServiceManager
    )


if __name__ == "__main__":
    main()
