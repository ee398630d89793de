#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lb_healthcheck_info
short_description: Read load-balancing health checks and the health of every member
version_added: 1.0.0
description:
  - Reads, per load-balancing vserver, its health check in the vocabulary of M(adcops.netscaler.lb_healthcheck)
    (ping path, response time, interval, thresholds...), the monitor's name and type, and every member with its
    address, port, service state, monitor state, last response, response time and probe counters.
  - This is the state sync CloudStack's design polls for (C(healthcheck.update.interval)); CloudStack copies only
    each service's C(curstate), this module returns the monitor's view too.
  - "Requests: one GET of the vservers, one of all service-monitor bindings, one of all monitors, then per vserver
    one GET of its bindings and one per servicegroup bound to it - constant however many services it has."
author:
  - adcops.netscaler maintainers (@adcops)
options:
  vserver:
    description:
      - Name of one lbvserver. When omitted, every lbvserver is reported.
    type: str
  query:
    description:
      - A JMESPath expression applied to the result and returned as RV(query_result). With O(vserver) it is
        applied to that vserver's entry (so C(members[?state=='DOWN'].name) lists the DOWN members), otherwise
        to the list of all entries.
      - Needs the Python library C(jmespath) on the host that runs the module.
      - A query that fails on the data (a function given a value of the wrong type) fails the task naming O(query),
        the error and the type met. A query whose result grows without bound (for example C([@,@]|) repeated) is
        stopped after 10 s, a list of 100,000 items or a result of 200,000 values, and fails saying so.
    type: str
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.info_module
  - adcops.netscaler.attributes.actiongroup_nitro
requirements:
  - jmespath (only for O(query))
seealso:
  - module: adcops.netscaler.lb_healthcheck
"""

EXAMPLES = r"""
- name: Read the health of the web pool
  adcops.netscaler.lb_healthcheck_info:
    nsip: 192.0.2.10
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    vserver: web-vs
    query: "members[?state=='DOWN'].name"
  register: web_health

- name: Fail when a member is DOWN
  ansible.builtin.assert:
    that: web_health.query_result | length == 0
    fail_msg: "DOWN members: {{ web_health.query_result }}"

- name: All health checks on the appliance
  adcops.netscaler.lb_healthcheck_info:
  register: all_health
"""

RETURN = r"""
healthchecks:
  description: One entry per vserver.
  returned: success
  type: list
  elements: dict
  contains:
    vserver:
      description: Name of the lbvserver.
      type: str
    servicetype:
      description: The vserver's servicetype.
      type: str
    state:
      description: The vserver's C(curstate).
      type: str
    healthcheck:
      description: >-
        The custom monitor bound to the members, in the lb_healthcheck vocabulary (name, monitor_type, ping_path,
        http_method, response_time, interval, healthy_threshold, unhealthy_threshold, expected_codes, port,
        host_header, secure); empty when the members run on the appliance's default monitor only.
      type: dict
    monitors:
      description: Every monitor bound to at least one member, default monitors included.
      type: list
      elements: str
    members:
      description: >-
        Each service (kind C(service)) and servicegroup member (kind C(servicegroup_member)) with name, address,
        port, state, weight, and for the health-check monitor monitor, monitor_state, last_response,
        response_time (ms, as NITRO reports it), total_probes and failed_probes.
      type: list
      elements: dict
  sample:
    - vserver: web-vs
      servicetype: HTTP
      state: UP
      healthcheck: {"name": "web-vs-hc", "monitor_type": "HTTP", "ping_path": "/", "interval": 5}
      monitors: [web-vs-hc]
      members:
        - {"name": "web1", "kind": "service", "address": "127.0.0.11", "port": 80, "state": "UP",
           "monitor": "web-vs-hc", "monitor_state": "UP", "last_response": "Success - HTTP response code 200 received.",
           "response_time": 1, "total_probes": 12, "failed_probes": 0}
healthcheck:
  description: With O(vserver), that vserver's entry (the same as the single element of RV(healthchecks)).
  returned: when vserver is given
  type: dict
query_result:
  description: The result of O(query).
  returned: when query is given
  type: raw
"""

import time
import traceback
from typing import Any

try:
    import jmespath

    HAS_JMESPATH = True
    JMESPATH_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - depends on the host
    jmespath = None
    HAS_JMESPATH = False
    JMESPATH_IMPORT_ERROR = traceback.format_exc()

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.adcops.netscaler.plugins.module_utils._healthcheck import (
    member_rows,
    read_members,
    to_cloud,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import DEFAULT_MONITORS
from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import Option, Options
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import (
    ApplianceStateError,
    InvalidOptions,
    Problems,
    nitro_name,
)

OPTIONS = Options(Option("vserver", convert=nitro_name), Option("query"))

# Bounds of a query. A short expression can grow its result exponentially ("[@,@]|" repeated doubles it each time;
# "[@,@][]|" doubles a flat list): it fails with a message instead of filling the memory or running for ever.
QUERY_SECONDS = 10.0  # time spent evaluating
QUERY_LIST_ITEMS = 100_000  # length of any list the evaluation builds
QUERY_RESULT_NODES = 200_000  # values in the result as it would be returned (a shared value counts each time)


class QueryTooLarge(Exception):
    pass


def bounded_interpreter() -> Any:
    """A JMESPath tree interpreter that checks, at every node it evaluates, the time spent and the length of what the
    node returned."""

    class Bounded(jmespath.visitor.TreeInterpreter):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.deadline = time.monotonic() + QUERY_SECONDS

        def visit(self, node: Any, *args: Any, **kwargs: Any) -> Any:
            if time.monotonic() > self.deadline:
                raise QueryTooLarge(f"it ran for more than {QUERY_SECONDS:g} s")
            value = super().visit(node, *args, **kwargs)
            if isinstance(value, list) and len(value) > QUERY_LIST_ITEMS:
                raise QueryTooLarge(f"it built a list of more than {QUERY_LIST_ITEMS:,} items")
            return value

    return Bounded()


def result_size_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` has more than ``limit`` values once written out; stops counting at the limit, so a result
    that shares one list many times over is not walked in full."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def run_query(query: str, expression: Any, target: Any) -> Any:
    """Evaluate a compiled query on the module's result; every failure names ``query``, never a traceback."""
    try:
        found = bounded_interpreter().visit(expression.parsed, target)
    except QueryTooLarge as exc:
        raise InvalidOptions(f"query: {query!r} was stopped because its result grows without bound: {exc}") from None
    except jmespath.exceptions.JMESPathTypeError as exc:
        expected = " or ".join(str(t) for t in (exc.expected_types or [])) or "another type"
        raise InvalidOptions(
            f"query: {query!r} failed on the data with {type(exc).__name__}: {exc.function_name}() takes "
            f"{expected}, but met a value of type {exc.actual_type}"
        ) from None
    except (jmespath.exceptions.JMESPathError, TypeError, ValueError) as exc:
        raise InvalidOptions(f"query: {query!r} failed on the data: {type(exc).__name__}: {exc}") from None
    if result_size_exceeds(found, QUERY_RESULT_NODES):
        raise InvalidOptions(
            f"query: {query!r} was stopped because its result grows without bound: it would return more than "
            f"{QUERY_RESULT_NODES:,} values"
        )
    return found


class HealthcheckInfoManager(ModuleManager):
    def validate(self) -> None:
        problems = Problems()
        OPTIONS.check(self.params, problems, names=("vserver",))
        problems.raise_any()
        self.expression = None
        if self.params["query"] is not None:
            if not HAS_JMESPATH:
                raise InvalidOptions(f"query: {missing_required_lib('jmespath')}\n{JMESPATH_IMPORT_ERROR}")
            try:
                self.expression = jmespath.compile(self.params["query"])
            except jmespath.exceptions.JMESPathError as exc:
                query = self.params["query"]
                raise InvalidOptions(f"query: {query!r} is not a valid JMESPath expression: {exc}") from None

    def read(self) -> dict[str, Any]:
        client = self.client
        name = self.params["vserver"]
        vservers = client.get("lbvserver", name) if name else client.get("lbvserver")
        if name and not vservers:
            raise ApplianceStateError(f"vserver: no lbvserver named {name!r} exists on the appliance")
        monitors = {str(m.get("monitorname")): m for m in client.get("lbmonitor")} if vservers else {}
        # Every service's monitors with probe counters in one GET (the binding without a parent;
        # NITRO's bulkbindings), instead of one GET per service.
        by_service: dict[str, list[dict[str, Any]]] = {}
        if vservers:
            for row in client.get("service_lbmonitor_binding", bulkbindings=True):
                by_service.setdefault(str(row.get("name")), []).append(row)
        entries = [self.entry(vs, monitors, by_service) for vs in vservers]
        result: dict[str, Any] = {"healthchecks": entries}
        target: Any = entries
        if name:
            result["healthcheck"] = entries[0]
            target = entries[0]
        if self.expression is not None:
            result["query_result"] = run_query(self.params["query"], self.expression, target)
        return result

    def plan(self, current: dict[str, Any]) -> Change:
        return Change(predicted=current)  # reads only: nothing to write, the same report in check mode

    def returns(self, change: Change, shown: dict[str, Any]) -> dict[str, Any]:
        return dict(shown)

    def entry(
        self,
        vs: dict[str, Any],
        monitors: dict[str, dict[str, Any]],
        by_service: dict[str, list[dict[str, Any]]],
    ) -> dict[str, Any]:
        members = read_members(self.client, str(vs["name"]))
        group_members: dict[str, list[dict[str, Any]]] = {}
        group_monitors: dict[str, list[str]] = {}
        for group in members.servicegroups:
            found = self.client.get("servicegroup_binding", group)
            entry = found[0] if found else {}
            group_members[group] = list(entry.get("servicegroup_servicegroupmember_binding") or [])
            group_monitors[group] = [
                str(row.get("monitor_name")) for row in entry.get("servicegroup_lbmonitor_binding") or []
            ]
        bound: dict[str, int] = {}
        for svc in members.services:
            for row in by_service.get(svc, []):
                bound[str(row.get("monitor_name"))] = bound.get(str(row.get("monitor_name")), 0) + 1
        for names in group_monitors.values():
            for mon in names:
                bound[mon] = bound.get(mon, 0) + 1
        custom = [mon for mon in bound if mon not in DEFAULT_MONITORS]
        # The health check is the custom monitor bound to most members; lb_healthcheck's name wins a tie.
        preferred = f"{vs['name']}-hc"
        chosen = max(custom, key=lambda mon: (bound[mon], mon == preferred), default=None)
        return {
            "vserver": vs["name"],
            "servicetype": vs.get("servicetype"),
            "state": vs.get("curstate"),
            "healthcheck": to_cloud(monitors.get(chosen)) if chosen else {},
            "monitors": sorted(bound),
            "members": member_rows(members, by_service, group_members, chosen),
        }


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(HealthcheckInfoManager)


if __name__ == "__main__":
    main()
