# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Direct Server Return VIP on a Linux backend. PRIVATE to the adcops.netscaler collection.

Three layers, each a fact kept once:

- what the host looks like (``Host``: iproute2 JSON output and /proc/sys, nothing else);
- what the persistence files say (``render_*``: pure functions of the VIPs, the device and the stack,
  so unit tests and ``--diff`` see exactly what would be written);
- the plan (``DsrLoopback``): sysctls first, then the device, then the addresses, so there is never a
  moment where the host holds the VIP and still answers ARP for it (ip-sysctl.rst, arp_ignore).

The previous values of the sysctls the module raised are recorded in comments of its own sysctl
drop-in (or of a state file under /run when nothing is persisted), so ``state=absent`` puts back
exactly what was there before.

The pure part (input, rendering, records) is ``_dsr_linux_render``; the host is ``_dsr_linux_host``.
This file plans and applies, and is the one modules import.
"""

from __future__ import annotations

import json
import os
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
    Record,
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
    "Host",
    "Options",
    "Plan",
    "Record",
    "Runner",
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


@dataclass
class Plan:
    device: str
    device_exists: bool
    sysctls: dict[str, tuple[int | None, int]]
    to_delete: list[str]  # the same address with another prefix, or a VIP an earlier run added that is not listed
    to_add: list[str]
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


class DsrLoopback:
    """Plans and applies one run. ``check_mode`` predicts and changes nothing."""

    def __init__(self, host: Host, options: Options, check_mode: bool) -> None:
        self.host = host
        self.options = options
        self.check_mode = check_mode
        self.vips = parse_vips(options.vips)
        self.warnings: list[str] = []
        self.changed = False
        self.links = host.links()
        self.addresses = host.addresses()
        self.record = Record.parse(read_file(SYSCTL_FILE) if ours(read_file(SYSCTL_FILE)) else None)
        state_record = Record.parse(read_file(STATE_FILE) if ours(read_file(STATE_FILE)) else None)
        self.record.previous = {**state_record.previous, **self.record.previous}
        self.record.applied = {**state_record.applied, **self.record.applied}
        self.record.vips = list(dict.fromkeys([*self.record.vips, *state_record.vips]))
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

    def validate_vips(self, device: str) -> None:
        for ifname, infos in self.addresses.items():
            if ifname == device:
                continue
            for info in infos:
                local = info.get("local")
                if any(str(vip) == local for vip in self.vips):
                    raise DsrError(
                        f"vips: {local} is already an address of {ifname}, one of the host's own addresses; "
                        f"a DSR VIP must only be held on {device} (remove it from {ifname} first)"
                    )

    # ------------------------------------------------------------------------------------- sysctls

    def sysctl_plan(self, device: str, device_exists: bool) -> dict[str, tuple[int | None, int]]:
        """key -> (current, wanted); only raised, never lowered."""
        if not any(vip.version == 4 for vip in self.vips):
            return {}  # IPv6 has no ARP; an NS is answered only for addresses of the receiving device
        plan = {}
        for scope in ("all", device):
            for name, minimum in ARP_MINIMUM.items():
                key = f"net.ipv4.conf.{scope}.{name}"
                # a device that does not exist yet starts with the 'default' values
                source = key if device_exists or scope == "all" else f"net.ipv4.conf.default.{name}"
                current = self.host.sysctl_get(source)
                plan[key] = (current, max(current or 0, minimum))
        return plan

    # ----------------------------------------------------------------------------------------- run

    def run(self) -> dict[str, Any]:
        if self.options.state == "absent":
            return self.absent()
        if not self.vips:
            raise DsrError("vips: give at least one VIP with state=present")
        device, device_reason = self.device()
        self.validate_vips(device)
        stack, stack_reason = self.stack()
        device_exists = device in self.links
        sysctls = self.sysctl_plan(device, device_exists)
        vips = [host_prefix(vip) for vip in self.vips]

        current = self.addresses.get(device, [])
        have = {f"{a['local']}/{a['prefixlen']}" for a in current}
        have_ips = {a["local"]: f"{a['local']}/{a['prefixlen']}" for a in current}
        to_add = [vip for vip in vips if vip not in have]
        wrong_prefix = [have_ips[vip.split("/")[0]] for vip in to_add if vip.split("/")[0] in have_ips]
        recorded = [vip for vip, dev in self.record.vips if dev == device]
        # VIPs an earlier run added that are no longer listed go away (the list is the whole set)
        dropped = [vip for vip in recorded if vip not in vips and vip in have]
        added = list(dict.fromkeys([*[vip for vip in recorded if vip in vips], *to_add]))

        previous = {key: self.record.previous.get(key, pair[0] or 0) for key, pair in sysctls.items()}
        applied = {key: pair[1] for key, pair in sysctls.items()}
        files: dict[str, str] = {}
        record_text = render_sysctl(device, applied, previous, added)
        if self.options.persist:
            files[SYSCTL_FILE] = record_text
        else:
            files[STATE_FILE] = record_text
        files.update(render_stack(stack, device, vips, SYSCTL_FILE if SYSCTL_FILE in files else None))
        stale = [
            path
            for path in {SYSCTL_FILE, STATE_FILE, *stack_paths(device), *stack_paths(self.options.dummy_name)}
            if path not in files and ours(read_file(path))
        ]
        for path in files:
            existing = read_file(path)
            if existing is not None and not ours(existing):
                raise DsrError(f"{path} exists and was not written by this module; move it away or pick another stack")

        self.before["addresses"][device] = sorted(have)
        self.after["addresses"][device] = sorted((have - set(wrong_prefix) - set(dropped)) | set(vips))
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
                Plan(device, device_exists, sysctls, [*wrong_prefix, *dropped], to_add, files, stale, stack)
            )
        self.changed = self.before != self.after or (device == "lo" and not self.lo_up())
        checks = self.checks(device, sysctls)
        if not self.check_mode and not checks["ok"]:
            raise RuntimeError(f"post-checks failed after the change: {json.dumps(checks, sort_keys=True)}")
        return {
            "changed": self.changed,
            "interface": device,
            "interface_reason": device_reason,
            "network_stack": stack,
            "network_stack_reason": stack_reason,
            "vips": vips,
            "removed_addresses": dropped,
            "files": sorted(files),
            "checks": checks,
            "diff": {"before": self.before, "after": self.after},
        }

    def lo_up(self) -> bool:
        return "UP" in self.links.get("lo", {}).get("flags", ["UP"])

    def apply_present(self, plan: Plan) -> None:
        device, sysctls = plan.device, plan.sysctls
        # 1. ARP suppression on 'all' before the VIP exists anywhere.
        for key, (cur, wanted) in sysctls.items():
            if key.startswith("net.ipv4.conf.all.") and cur != wanted:
                self.host.sysctl_set(key, wanted)
        # 2. the device, then its own sysctls, then the addresses.
        if device != "lo" and not plan.device_exists:
            self.host.ip("link", "add", device, "type", "dummy")
        for key, (_cur, wanted) in sysctls.items():
            if not key.startswith("net.ipv4.conf.all.") and self.host.sysctl_get(key) != wanted:
                self.host.sysctl_set(key, wanted)
        if device != "lo" or not self.lo_up():
            self.host.ip("link", "set", "dev", device, "up")
        for vip in plan.to_delete:
            self.host.ip("-6" if ":" in vip else "-4", "addr", "del", vip, "dev", device)
        for vip in plan.to_add:
            self.host.ip("-6" if ":" in vip else "-4", "addr", "add", vip, "dev", device)
        # 3. persistence, then tell a running stack to read it (no restart, no re-apply).
        touched = [path for path, text in plan.files.items() if read_file(path) != text]
        for path in touched:
            write_file(path, plan.files[path])
        for path in plan.stale:
            os.unlink(path)
        if touched or plan.stale:
            self.reload_stack(plan.stack)

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
        device, device_reason = (
            ("lo", "interface=lo")
            if self.options.interface == "lo"
            else (self.options.dummy_name, "the dummy device")
            if self.options.dummy_name in self.links or self.options.interface == "dummy"
            else ("lo", "no dummy device")
        )
        targets = list(dict.fromkeys([*self.record.vips, *[(host_prefix(v), device) for v in self.vips]]))
        remove: list[tuple[str, str]] = []
        for vip, dev in targets:
            ip = vip.split("/")[0]
            for info in self.addresses.get(dev, []):
                if info.get("local") == ip:
                    remove.append((f"{ip}/{info['prefixlen']}", dev))
        devices = sorted({pair[1] for pair in targets} | {device})
        for dev in devices:
            have = sorted(f"{a['local']}/{a['prefixlen']}" for a in self.addresses.get(dev, []))
            self.before["addresses"][dev] = have
            self.after["addresses"][dev] = [a for a in have if (a, dev) not in remove]
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
        paths = sorted({SYSCTL_FILE, STATE_FILE, *[p for dev in devices for p in stack_paths(dev)]})
        stale = [path for path in paths if ours(read_file(path))]
        for path in stale:
            self.before["files"][path] = read_file(path)
            self.after["files"][path] = None
        delete_links = [
            dev
            for dev in devices
            if dev != "lo"
            and self.links.get(dev, {}).get("linkinfo", {}).get("info_kind") == "dummy"
            and any(pair[1] == dev for pair in self.record.vips)
            and not [a for a in self.after["addresses"].get(dev, []) if not a.startswith("fe80:")]
        ]
        if not self.check_mode:
            for vip, dev in remove:
                self.host.ip("-6" if ":" in vip else "-4", "addr", "del", vip, "dev", dev)
            for dev in delete_links:
                self.host.ip("link", "del", dev)
            for key, prev in restore.items():
                self.host.sysctl_set(key, prev)
            for path in stale:
                os.unlink(path)
            if stale:
                self.reload_stack(self.stack()[0] if self.options.persist else "none")
        self.changed = bool(remove or restore or stale or delete_links)
        return {
            "changed": self.changed,
            "interface": device,
            "interface_reason": device_reason,
            "removed_addresses": [pair[0] for pair in remove],
            "removed_links": delete_links,
            "restored_sysctls": restore,
            "removed_files": stale,
            "diff": {"before": self.before, "after": self.after},
        }

    # -------------------------------------------------------------------------------------- checks

    def checks(self, device: str, sysctls: dict[str, tuple[int | None, int]]) -> dict[str, Any]:
        """The post-checks: VIP local, host prefix, effective ARP settings of every uplink.

        In check mode the VIP checks report the plan and the ARP checks use the planned 'all' values.
        """
        live = not self.check_mode
        addresses = self.host.addresses() if live else {}
        vips: dict[str, Any] = {}
        for vip in self.vips:
            if live:
                infos = [a for a in addresses.get(device, []) if a.get("local") == str(vip)]
                route = self.host.route_type(str(vip))
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
                if ifname in ("all", "default", "lo", device):
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
