#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lb_healthcheck
short_description: Health check on a load-balancing vserver, described the way cloud load balancers do
version_added: 1.0.0
description:
  - Manages the health check of one load-balancing rule (an C(lbvserver)) in the vocabulary of CloudStack's
    LB health-check policy and AWS ELB (ping path, response timeout, interval, healthy and unhealthy threshold).
  - The health check is one NetScaler C(lbmonitor) bound to every service and servicegroup of the vserver,
    as CloudStack's NetScaler plugin does (one monitor per rule). Each run makes the bindings exactly the
    vserver's current members, so re-running after members change keeps every member checked.
  - "Mapping: O(response_time) -> C(resptimeout); O(interval) -> C(interval) (seconds); O(unhealthy_threshold) ->
    C(retries) with C(failureretries 0), which NetScaler documents as N consecutive failures (CTX132937), the
    meaning CloudStack and AWS give the unhealthy threshold (CloudStack itself sends C(failureretries), an
    'M of the last retries' count); O(healthy_threshold) -> C(successretries); O(ping_path) with O(http_method) ->
    C(httprequest); O(expected_codes) -> C(respcode); O(host_header) -> C(customheaders); O(port) -> C(destport)."
  - CloudStack's design defaults, a 5 s response timeout inside a 5 s interval, cannot run on NetScaler, which
    requires C(resptimeout) to be less than C(interval) (CTX205013). This module uses CloudStack's VO defaults
    instead (2 s timeout, 5 s interval, healthy 2) with an unhealthy threshold of 3, NetScaler's C(retries) default,
    and rejects O(response_time) >= O(interval) before sending any request.
  - Changes NetScaler applies in place (timers, thresholds, path, codes) are a single update of the monitor. A change
    of the monitor type cannot be applied in place; the module then builds the new check before removing the old one
    (make-before-break) - a temporary monitor of the new type named C(<name>-next) is created and bound, the old
    monitor is unbound and deleted, the new one is created under O(name) and bound, and the temporary one is removed.
    At every moment each member has at least one custom monitor bound. CloudStack deletes the policy and creates a
    new one, which leaves the members on the default monitor in between and does not restore on failure; here a
    failure leaves the members still checked by the old or the temporary monitor, and re-running completes the change.
  - With O(state=absent) the monitor is unbound from every service and servicegroup and deleted; the appliance's
    default monitor (C(tcp-default) or C(ping-default)) then checks the members again (see
    U(https://github.com/netscaler/ansible-collection-netscaleradc/issues/312)).
  - "Requests: a run that changes nothing costs four GETs (vserver, its bindings, the monitor, the monitor's
    bindings) whatever the number of members; bindings change with one bulk request per kind of change."
author:
  - adcops.netscaler maintainers (@adcops)
options:
  vserver:
    description:
      - Name of the load-balancing vserver (C(lbvserver)) whose members are checked. It must exist when
        O(state=present).
    type: str
    required: true
  name:
    description:
      - Name of the C(lbmonitor). Defaults to C(<vserver>-hc).
    type: str
  state:
    description:
      - V(present) creates or updates the monitor and binds it to exactly the vserver's members.
      - V(absent) unbinds it from every service and servicegroup and deletes it.
    type: str
    choices: [present, absent]
    default: present
  ping_path:
    description:
      - Path an HTTP probe requests; must start with C(/). Ignored for TCP, UDP-ECV and PING monitors, as
        CloudStack's plugin ignores it for non-HTTP rules.
    type: str
    default: /
  response_time:
    description:
      - Seconds to wait for the probe's answer (C(resptimeout)); 1-60, and less than O(interval).
    type: int
    default: 2
  interval:
    description:
      - Seconds between two probes (C(interval), unit SEC); 1-300. NITRO reads 60 s back as 1 MIN; the module
        compares in seconds.
    type: int
    default: 5
  healthy_threshold:
    description:
      - Consecutive successful probes that bring a DOWN member back UP (C(successretries)); 1-32.
    type: int
    default: 2
  unhealthy_threshold:
    description:
      - Consecutive failed probes that mark a member DOWN (C(retries), with C(failureretries 0)); 1-127.
    type: int
    default: 3
  expected_codes:
    description:
      - HTTP status codes that count as healthy (C(respcode)); single codes such as C(200) or ranges such as
        C(200-299). Any other code marks the member DOWN.
    type: list
    elements: str
    default: ['200']
  http_method:
    description:
      - Method of the HTTP probe, the first word of C(httprequest).
    type: str
    choices: [GET, HEAD]
    default: GET
  monitor_type:
    description:
      - The C(lbmonitor) type. By default derived from the vserver's C(servicetype) - V(HTTP) for HTTP and SSL
        (with C(secure YES) when the services are SSL), V(UDP-ECV) for UDP with O(port) or a concrete port
        (V(PING) otherwise), V(TCP) on O(port) for C(ANY) (the type DSR uses) when O(port) is given, else V(PING),
        and V(TCP) for every other type.
      - Changing it replaces the monitor without leaving the members unchecked (see the description).
    type: str
    choices: [HTTP, TCP, UDP-ECV, PING]
  port:
    description:
      - Port the probe connects to (C(destport)); by default the port of each bound service.
      - Required for services on port C(*) when the type is HTTP, TCP or UDP-ECV. Not used by PING.
    type: int
  host_header:
    description:
      - Host header of the HTTP probe, sent as C(customheaders). Omit it to send none.
    type: str
  services:
    description:
      - The services the vserver binds once the earlier tasks of the same run are done, as given to
        M(adcops.netscaler.lb_vserver). Only check mode uses it - there those tasks predicted their bindings without
        making them - so the prediction binds the monitor to exactly the members the real run will have.
    type: list
    elements: str
    version_added: 1.1.0
  servicegroups:
    description:
      - The service groups the vserver binds once the earlier tasks of the same run are done, as given to
        M(adcops.netscaler.lb_vserver). Like O(services), only check mode uses it.
    type: list
    elements: str
    version_added: 1.1.0
  wait:
    description:
      - After converging, wait until members are UP.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait). On timeout the task fails and lists the members that are not UP.
    type: int
    default: 60
  wait_for:
    description:
      - V(all) waits until every member is UP; V(any) until at least one is.
    type: str
    choices: [any, all]
    default: all
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.actiongroup_nitro
  - adcops.netscaler.attributes.full_support
notes:
  - Only this module's monitor is bound or unbound; other custom monitors on the members are left alone. With
    several monitors on a service, any DOWN monitor takes the service DOWN at the default monitor threshold.
seealso:
  - module: adcops.netscaler.lb_healthcheck_info
  - module: adcops.netscaler.lb_vserver
  - module: adcops.netscaler.lb_service
"""

EXAMPLES = r"""
- name: Check the web pool over HTTP on /healthz every 5 seconds
  adcops.netscaler.lb_healthcheck:
    nsip: 192.0.2.10
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    vserver: web-vs
    ping_path: /healthz
    response_time: 2
    interval: 5
    healthy_threshold: 2
    unhealthy_threshold: 3
    expected_codes: ["200-299"]
    wait: true
    wait_timeout: 60

- name: DSR pool on port * - probe TCP 80 on every real server
  adcops.netscaler.lb_healthcheck:
    vserver: dsr-vs
    monitor_type: TCP
    port: 80

- name: Remove the health check; the default monitor takes over
  adcops.netscaler.lb_healthcheck:
    vserver: web-vs
    state: absent
"""

RETURN = r"""
healthcheck:
  description: The health check after the task, in the module's vocabulary (empty when absent).
  returned: success
  type: dict
  sample: {"name": "web-vs-hc", "monitor_type": "HTTP", "ping_path": "/healthz", "http_method": "GET",
           "response_time": 2, "interval": 5, "healthy_threshold": 2, "unhealthy_threshold": 3,
           "expected_codes": ["200"], "secure": false, "host_header": null, "port": null}
monitor:
  description: The lbmonitor as NITRO shows it after the task (in check mode, as it is now).
  returned: success
  type: dict
bound_services:
  description: Services the monitor is bound to after the task.
  returned: success
  type: list
  elements: str
bound_servicegroups:
  description: Servicegroups the monitor is bound to after the task.
  returned: success
  type: list
  elements: str
actions:
  description: What the task did (or would do in check mode), in order.
  returned: success
  type: list
  elements: str
  sample: ["create monitor web-vs-hc (HTTP)", "bind web-vs-hc to 3 service(s)"]
members:
  description:
    - Every member (C(name), C(kind) V(service) or V(servicegroup_member), C(state)). With O(wait), the states when
      the wait ended; without, the states the task read before its changes (a member it just bound the monitor
      to shows the state its previous monitor gave it).
  returned: when O(state=present)
  type: list
  elements: dict
"""

import time
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient
from ansible_collections.adcops.netscaler.plugins.module_utils._healthcheck import (
    HTTP_METHODS,
    MONITOR_TYPES,
    PORTED_TYPES,
    Members,
    add_body,
    bind,
    check_timing,
    derive_type,
    desired_monitor,
    expected_codes,
    host_header,
    monitor_differences,
    ping_path,
    read_members,
    read_monitor_bindings,
    to_cloud,
    unbind,
    update_body,
    wildcard_services,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import Option, Options
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import (
    ApplianceStateError,
    InvalidOptions,
    Problems,
    nitro_name,
)

TEMP_SUFFIX = "-next"


def at_least_one_second(option: str, value: int) -> int:
    if value < 1:
        raise InvalidOptions(f"{option}: {value} must be at least 1 second")
    return value


# response_time and interval ranges are this module's policy (CloudStack's documented 2-60 s timeout, AWS's
# 5-300 s interval widened down to 1 s); the thresholds take the lbmonitor ranges of the attributes they map to,
# retries 1-127 and successretries 1-32 (NITRO reference, lb/lbmonitor).
OPTIONS = Options(
    Option("vserver", required=True, convert=nitro_name),
    Option("name", convert=nitro_name),
    Option("state", choices=("present", "absent"), default="present"),
    Option("ping_path", default="/", convert=ping_path),
    Option("response_time", type="int", default=2, range=(1, 60)),
    Option("interval", type="int", default=5, range=(1, 300)),
    Option("healthy_threshold", type="int", default=2, range=(1, 32)),
    Option("unhealthy_threshold", type="int", default=3, range=(1, 127)),
    Option("expected_codes", type="list", elements="str", default=["200"], convert=expected_codes),
    Option("http_method", default="GET", choices=HTTP_METHODS),
    Option("monitor_type", choices=MONITOR_TYPES),
    Option("port", type="int", range=(1, 65535)),
    Option("host_header", convert=host_header),
    Option("services", type="list", elements="str"),
    Option("servicegroups", type="list", elements="str"),
    Option("wait", type="bool", default=False),
    Option("wait_timeout", type="int", default=60, convert=at_least_one_second),
    Option("wait_for", default="all", choices=("any", "all")),
    short_ranges=True,
)
CLOUD_OPTIONS = (
    "ping_path", "response_time", "interval", "healthy_threshold", "unhealthy_threshold", "expected_codes",
    "http_method", "port", "host_header",
)  # fmt: skip


class HealthcheckManager(ModuleManager):
    def validate(self) -> None:
        problems = Problems()
        OPTIONS.check(self.params, problems)
        problems.check(check_timing, self.params["response_time"], self.params["interval"])
        problems.raise_any()
        self.name = self.params["name"] or f"{self.params['vserver']}-hc"
        self.actions: list[str] = []

    # -- reading -------------------------------------------------------------------------------------

    def read(self) -> None:
        client = self.client
        self.vserver = client.get_one("lbvserver", self.params["vserver"]) if self.params["state"] == "present" else {}
        if self.vserver is None and self.check_mode:
            # Check mode of a pool that does not exist yet: the vserver is created by an earlier task of the same
            # run, so predict the health check instead of failing.
            return
        if self.vserver is None:
            raise ApplianceStateError(
                f"vserver: no lbvserver named {self.params['vserver']!r} exists on the appliance; "
                "create it first (adcops.netscaler.lb_vserver)"
            )
        self.members = read_members(client, self.params["vserver"]) if self.params["state"] == "present" else Members()
        if self.check_mode and self.params["state"] == "present":
            # The vserver's bindings as the earlier tasks of this run will leave them (check mode did not bind).
            if self.params["services"] is not None:
                services = self.members.services
                self.members.services = {name: services.get(name, {}) for name in self.params["services"]}
            if self.params["servicegroups"] is not None:
                groups = self.members.servicegroups
                self.members.servicegroups = {name: groups.get(name, {}) for name in self.params["servicegroups"]}
        self.monitor = client.get_one("lbmonitor", self.name)
        self.bound = read_monitor_bindings(client, self.name) if self.monitor else Members()

    def wanted_type(self) -> str:
        if self.params["monitor_type"]:
            return self.params["monitor_type"]
        servicetype = str(self.vserver.get("servicetype", "")).upper()
        has_port = bool(self.params["port"])
        if servicetype == "UDP" and not has_port:
            # UDP-ECV probes the services' own port, which only works when none of them is on port *
            has_port = bool(self.members.services) and not wildcard_services(self.members)
        return derive_type(servicetype, has_port)

    def wanted_secure(self) -> bool:
        types = {str(row.get("servicetype", "")).upper() for row in self.members.services.values()}
        if types:
            return types <= {"SSL", "SSL_TCP", "SSL_BRIDGE"}  # probe what the services speak
        return str(self.vserver.get("servicetype", "")).upper() == "SSL"

    # -- planning ------------------------------------------------------------------------------------

    def plan(self, current: Any) -> Change:
        self.change = change = Change()
        self.new_pool = self.vserver is None
        if self.new_pool:
            return self.predict_new_pool(change)
        change.before = self.snapshot(self.monitor, self.bound)
        if self.params["state"] == "absent":
            self.absent()
            change.after = {}
            change.predicted = {"monitor": {}, "healthcheck": {}}
            self.after = {}
            return change
        self.present()
        change.predicted = {"monitor": self.monitor or {}, "healthcheck": self.after["healthcheck"]}

        def read_back() -> dict[str, Any]:
            monitor = self.client.get_one("lbmonitor", self.name) or {}
            return {"monitor": monitor, "healthcheck": to_cloud(monitor)}

        change.read_back = read_back
        change.after_of = lambda shown: {**self.after, "healthcheck": shown["healthcheck"]}
        return change

    def settle(self, change: Change, shown: dict[str, Any]) -> dict[str, Any]:
        if self.params["state"] == "present" and self.params["wait"] and not self.new_pool:
            return {**shown, "members": self.wait()}
        return shown

    def returns(self, change: Change, shown: dict[str, Any]) -> dict[str, Any]:
        if self.new_pool:
            # members: returned whenever state=present; a vserver that does not exist yet has none to report.
            return {"actions": self.actions, "healthcheck": shown["healthcheck"], "members": []}
        result = {
            "actions": self.actions,
            "healthcheck": shown["healthcheck"],
            "monitor": shown["monitor"],
            "bound_services": self.after.get("services", []),
            "bound_servicegroups": self.after.get("servicegroups", []),
        }
        if self.params["state"] == "present":
            result["members"] = shown["members"] if "members" in shown else self.member_states(self.members)
        return result

    def predict_new_pool(self, change: Change) -> Change:
        """Check mode, vserver not there yet: a monitor will be created and bound to all of its members."""
        vserver = self.params["vserver"]
        mtype = self.params["monitor_type"] or "derived from the servicetype of the vserver"
        self.nitro.warn(
            f"check mode: lbvserver {vserver!r} does not exist yet; predicting the creation of health check "
            f"{self.name!r} bound to every member it will have"
        )
        cloud = {key: self.params[key] for key in CLOUD_OPTIONS if self.params.get(key) is not None}
        healthcheck = {"name": self.name, "monitor_type": mtype, **cloud}
        change.before = {}
        change.after = {
            "healthcheck": healthcheck,
            "services": sorted(self.params["services"] or []),
            "servicegroups": sorted(self.params["servicegroups"] or []),
        }
        change.predicted = {"healthcheck": healthcheck}
        change.other_changes = True
        self.actions += [f"create monitor {self.name} ({mtype})", f"bind {self.name} to the members of {vserver}"]
        return change

    @staticmethod
    def snapshot(monitor: dict[str, Any] | None, bound: Members) -> dict[str, Any]:
        if not monitor:
            return {}
        return {
            "healthcheck": to_cloud(monitor),
            "services": sorted(bound.services),
            "servicegroups": sorted(bound.servicegroups),
        }

    def present(self) -> None:
        mtype = self.wanted_type()
        if mtype in PORTED_TYPES and not self.params["port"]:
            stars = wildcard_services(self.members)
            if stars:
                raise ApplianceStateError(
                    f"port: required for a {mtype} health check because service(s) {', '.join(stars)} of vserver "
                    f"{self.params['vserver']!r} listen on port *; give the port to probe, or monitor_type: PING"
                )
        want = desired_monitor(self.params, mtype, self.wanted_secure())
        services, groups = set(self.members.services), set(self.members.servicegroups)
        planned = {key: value for key, value in want.items() if value is not None}
        if self.monitor is None:
            self.create(self.name, mtype, want, services, groups)
        elif str(self.monitor.get("type", "")).upper() != mtype:
            self.replace(mtype, want, services, groups)
        else:
            self.update(mtype, want)
            self.sync_bindings(services, groups)
        shown = {"monitorname": self.name, "type": mtype, **planned, "units3": "SEC", "units4": "SEC"}
        self.after = {
            "healthcheck": to_cloud(shown),
            "services": sorted(services),
            "servicegroups": sorted(groups),
        }

    def create(self, name: str, mtype: str, want: dict[str, Any], services: set[str], groups: set[str]) -> None:
        client: NitroClient = self.client
        self.actions.append(f"create monitor {name} ({mtype})")
        self.change.write(client.add, "lbmonitor", add_body(name, mtype, want), key="monitorname")
        self.bind(name, services, groups)

    def bind(self, name: str, services: set[str], groups: set[str]) -> None:
        if services or groups:
            self.actions.append(f"bind {name} to {len(services)} service(s), {len(groups)} servicegroup(s)")
            self.change.write(bind, self.client, name, services, groups)

    def unbind(self, name: str, services: set[str], groups: set[str]) -> None:
        if services or groups:
            self.actions.append(f"unbind {name} from {len(services)} service(s), {len(groups)} servicegroup(s)")
            self.change.write(unbind, self.client, name, services, groups)

    def delete(self, name: str, mtype: str) -> None:
        self.actions.append(f"delete monitor {name}")
        # Delete needs ?args=type:<TYPE> (NITRO reference, lb/lbmonitor "delete").
        self.change.write(self.client.delete, "lbmonitor", name, args={"type": mtype})

    def update(self, mtype: str, want: dict[str, Any]) -> None:
        changes = monitor_differences(want, self.monitor or {})
        if not changes:
            return
        body, unset = update_body(self.name, mtype, changes)
        self.actions.append(f"update monitor {self.name}: {', '.join(changes.keys)}")
        if len(body) > 2:
            self.change.write(self.client.update, "lbmonitor", body, name=self.name)
        if unset:
            self.change.write(
                self.client.action,
                "lbmonitor",
                "unset",
                {"monitorname": self.name, "type": mtype, **dict.fromkeys(unset, True)},
            )

    def sync_bindings(self, services: set[str], groups: set[str]) -> None:
        """Bind to new members first, then unbind from the ones that left the vserver."""
        add_s, add_g = services - set(self.bound.services), groups - set(self.bound.servicegroups)
        del_s, del_g = set(self.bound.services) - services, set(self.bound.servicegroups) - groups
        self.bind(self.name, add_s, add_g)
        self.unbind(self.name, del_s, del_g)

    def replace(self, mtype: str, want: dict[str, Any], services: set[str], groups: set[str]) -> None:
        """Type change, make-before-break: the members never lose their custom check (see DOCUMENTATION)."""
        old_type = str(self.monitor.get("type")).upper()
        old_s, old_g = set(self.bound.services), set(self.bound.servicegroups)
        temp = f"{self.name}{TEMP_SUFFIX}"
        leftover = self.client.get_one("lbmonitor", temp)
        if leftover is not None:
            # A previous run stopped half-way: clear its temporary monitor before reusing the name.
            rest = read_monitor_bindings(self.client, temp)
            self.unbind(temp, set(rest.services), set(rest.servicegroups))
            self.delete(temp, str(leftover.get("type")).upper())
        self.create(temp, mtype, want, services, groups)
        self.unbind(self.name, old_s, old_g)
        self.delete(self.name, old_type)
        self.create(self.name, mtype, want, services, groups)
        self.unbind(temp, services, groups)
        self.delete(temp, mtype)

    def absent(self) -> None:
        if self.monitor is None:
            return
        self.unbind(self.name, set(self.bound.services), set(self.bound.servicegroups))
        self.delete(self.name, str(self.monitor.get("type")).upper())

    # -- waiting -------------------------------------------------------------------------------------

    def member_states(self, members: Members | None = None) -> list[dict[str, Any]]:
        if members is None:
            members = read_members(self.client, self.params["vserver"])
        out = [
            {"name": name, "kind": "service", "state": row.get("curstate")}
            for name, row in sorted(members.services.items())
        ]
        for group, bound in sorted(members.servicegroups.items()):
            if not bound:
                continue  # check mode: a group an earlier task of the run binds (and may create); no member to read
            for row in self.client.get("servicegroup_servicegroupmember_binding", group):
                out.append(
                    {
                        "name": f"{group}:{row.get('servername') or row.get('ip')}:{row.get('port')}",
                        "kind": "servicegroup_member",
                        "state": row.get("svrstate"),
                    }
                )
        return out

    def wait(self) -> list[dict[str, Any]]:
        deadline = time.monotonic() + self.params["wait_timeout"]
        need_all = self.params["wait_for"] == "all"
        while True:
            members = self.member_states()
            up = [m for m in members if str(m["state"]).upper() == "UP"]
            if members and (len(up) == len(members) if need_all else up):
                return members
            if time.monotonic() >= deadline:
                down = [f"{m['name']} ({m['state']})" for m in members if str(m["state"]).upper() != "UP"]
                raise ApplianceStateError(
                    f"wait: after {self.params['wait_timeout']} s, {'not all' if need_all else 'none of the'} "
                    f"members of vserver {self.params['vserver']!r} are UP; not UP: "
                    + (", ".join(down) if down else "(the vserver has no members)")
                )
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(HealthcheckManager)


if __name__ == "__main__":
    main()
