# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Direct Server Return VIP on a Linux backend. PRIVATE to the adcops.netscaler collection.

Three layers, each a fact kept once:

- what the host looks like (``Host``: iproute2 JSON output and /proc/sys, nothing else);
- what the persistence files say (``render_*``: pure functions of the VIPs, the device and the stack,
  so unit tests and ``--diff`` see exactly what would be written);
- the plan (``DsrLoopback``): sysctls first, then the device, then the addresses, so there is never a
  moment where the host holds the VIP and still answers ARP for it (ip-sysctl.rst, arp_ignore).

The previous values of the sysctls the module raised, and each VIP it added with the owner (the DSR
service) that holds it, are recorded in comments of its own sysctl drop-in (or of a state file under
/run when nothing is persisted). The record is written BEFORE anything changes, so ``state=absent``
puts back exactly what was there before, also after a run that failed half way. Several owners share
one host: ``present`` replaces only its owner's set, ``absent`` removes only its owner's VIPs (an
address two owners hold stays until both are gone), and the sysctls go back with the last IPv4 VIP.

The pure part (input, rendering, records) is ``_dsr_linux_render``; the host is ``_dsr_linux_host``.
This file plans and applies, and is the one modules import.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._dsr_linux_host import (
    Host,
    Runner,
    detect_stack,
    ours,
    read_file,
    which,
    write_file,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._dsr_linux_render import (
    IFUPDOWN_FILE,
    MARKER,
    NETPLAN_FILE,
    NETWORKD_DIR,
    NM_DIR,
    STACKS,
    DsrError,
    Entry,
    Record,
    check_ifname,
    check_owner,
    host_prefix,
    parse_vip,
    parse_vips,
    render_ifupdown,
    render_netplan,
    render_networkd,
    render_networkmanager,
    render_stack,
    render_sysctl,
    stack_paths,
)

__all__ = [
    "IFUPDOWN_FILE",
    "MARKER",
    "NETPLAN_FILE",
    "NETWORKD_DIR",
    "NM_DIR",
    "STACKS",
    "DsrError",
    "DsrLoopback",
    "Entry",
    "Host",
    "Options",
    "Plan",
    "Record",
    "Runner",
    "check_ifname",
    "check_owner",
    "detect_stack",
    "host_prefix",
    "parse_vip",
    "parse_vips",
    "read_file",
    "render_ifupdown",
    "render_netplan",
    "render_networkd",
    "render_networkmanager",
    "render_stack",
    "render_sysctl",
    "stack_paths",
    "which",
]

# Read through this module's globals, so tests can point them at a temporary directory.
SYSCTL_FILE = "/etc/sysctl.d/90-adcops-dsr.conf"
STATE_FILE = "/run/adcops-dsr-loopback.state"
# Minimum values (https://docs.kernel.org/networking/ip-sysctl.html): arp_ignore 1 = reply only for addresses on
# the incoming interface,
# arp_announce 2 = always use the best local address of the outgoing interface as ARP sender.
ARP_MINIMUM = {"arp_ignore": 1, "arp_announce": 2}
# The kernel installs an IPv6 address's local route from a workqueue (addrconf_dad_work in net/ipv6/addrconf.c, also
# when DAD is skipped), so on a host busy with netlink 'ip route get' can miss it for a moment after 'ip addr add'.
LOCAL_ROUTE_WAIT = 10.0
LOCAL_ROUTE_POLL = 0.05


@dataclass
class Plan:
    device: str
    device_exists: bool
    sysctls: dict[str, tuple[int | None, int]]
    to_delete: list[tuple[str, str]]  # (address, device): another prefix, or a VIP no owner holds any more
    to_add: list[str]
    record_path: str
    files: dict[str, str]
    stale: list[str]
    stack: str


@dataclass
class Options:
    vips: list[str]
    interface: str = "auto"
    dummy_name: str = "dsr0"
    network_stack: str = "auto"
    persist: bool = True
    state: str = "present"
    owner: str = "default"
    exclusive: bool = False


def _ip(vip: str) -> str:
    return vip.split("/", maxsplit=1)[0]


class DsrLoopback:
    """Plans and applies one run. ``check_mode`` predicts and changes nothing."""

    def __init__(self, host: Host, options: Options, check_mode: bool) -> None:
        # every input is checked before the host is even read
        check_owner(options.owner)
        check_ifname(options.dummy_name)
        self.vips = parse_vips(options.vips)
        self.host = host
        self.options = options
        self.check_mode = check_mode
        self.warnings: list[str] = []
        self.changed = False
        self.links = host.links()
        self.addresses = host.addresses()
        self.record = Record.parse(read_file(SYSCTL_FILE) if ours(read_file(SYSCTL_FILE)) else None)
        self.record.merge(Record.parse(read_file(STATE_FILE) if ours(read_file(STATE_FILE)) else None, persist=False))
        self.before: dict[str, Any] = {"addresses": {}, "sysctls": {}, "files": {}}
        self.after: dict[str, Any] = {"addresses": {}, "sysctls": {}, "files": {}}

    # -------------------------------------------------------------------------------- decisions

    def device(self) -> tuple[str, str]:
        wanted, name = self.options.interface, self.options.dummy_name
        existing = self.links.get(name, {}).get("linkinfo", {}).get("info_kind")
        if wanted == "lo":
            return "lo", "interface=lo"
        if existing == "dummy":
            return name, f"the dummy device {name} already exists"
        if name in self.links:
            raise DsrError(f"dummy_name: {name!r} already exists and is not a dummy device ({existing or 'physical'})")
        available, why = self.host.dummy_driver()
        if wanted == "dummy":
            if not available:
                raise DsrError(f"interface=dummy, but {why}; use interface=lo or auto")
            return name, f"interface=dummy; {why}"
        if available:
            return name, f"interface=auto: {why}"
        return "lo", f"interface=auto: {why}, so the VIPs go on lo as host prefixes"

    def stack(self) -> tuple[str, str]:
        if not self.options.persist:
            return "none", "persist=false"
        if self.options.network_stack != "auto":
            return self.options.network_stack, f"network_stack={self.options.network_stack}"
        return detect_stack(self.host)

    def recorded_stack(self) -> str:
        """The stack that persists the VIPs other owners (or earlier runs) persisted; records of 1.0.0 do not say."""
        if self.record.stack:
            return self.record.stack
        if not any(entry.persist for entry in self.record.entries):
            return "none"
        if self.options.network_stack != "auto":
            return self.options.network_stack
        return detect_stack(self.host)[0]

    def validate_vips(self, device: str) -> None:
        """A VIP that is one of the host's own addresses or a next hop of its routes would cut the host off."""
        problems = []
        for ifname, infos in self.addresses.items():
            if ifname == device:
                continue
            for info in infos:
                local = info.get("local")
                if any(str(vip) == local for vip in self.vips):
                    problems.append(
                        f"vips: {local} is already an address of {ifname}, one of the host's own addresses; "
                        f"a DSR VIP must only be held on {device} (remove it from {ifname} first)"
                    )
        gateways = self.host.gateways(tuple(sorted({f"-{vip.version}" for vip in self.vips})))
        for vip in self.vips:
            if str(vip) in gateways:
                problems.append(
                    f"vips: {vip} is a gateway of this host ({gateways[str(vip)]}); holding it locally would cut "
                    "the host off from its router"
                )
        if problems:
            raise DsrError("; ".join(problems))

    # ------------------------------------------------------------------------------------- sysctls

    def sysctl_plan(self, devices: list[str]) -> dict[str, tuple[int | None, int]]:
        """key -> (current, wanted) for 'all' and every device that holds an IPv4 VIP; only raised, never lowered."""
        if not devices:
            return {}  # IPv6 has no ARP; an NS is answered only for addresses of the receiving device
        plan = {}
        for scope in ("all", *devices):
            for name, minimum in ARP_MINIMUM.items():
                key = f"net.ipv4.conf.{scope}.{name}"
                # a device that does not exist yet starts with the 'default' values
                exists = scope == "all" or scope in self.links
                current = self.host.sysctl_get(key if exists else f"net.ipv4.conf.default.{name}")
                plan[key] = (current, max(current or 0, minimum))
        return plan

    def have(self, dev: str) -> dict[str, str]:
        """address -> address/prefix on ``dev``."""
        return {a["local"]: f"{a['local']}/{a['prefixlen']}" for a in self.addresses.get(dev, []) if "local" in a}

    def render(
        self, entries: list[Entry], stack: str, sysctls: dict[str, tuple[int | None, int]]
    ) -> tuple[str, dict[str, str], str]:
        """The record file and the stack's files for ``entries`` (all owners); returns (record path, files, stack)."""
        persisted = [e for e in entries if e.persist]
        record_path = SYSCTL_FILE if persisted else STATE_FILE
        if not persisted:
            stack = "none"
        previous = dict(self.record.previous)
        applied = dict(self.record.applied)
        for key, (cur, wanted) in sysctls.items():
            previous.setdefault(key, cur or 0)
            applied[key] = wanted
        applied = {key: value for key, value in applied.items() if key in previous}
        files = {
            record_path: render_sysctl(
                applied, previous, entries, stack if persisted else None, settings=record_path == SYSCTL_FILE
            )
        }
        devices: dict[str, list[str]] = {}
        for entry in persisted:
            devices.setdefault(entry.dev, [])
            if entry.vip not in devices[entry.dev]:
                devices[entry.dev].append(entry.vip)
        files.update(render_stack(stack, devices, SYSCTL_FILE if record_path == SYSCTL_FILE else None))
        return record_path, files, stack

    def stale_files(self, files: dict[str, str], devices: set[str]) -> list[str]:
        candidates = {SYSCTL_FILE, STATE_FILE, *[p for dev in devices for p in stack_paths(dev)]}
        return sorted(path for path in candidates if path not in files and ours(read_file(path)))

    # ----------------------------------------------------------------------------------------- run

    def run(self) -> dict[str, Any]:
        if self.options.state == "absent":
            return self.absent()
        if not self.vips:
            raise DsrError("vips: give at least one VIP with state=present")
        device, device_reason = self.device()
        self.validate_vips(device)
        stack, stack_reason = self.stack()
        owner, persist = self.options.owner, self.options.persist
        vips = [host_prefix(vip) for vip in self.vips]

        have = self.have(device)
        to_add = [vip for vip in vips if vip not in have.values()]
        wrong_prefix = [(have[_ip(vip)], device) for vip in to_add if _ip(vip) in have]
        recorded_here = {e.vip for e in self.record.entries if e.dev == device}
        # The owner holds what it adds now and what any owner added before (a shared VIP counts once per owner);
        # an address the operator put there by hand is left out, so absent never takes it away.
        mine = [Entry(vip, device, owner, persist) for vip in vips if vip in to_add or vip in recorded_here]
        keep = [] if self.options.exclusive else [e for e in self.record.entries if e.owner != owner]
        final = list(dict.fromkeys([*keep, *mine]))
        held = {(e.vip, e.dev) for e in final}
        dropped = list(
            dict.fromkeys(
                (e.vip, e.dev)
                for e in self.record.entries
                if (e.vip, e.dev) not in held and e.vip in self.have(e.dev).values()
            )
        )
        v4_devices = list(dict.fromkeys(e.dev for e in final if ":" not in e.vip))
        sysctls = self.sysctl_plan(v4_devices)
        persist_stack = stack if persist else self.recorded_stack()
        record_path, files, persist_stack = self.render(final, persist_stack, sysctls)
        devices = {device, self.options.dummy_name, *[e.dev for e in self.record.entries]}
        stale = self.stale_files(files, devices)
        for path in files:
            existing = read_file(path)
            if existing is not None and not ours(existing):
                raise DsrError(f"{path} exists and was not written by this module; move it away or pick another stack")

        removed = {*wrong_prefix, *dropped}
        for dev in sorted({device, *[pair[1] for pair in dropped]}):
            now = set(self.have(dev).values())
            self.before["addresses"][dev] = sorted(now)
            gone = {vip for vip, d in removed if d == dev}
            self.after["addresses"][dev] = sorted((now - gone) | (set(vips) if dev == device else set()))
        for key, (cur, wanted) in sysctls.items():
            self.before["sysctls"][key] = cur
            self.after["sysctls"][key] = wanted
        for path, text in files.items():
            self.before["files"][path] = read_file(path)
            self.after["files"][path] = text
        for path in stale:
            self.before["files"][path] = read_file(path)
            self.after["files"][path] = None

        if not self.check_mode:
            self.apply_present(
                Plan(
                    device,
                    device in self.links,
                    sysctls,
                    [*wrong_prefix, *dropped],
                    to_add,
                    record_path,
                    files,
                    stale,
                    persist_stack,
                )
            )
        self.changed = self.before != self.after or (device == "lo" and not self.lo_up())
        checks = self.checks(device, sysctls, {device, *v4_devices})
        if not self.check_mode and not checks["ok"]:
            raise RuntimeError(f"post-checks failed after the change: {json.dumps(checks, sort_keys=True)}")
        return {
            "changed": self.changed,
            "owner": owner,
            "interface": device,
            "interface_reason": device_reason,
            "network_stack": stack,
            "network_stack_reason": stack_reason,
            "vips": vips,
            "removed_addresses": [pair[0] for pair in dropped],
            "held_by_others": sorted({f"{e.vip} ({e.owner})" for e in keep}),
            "files": sorted(files),
            "checks": checks,
            "diff": {"before": self.before, "after": self.after},
        }

    def lo_up(self) -> bool:
        return "UP" in self.links.get("lo", {}).get("flags", ["UP"])

    def write_record(self, path: str, text: str) -> None:
        """The record goes first: whatever fails later, state=absent knows what to put back."""
        if read_file(path) != text:
            write_file(path, text)
            self.host.changes.append(f"wrote {path}")

    def apply_present(self, plan: Plan) -> None:
        device, sysctls = plan.device, plan.sysctls
        # 0. the record of what is about to change, with the values from before.
        self.write_record(plan.record_path, plan.files[plan.record_path])
        # 1. ARP suppression on 'all' before the VIP exists anywhere.
        for key, (cur, wanted) in sysctls.items():
            if key.startswith("net.ipv4.conf.all.") and cur != wanted:
                self.host.sysctl_set(key, wanted)
        # 2. the device, then its own sysctls, then the addresses.
        if device != "lo" and not plan.device_exists:
            self.host.ip("link", "add", device, "type", "dummy")
        for key, (_cur, wanted) in sysctls.items():
            if not key.startswith("net.ipv4.conf.all.") and self.host.sysctl_get(key) not in (None, wanted):
                self.host.sysctl_set(key, wanted)
        if device != "lo" or not self.lo_up():
            self.host.ip("link", "set", "dev", device, "up")
        for vip, dev in plan.to_delete:
            self.host.ip("-6" if ":" in vip else "-4", "addr", "del", vip, "dev", dev)
        for vip in plan.to_add:
            self.host.ip("-6" if ":" in vip else "-4", "addr", "add", vip, "dev", device)
        # 3. persistence, then tell a running stack to read it (no restart, no re-apply).
        self.write_files(plan.files, plan.stale, plan.stack)

    def write_files(self, files: dict[str, str], stale: list[str], stack: str) -> None:
        touched = [path for path, text in files.items() if read_file(path) != text]
        for path in touched:
            write_file(path, files[path])
            self.host.changes.append(f"wrote {path}")
        for path in stale:
            os.unlink(path)
            self.host.changes.append(f"removed {path}")
        if touched or stale:
            self.reload_stack(stack)

    def reload_stack(self, stack: str) -> None:
        command = {
            "networkd": (["networkctl", "reload"], ("systemd-networkd.service", "systemd-network")),
            "networkmanager": (["nmcli", "connection", "reload"], ("NetworkManager.service", "NetworkManager")),
        }.get(stack)
        if command and self.host.service_active(*command[1]):
            self.run_or_warn(command[0])
        elif stack == "netplan" and which("netplan"):
            # regenerate the backend files under /run; 'netplan apply' is left to the operator
            self.run_or_warn(["netplan", "generate"])

    def run_or_warn(self, argv: list[str]) -> None:
        rc, out, err = self.host.run(argv)
        if rc != 0:
            self.warnings.append(f"{' '.join(argv)} failed (rc={rc}): {(err or out).strip()}")

    # -------------------------------------------------------------------------------------- absent

    def absent(self) -> dict[str, Any]:
        owner = self.options.owner
        device, device_reason = (
            ("lo", "interface=lo")
            if self.options.interface == "lo"
            else (self.options.dummy_name, "the dummy device")
            if self.options.dummy_name in self.links or self.options.interface == "dummy"
            else ("lo", "no dummy device")
        )
        entries = self.record.entries
        mine = entries if self.options.exclusive else [e for e in entries if e.owner == owner]
        remaining = [e for e in entries if e not in mine]
        held = {(_ip(e.vip), e.dev) for e in remaining}
        recorded = {(_ip(e.vip), e.dev) for e in entries}
        listed = [(host_prefix(v), device) for v in self.vips]
        for vip, dev in listed:
            if (_ip(vip), dev) in held:
                others = sorted({e.owner for e in remaining if _ip(e.vip) == _ip(vip) and e.dev == dev})
                self.warnings.append(f"{_ip(vip)} stays on {dev}: owner(s) {', '.join(others)} still hold it")
        targets = [(e.vip, e.dev) for e in mine] + [pair for pair in listed if (_ip(pair[0]), pair[1]) not in recorded]
        remove: list[tuple[str, str]] = []
        for vip, dev in dict.fromkeys(targets):
            ip = _ip(vip)
            if (ip, dev) in held:
                continue  # another owner still holds it
            if ip in self.have(dev):
                remove.append((self.have(dev)[ip], dev))
        devices = sorted({pair[1] for pair in targets} | {device})
        for dev in devices:
            have = sorted(self.have(dev).values())
            self.before["addresses"][dev] = have
            self.after["addresses"][dev] = [a for a in have if (a, dev) not in remove]
        # the ARP settings stay while any owner holds an IPv4 VIP
        restore = {}
        if not any(":" not in e.vip for e in remaining):
            restore = {
                key: prev
                for key, prev in self.record.previous.items()
                if self.host.sysctl_get(key) is not None
                and self.host.sysctl_get(key) == self.record.applied.get(key)
                and prev != self.record.applied.get(key)
            }
        for key, prev in restore.items():
            self.before["sysctls"][key] = self.host.sysctl_get(key)
            self.after["sysctls"][key] = prev
        stack = self.recorded_stack()
        files: dict[str, str] = {}
        if remaining:
            v4_devices = list(dict.fromkeys(e.dev for e in remaining if ":" not in e.vip))
            sysctls = {key: (value, value) for key, value in self.record.applied.items()}
            sysctls = {k: v for k, v in sysctls.items() if k.split(".")[3] in ("all", *v4_devices)}
            _path, files, stack = self.render(remaining, stack, sysctls)
        stale = self.stale_files(files, {*devices, self.options.dummy_name, *[e.dev for e in entries]})
        for path, text in files.items():
            if read_file(path) != text:
                self.before["files"][path] = read_file(path)
                self.after["files"][path] = text
        for path in stale:
            self.before["files"][path] = read_file(path)
            self.after["files"][path] = None
        delete_links = [
            dev
            for dev in devices
            if dev != "lo"
            and self.links.get(dev, {}).get("linkinfo", {}).get("info_kind") == "dummy"
            and any(e.dev == dev for e in mine)
            and not any(e.dev == dev for e in remaining)
            and not [a for a in self.after["addresses"].get(dev, []) if not a.startswith("fe80:")]
        ]
        if not self.check_mode:
            for vip, dev in remove:
                self.host.ip("-6" if ":" in vip else "-4", "addr", "del", vip, "dev", dev)
            for dev in delete_links:
                self.host.ip("link", "del", dev)
            for key, prev in restore.items():
                self.host.sysctl_set(key, prev)
            self.write_files({p: t for p, t in files.items() if p in self.after["files"]}, stale, stack)
        self.changed = bool(remove or restore or self.after["files"] or delete_links)
        return {
            "changed": self.changed,
            "owner": owner,
            "interface": device,
            "interface_reason": device_reason,
            "removed_addresses": [pair[0] for pair in remove],
            "removed_links": delete_links,
            "restored_sysctls": restore,
            "removed_files": stale,
            "held_by_others": sorted({f"{e.vip} ({e.owner})" for e in remaining}),
            "diff": {"before": self.before, "after": self.after},
        }

    # -------------------------------------------------------------------------------------- checks

    def settle(self, device: str) -> dict[str, Any]:
        """Each VIP's route type and addresses, waiting (bounded) until every VIP is local and past DAD."""
        deadline = time.monotonic() + LOCAL_ROUTE_WAIT
        while True:
            routes = {str(vip): self.host.route_type(str(vip)) for vip in self.vips}
            addresses = self.host.addresses()
            held = {a.get("local"): a for a in addresses.get(device, [])}
            settled = all(
                routes[str(vip)] == "local" and str(vip) in held and not held[str(vip)].get("tentative")
                for vip in self.vips
            )
            if settled or time.monotonic() > deadline:
                return {"addresses": addresses, "routes": routes}
            time.sleep(LOCAL_ROUTE_POLL)

    def checks(
        self, device: str, sysctls: dict[str, tuple[int | None, int]], vip_devices: set[str] | None = None
    ) -> dict[str, Any]:
        """The post-checks: VIP local, host prefix, effective ARP settings of every uplink.

        In check mode the VIP checks report the plan and the ARP checks use the planned 'all' values.
        """
        live = not self.check_mode
        settled = self.settle(device) if live else {"addresses": {}, "routes": {}}
        addresses = settled["addresses"]
        vips: dict[str, Any] = {}
        for vip in self.vips:
            if live:
                infos = [a for a in addresses.get(device, []) if a.get("local") == str(vip)]
                route = settled["routes"][str(vip)]
                prefix_ok = bool(infos) and all(a["prefixlen"] == vip.max_prefixlen for a in infos)
            else:
                route, prefix_ok = "local (planned)", True
            vips[str(vip)] = {"route": route, "local": route.startswith("local"), "host_prefix": prefix_ok}
        uplinks: dict[str, Any] = {}
        if sysctls:

            def value(key: str) -> int:
                if not live and key in sysctls:
                    return sysctls[key][1]
                return self.host.sysctl_get(key) or 0

            for ifname in self.host.ipv4_conf_interfaces():
                if ifname in ("all", "default", "lo", device, *(vip_devices or ())):
                    continue
                entry = {}
                for name, minimum in ARP_MINIMUM.items():
                    effective = max(value(f"net.ipv4.conf.all.{name}"), value(f"net.ipv4.conf.{ifname}.{name}"))
                    entry[name] = effective
                    entry[f"{name}_ok"] = effective >= minimum
                uplinks[ifname] = entry
        ok = all(v["local"] and v["host_prefix"] for v in vips.values()) and all(
            u["arp_ignore_ok"] and u["arp_announce_ok"] for u in uplinks.values()
        )
        return {"ok": ok, "vips": vips, "uplinks": uplinks}
