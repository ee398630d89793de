#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lb_pool_member
short_description: Drain a backend out of its load-balancing pools, or bring it back and wait until it is UP
version_added: 1.1.0
description:
  - Finds one backend's services in the named lbvservers (by the backend's address and, optionally, port, or by
    service name) and takes them out gracefully (O(state=drained)) or puts them back (O(state=enabled)).
  - "O(state=drained): refuses, before any write, to drain the last UP member of a pool unless O(allow_last=true).
    Disables each service with C(graceful=YES) (and O(delay) when given), so it takes no new connection and keeps
    the open ones, then waits until the NITRO C(stat) of C(service) reports no client connection
    (C(curclntconnections), summed over the services) or O(drain_timeout) expires; then fails or, with
    O(on_timeout=force), disables the services at once."
  - O(state=enabled) enables the services, then waits until each one is UP in every pool (the state
    M(adcops.netscaler.lb_healthcheck_info) reads) or O(up_timeout) expires, then fails naming the member and its
    monitor's last response.
  - A member already drained (or enabled) gets no write; the task still waits for its connections to end (or for
    it to be UP), so a second run confirms the state with GET requests only.
  - "NetScaler's graceful shutdown: CLI reference C(disable service)
    (U(https://developer-docs.netscaler.com/en-us/adc-command-reference-int/current-release/basic/service)) and
    U(https://docs.netscaler.com/en-us/citrix-adc/current-release/load-balancing/load-balancing-manage-clienttraffic/graceful-shutdown.html).
    That a drained service's C(curclntconnections) reaches 0 when its last client connection ends is inferred,
    not verified on an appliance."
author:
  - adcops.netscaler maintainers (@adcops)
options:
  pools:
    description: The lbvservers the backend is a member of. Each must hold at least one of the backend's services.
    type: list
    elements: str
    required: true
  address:
    description: The backend's IP address; its services are the members of O(pools) with this address.
    type: str
  port:
    description: With O(address), only the services on this port (default every port of the address).
    type: str
  services:
    description: The backend's services by name, instead of O(address).
    type: list
    elements: str
  state:
    description: V(drained) takes the services out gracefully; V(enabled) puts them back and waits until UP.
    type: str
    required: true
    choices: [drained, enabled]
  delay:
    description:
      - With O(state=drained), the graceful shutdown delay NetScaler gets (C(delay) of C(disable service)); after
        it the service is OUT OF SERVICE even with connections open. Unset, the service leaves when its last
        connection ends.
    type: int
  drain_timeout:
    description: Seconds to wait for the client connections to end (O(state=drained)); 0 does not wait.
    type: int
    default: 300
  on_timeout:
    description:
      - What happens when connections are still open after O(drain_timeout). V(fail) fails the task (the services
        stay disabled and take no new connection); V(force) disables them at once and succeeds with a warning,
        returning the connections left in RV(connections).
    type: str
    choices: [fail, force]
    default: fail
  allow_last:
    description: Drain even when these services are the last UP members of a pool (an outage of that pool).
    type: bool
    default: false
  up_timeout:
    description: Seconds to wait until every service is UP (O(state=enabled)); 0 does not wait.
    type: int
    default: 300
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.full_support
  - adcops.netscaler.attributes.actiongroup_nitro
notes:
  - Check mode reads (the members, their states and connections) and predicts; it neither writes nor waits.
  - Requests per poll are one GET of C(stat/service) per service (drained) or one GET of C(lbvserver_binding) per
    pool (enabled), every half second.
seealso:
  - module: adcops.netscaler.lb_service
  - module: adcops.netscaler.lb_healthcheck_info
"""

EXAMPLES = r"""
- name: Drain this backend from the web pool
  adcops.netscaler.lb_pool_member:
    pools: [web-vs]
    address: "{{ ansible_host }}"
    port: 80
    state: drained
    drain_timeout: 120
  delegate_to: localhost

- name: Bring it back and wait until the health check says UP
  adcops.netscaler.lb_pool_member:
    pools: [web-vs]
    address: "{{ ansible_host }}"
    port: 80
    state: enabled
    up_timeout: 60
  delegate_to: localhost
"""

RETURN = r"""
services:
  description: The backend's services, with the pools that bind them and their state at the end of the task.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "web-127.0.0.11-80", "address": "127.0.0.11", "port": 80, "pools": ["web-vs"],
            "state": "OUT OF SERVICE"}]
connections_at_start:
  description: Client connections open on the services when the drain started (O(state=drained)).
  returned: O(state=drained)
  type: int
connections:
  description: Client connections open when the task ended (O(state=drained)); above 0 only with O(on_timeout=force).
  returned: O(state=drained)
  type: int
drain_seconds:
  description: Seconds until the connections ended (or the drain was forced).
  returned: O(state=drained), not in check mode
  type: float
up_seconds:
  description: Seconds until every service was UP.
  returned: O(state=enabled), not in check mode
  type: float
forced:
  description: Whether the services were taken out with connections still open (O(on_timeout=force)).
  returned: O(state=drained)
  type: bool
summary:
  description: One line for a report - the services, and the connections and seconds of the drain, or the seconds
    until UP.
  returned: success
  type: str
  sample: "web-127.0.0.11-80; connections when the drain started 2, left 0, drained in 2.51 s"
"""

import ipaddress
import time
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._compare import to_number
from ansible_collections.adcops.netscaler.plugins.module_utils._lb import read_bindings
from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import Option, Options
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import (
    ApplianceStateError,
    Problems,
    ip,
    nitro_name,
    port,
)

DAY = 86400
OPTIONS = Options(
    Option("pools", type="list", elements="str", required=True),
    Option("address", convert=ip),
    Option("port"),
    Option("services", type="list", elements="str"),
    Option("state", required=True, choices=("drained", "enabled")),
    Option("delay", type="int", range=(0, 2**31 - 1)),
    Option("drain_timeout", type="int", default=300, range=(0, DAY)),
    Option("on_timeout", default="fail", choices=("fail", "force")),
    Option("allow_last", type="bool", default=False),
    Option("up_timeout", type="int", default=300, range=(0, DAY)),
)
POLL_S = 0.5
# svrstate / curstate of a disabled service: out of service, or draining towards it (NITRO service reference).
OUT = frozenset({"OUT OF SERVICE", "GOING OUT OF SERVICE", "DOWN WHEN GOING OUT OF SERVICE"})


def names(option: str, values: list[str] | None, problems: Problems) -> list[str]:
    out = []
    for index, value in enumerate(values or []):
        name = problems.check(nitro_name, f"{option}[{index}]", value)
        if name is not None and name not in out:
            out.append(name)
    return out


def canonical(address: Any) -> str:
    """An address as the appliance spells it, compressed like O(address) (IPv6 has many spellings)."""
    try:
        return ipaddress.ip_address(str(address).strip()).compressed
    except ValueError:
        return str(address or "")


class PoolMemberManager(ModuleManager):
    def validate(self) -> None:
        problems = Problems()
        checked = OPTIONS.check(self.params, problems, names=("address", "delay", "drain_timeout", "up_timeout"))
        self.pools = names("pools", self.params["pools"], problems)
        if not self.pools:
            problems.add("pools: name at least one lbvserver")
        self.address = checked["address"]
        self.port = problems.check(port, "port", self.params["port"]) if self.params["port"] is not None else None
        self.wanted = names("services", self.params["services"], problems)
        if self.params["services"] is not None and not self.wanted and self.params["address"] is None:
            problems.add("services: name at least one service")
        if (self.params["address"] is None) == (self.params["services"] is None):
            problems.add("give the backend's address (and optionally port) or its services, not both nor neither")
        if self.params["port"] is not None and self.params["address"] is None:
            problems.add("port: applies only with address")
        if self.params["state"] == "enabled" and self.params["delay"] is not None:
            problems.add("delay: applies only to state=drained")
        problems.raise_any()

    # -- reading -----------------------------------------------------------------------------------------------------

    def members(self) -> dict[str, dict[str, Any]]:
        """The backend's services (name -> address, port, pools, state per pool) and every pool's binding rows."""
        found: dict[str, dict[str, Any]] = {}
        self.others_up: dict[str, list[str]] = {}
        for pool in self.pools:
            bound = read_bindings(self.client, pool)
            mine = []
            for name, row in bound["services"].items():
                address = canonical(row.get("ipv46") or row.get("vsvrbindsvcip"))
                if self.wanted:
                    match = name in self.wanted
                else:
                    match = address == self.address and (self.port is None or to_number(row.get("port")) == self.port)
                if match:
                    mine.append(name)
                    entry = found.setdefault(
                        name, {"name": name, "address": address, "port": to_number(row.get("port")), "pools": []}
                    )
                    entry["pools"].append(pool)
                    entry.setdefault("states", {})[pool] = str(row.get("curstate") or "")
            if not mine:
                raise ApplianceStateError(self.not_found(pool, bound["services"]))
            self.others_up[pool] = [
                name for name, row in bound["services"].items() if name not in mine and row.get("curstate") == "UP"
            ] + self.group_members_up(bound["servicegroups"])
        missing = [name for name in self.wanted if name not in found]
        if missing:
            raise ApplianceStateError(
                f"services: {', '.join(missing)} not bound to {', '.join(self.pools)}; nothing was written"
            )
        return found

    def group_members_up(self, groups: dict[str, Any]) -> list[str]:
        up = []
        for group in groups:
            for row in self.client.get("servicegroup_servicegroupmember_binding", group):
                if row.get("svrstate") == "UP":
                    up.append(f"{group}:{row.get('servername') or row.get('ip')}:{row.get('port')}")
        return up

    def not_found(self, pool: str, bound: dict[str, Any]) -> str:
        if not bound and not self.client.get("lbvserver", pool, attrs=["name"]):
            return f"pools: no lbvserver named {pool!r} exists on the appliance; nothing was written"
        who = (
            f"services {', '.join(self.wanted)}"
            if self.wanted
            else f"address {self.address}" + (f" port {self.params['port']}" if self.port is not None else "")
        )
        members = ", ".join(f"{n} ({r.get('ipv46')}:{r.get('port')})" for n, r in sorted(bound.items())) or "none"
        return f"pools: lbvserver {pool!r} has no service for {who} (its services: {members}); nothing was written"

    def connections(self, services: list[str]) -> tuple[int, dict[str, int]]:
        """Client connections per service (NITRO stat of service), summed; keeps each service's stat state."""
        per = {}
        self.stat_state: dict[str, str] = {}
        for name in services:
            row = self.client.get_one("service", name, stat=True) or {}
            per[name] = int(to_number(row.get("curclntconnections")) or 0)
            self.stat_state[name] = str(row.get("state") or "")
        return sum(per.values()), per

    # -- the verbs ---------------------------------------------------------------------------------------------------

    def read(self) -> dict[str, dict[str, Any]]:
        return self.members()

    def plan(self, current: dict[str, dict[str, Any]]) -> Change:
        found = current
        self.names = sorted(found)
        self.found = found
        out = {name: any(s in OUT for s in entry["states"].values()) for name, entry in found.items()}
        before = {"services": {name: "disabled" if out[name] else "enabled" for name in self.names}}
        self.baseline: dict[str, list[dict[str, Any]]] = {}
        if self.params["state"] == "drained":
            change = self.plan_drain(found, out)
        else:
            change = self.plan_enable(out)
        change.before = before
        self.started = time.monotonic()
        return change

    def plan_drain(self, found: dict[str, Any], out: dict[str, bool]) -> Change:
        todo = [name for name in self.names if not out[name]]
        if todo and not self.params["allow_last"]:
            for pool in self.pools:
                leaving = [n for n in todo if found[n]["states"].get(pool) == "UP"]
                if leaving and not self.others_up[pool]:
                    raise ApplianceStateError(
                        f"allow_last: {', '.join(leaving)} is the last UP member of lbvserver {pool!r}; draining it "
                        "is an outage of that pool, nothing was written. Bring another member UP first, or set "
                        "allow_last: true"
                    )
        self.at_start = self.connections(self.names)[0]
        change = Change(
            after={"services": dict.fromkeys(self.names, "disabled")},
            predicted={
                "services": self.view(found),
                "connections": self.at_start,
                "summary": f"{', '.join(self.names)}; check mode: connections now {self.at_start}",
            },
        )
        body: dict[str, Any] = {"graceful": "YES"}
        if self.params["delay"] is not None:
            body["delay"] = self.params["delay"]
        for name in todo:
            change.write(self.client.action, "service", "disable", {"name": name, **body}, name=name)
        return change

    def plan_enable(self, out: dict[str, bool]) -> Change:
        todo = [name for name in self.names if out[name]]
        change = Change(
            after={"services": dict.fromkeys(self.names, "enabled")},
            predicted={
                "services": self.view(self.found),
                "summary": f"{', '.join(self.names)}; check mode: not waited for UP",
            },
        )
        if todo:
            change.write(self.enable_services, todo)
        return change

    def enable_services(self, todo: list[str]) -> None:
        # A service keeps its last health state while it is out of service, so UP right after the enable may be
        # stale: a service enabled here counts as UP once a probe sent after the enable succeeded.
        self.baseline = self.probes(todo)
        for name in todo:
            self.client.action("service", "enable", {"name": name}, name=name)

    def settle(self, change: Change, shown: dict[str, Any]) -> dict[str, Any]:
        if self.params["state"] == "drained":
            return self.drain(change)
        return self.wait_up()

    def returns(self, change: Change, shown: dict[str, Any]) -> dict[str, Any]:
        if self.params["state"] == "drained":
            return {"connections_at_start": self.at_start, "forced": False, **shown}
        return shown

    def drain(self, change: Change) -> dict[str, Any]:
        """Wait for the connections to end; force the services out at the timeout if asked."""
        names_ = self.names
        deadline = self.started + self.params["drain_timeout"]
        while True:
            total, per = self.connections(names_)
            if total == 0 or time.monotonic() >= deadline:
                break
            time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
        forced = False
        if total:
            open_ = ", ".join(f"{n} ({c})" for n, c in per.items() if c)
            if self.params["on_timeout"] == "fail":
                raise ApplianceStateError(
                    f"drain_timeout: after {self.params['drain_timeout']} s, {total} client connection(s) still open "
                    f"on {open_}; the services stay disabled gracefully and take no new connection. Set "
                    "on_timeout: force to take them out of service anyway, or state: enabled to put them back"
                )
            # Only the services still going out: one already OUT OF SERVICE (forced by an earlier run) gets no write.
            going = [n for n in names_ if self.stat_state.get(n) != "OUT OF SERVICE"]
            for name in going:
                self.write(self.client.action, "service", "disable", {"name": name}, name=name)
            self.nitro.warn(
                f"drain_timeout: after {self.params['drain_timeout']} s, {total} client connection(s) were still open "
                f"on {open_}; forced out of service (on_timeout: force)"
            )
            change.other_changes = change.other_changes or bool(going)
            forced = True
        seconds = round(time.monotonic() - self.started, 2)
        return {
            "connections": total,
            "drain_seconds": seconds,
            "forced": forced,
            "services": self.view(self.members()),
            "summary": f"{', '.join(names_)}; connections when the drain started {self.at_start}, left {total}, "
            f"drained in {seconds} s" + (" (FORCED)" if forced else ""),
        }

    def wait_up(self) -> dict[str, Any]:
        """Wait until every service is UP, by a probe sent after this run enabled it."""
        deadline = self.started + self.params["up_timeout"]
        while True:
            found = self.members()
            probes = self.probes(self.names)
            down = {
                n: e
                for n, e in found.items()
                if any(s != "UP" for s in e["states"].values())
                or not self.probed_up(probes.get(n, []), self.baseline, n)
            }
            if not down or time.monotonic() >= deadline:
                break
            time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
        if down:
            raise ApplianceStateError(f"up_timeout: after {self.params['up_timeout']} s, " + self.not_up(down, probes))
        seconds = round(time.monotonic() - self.started, 2)
        return {
            "services": self.view(found),
            "up_seconds": seconds,
            "summary": f"{', '.join(self.names)}; UP after {seconds} s",
        }

    def probes(self, services: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The monitor bindings of the services with their probe counters and last response (one GET)."""
        out: dict[str, list[dict[str, Any]]] = {}
        if services:
            for row in self.client.get("service_lbmonitor_binding", bulkbindings=True):
                if row.get("name") in services:
                    out.setdefault(str(row.get("name")), []).append(row)
        return out

    @staticmethod
    def probed_up(rows: list[dict[str, Any]], baseline: dict[str, list[dict[str, Any]]], name: str) -> bool:
        """Every probing monitor's last answer is a success (NetScaler's lastresponse starts "Success - "), sent after
        the enable for a service this run enabled (its totalprobes grew)."""
        before = {r.get("monitor_name"): int(to_number(r.get("totalprobes")) or 0) for r in baseline.get(name, [])}
        for row in rows:
            if str(row.get("monstate", "ENABLED")).upper() == "DISABLED":
                continue
            if not str(row.get("lastresponse") or "").startswith("Success"):
                return False
            if name in baseline and int(to_number(row.get("totalprobes")) or 0) <= before.get(
                row.get("monitor_name"), -1
            ):
                return False
        return True

    def not_up(self, down: dict[str, dict[str, Any]], probes: dict[str, list[dict[str, Any]]]) -> str:
        parts = []
        for name, entry in sorted(down.items()):
            states = ", ".join(f"{state} in {pool!r}" for pool, state in entry["states"].items() if state != "UP")
            states = states or "UP but no successful probe since it was enabled"
            monitors = "; ".join(
                f"monitor {r.get('monitor_name')} last response: {r.get('lastresponse') or '(none yet)'}"
                for r in probes.get(name, [])
            )
            parts.append(
                f"{name} ({entry['address']}:{entry['port']}) is not UP: {states}"
                + (f"; {monitors}" if monitors else "")
            )
        return "; ".join(parts) + ". The service is enabled; the rollout should stop here"

    @staticmethod
    def view(found: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for name, entry in sorted(found.items()):
            states = set(entry["states"].values())
            out.append(
                {
                    "name": name,
                    "address": entry["address"],
                    "port": entry["port"],
                    "pools": entry["pools"],
                    "state": states.pop() if len(states) == 1 else entry["states"],
                }
            )
        return out


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(PoolMemberManager)


if __name__ == "__main__":
    main()
