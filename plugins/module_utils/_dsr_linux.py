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
"""

from __future__ import annotations

import glob
import ipaddress
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

MARKER = "# Managed by adcops.netscaler.dsr_loopback"
SYSCTL_FILE = "/etc/sysctl.d/90-adcops-dsr.conf"
STATE_FILE = "/run/adcops-dsr-loopback.state"
NETWORKD_DIR = "/etc/systemd/network"
NM_DIR = "/etc/NetworkManager/system-connections"
IFUPDOWN_FILE = "/etc/network/interfaces.d/adcops-dsr"
NETPLAN_FILE = "/etc/netplan/60-adcops-dsr.yaml"

STACKS = ("networkd", "networkmanager", "ifupdown", "netplan", "none")
# Minimum values (ip-sysctl.rst): arp_ignore 1 = reply only for addresses on the incoming interface,
# arp_announce 2 = always use the best local address of the outgoing interface as ARP sender.
ARP_MINIMUM = {"arp_ignore": 1, "arp_announce": 2}
PREVIOUS_RE = re.compile(r"^# previous (\S+)=(-?\d+)$")
VIP_RE = re.compile(r"^# vip (\S+) dev (\S+)$")
APPLIED_RE = re.compile(r"^-?(net\.\S+) = (-?\d+)$")
NM_NAMESPACE = uuid.UUID("2b1f5a8e-5d0c-4c4e-9a51-6f0c1d2dd5e1")


class DsrError(Exception):
    """Bad input or an unusable host, found before anything changes."""


# ----------------------------------------------------------------------------------------------- input


def parse_vip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """One VIP: an address, or an address with its host prefix (/32, /128). Anything else fails."""
    value = str(text).strip()
    try:
        if "/" in value:
            iface = ipaddress.ip_interface(value)
            if iface.network.prefixlen != iface.max_prefixlen:
                raise DsrError(
                    f"vips: {value!r} is a network or a prefix, not a single address; a DSR VIP is a host "
                    f"address (/{iface.max_prefixlen})"
                )
            address = iface.ip
        else:
            address = ipaddress.ip_address(value)
    except ValueError as exc:
        raise DsrError(f"vips: {value!r} is not an IPv4 or IPv6 address ({exc})") from None
    for attribute, what in (
        ("is_unspecified", "the unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_multicast", "a multicast address"),
        ("is_link_local", "a link-local address"),
    ):
        if getattr(address, attribute):
            raise DsrError(f"vips: {value!r} is {what}, which cannot be a load-balanced VIP")
    return address


def parse_vips(values: Iterable[str]) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    seen: dict[str, Any] = {}
    for value in values:
        address = parse_vip(value)
        seen.setdefault(str(address), address)
    return list(seen.values())


def host_prefix(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    return f"{address}/{address.max_prefixlen}"


# ------------------------------------------------------------------------------------------ rendering


def _header(what: str) -> list[str]:
    return [f"{MARKER} ({what}). Direct Server Return VIPs; edits are overwritten."]


def render_sysctl(device: str, values: dict[str, int], previous: dict[str, int], vips: list[str]) -> str:
    """The sysctl.d drop-in: the raised values, plus what was there before and which VIPs were added."""
    lines = _header("ARP suppression for DSR VIPs, applied by systemd-sysctl before the network")
    lines.append("# Values before the first run (state=absent restores them) and the VIPs it added:")
    lines += [f"# previous {key}={value}" for key, value in sorted(previous.items())]
    lines += [f"# vip {vip} dev {device}" for vip in vips]
    for key, value in values.items():
        # '-': the device may not exist yet when systemd-sysctl runs; systemd-sysctl applies the
        # per-interface keys again when the interface appears (sysctl.d(5)).
        prefix = "-" if f".conf.{device}." in key and device != "lo" else ""
        lines.append(f"{prefix}{key} = {value}")
    return "\n".join(lines) + "\n"


def render_networkd(device: str, vips: list[str]) -> dict[str, str]:
    network = [
        *_header("systemd-networkd"),
        "[Match]",
        f"Name={device}",
        "",
        "[Link]",
        "RequiredForOnline=no",
        "",
        "[Network]",
        # Keep addresses networkd did not configure (127.0.0.1, an operator's own lo addresses).
        "KeepConfiguration=static",
        "LinkLocalAddressing=no",
        "IPv6AcceptRA=no",
        *[f"Address={vip}" for vip in vips],
    ]
    files = {f"{NETWORKD_DIR}/60-adcops-dsr-{device}.network": "\n".join(network) + "\n"}
    if device != "lo":
        netdev = [*_header("systemd-networkd"), "[NetDev]", f"Name={device}", "Kind=dummy"]
        files[f"{NETWORKD_DIR}/60-adcops-dsr-{device}.netdev"] = "\n".join(netdev) + "\n"
    return files


def render_networkmanager(device: str, vips: list[str]) -> dict[str, str]:
    v4 = [vip for vip in vips if ":" not in vip]
    v6 = [vip for vip in vips if ":" in vip]
    name = f"adcops-dsr-{device}"
    lines = [
        *_header("NetworkManager keyfile"),
        "[connection]",
        f"id={name}",
        f"uuid={uuid.uuid5(NM_NAMESPACE, name)}",
        # lo needs NetworkManager 1.42 or later (type loopback); dummy since 1.8
        f"type={'loopback' if device == 'lo' else 'dummy'}",
        f"interface-name={device}",
        "autoconnect=true",
        "",
        "[ipv4]",
        "method=manual" if v4 or device == "lo" else "method=disabled",
        *[f"address{n}={vip}" for n, vip in enumerate(v4, 1)],
        "",
        "[ipv6]",
        "addr-gen-mode=stable-privacy",
        "method=manual" if v6 or device == "lo" else "method=disabled",
        *[f"address{n}={vip}" for n, vip in enumerate(v6, 1)],
    ]
    return {f"{NM_DIR}/{name}.nmconnection": "\n".join(lines) + "\n"}


def render_ifupdown(device: str, vips: list[str], sysctl_file: str | None) -> dict[str, str]:
    # A second "inet manual" stanza for lo is merged with the distribution's "iface lo inet loopback"
    # (interfaces(5): several stanzas for one interface are all applied).
    lines = [*_header("ifupdown"), f"auto {device}", f"iface {device} inet manual"]
    if sysctl_file:
        lines.append(f"    pre-up sysctl -q -p {sysctl_file}")
    if device != "lo":
        lines.append(f"    pre-up ip link show dev {device} >/dev/null 2>&1 || ip link add {device} type dummy")
    lines.append(f"    up ip link set dev {device} up")
    for vip in vips:
        family = "-6 " if ":" in vip else ""
        lines.append(f"    up ip {family}addr replace {vip} dev {device}")
    for vip in vips:
        family = "-6 " if ":" in vip else ""
        lines.append(f"    down ip {family}addr del {vip} dev {device} || true")
    if device != "lo":
        lines.append(f"    post-down ip link del {device} || true")
    return {IFUPDOWN_FILE: "\n".join(lines) + "\n"}


def render_netplan(device: str, vips: list[str]) -> dict[str, str]:
    # lo as an ethernet matched by name (what netplan renders to a networkd .network for lo);
    # dummy-devices need netplan 0.107 or later.
    addresses = ", ".join(json.dumps(vip) for vip in vips)
    if device == "lo":
        body = ["  ethernets:", "    lo:", "      match:", "        name: lo", f"      addresses: [{addresses}]"]
    else:
        body = ["  dummy-devices:", f"    {device}:", f"      addresses: [{addresses}]"]
    lines = [*_header("netplan"), "network:", "  version: 2", *body]
    return {NETPLAN_FILE: "\n".join(lines) + "\n"}


def render_stack(stack: str, device: str, vips: list[str], sysctl_file: str | None) -> dict[str, str]:
    if stack == "networkd":
        return render_networkd(device, vips)
    if stack == "networkmanager":
        return render_networkmanager(device, vips)
    if stack == "ifupdown":
        return render_ifupdown(device, vips, sysctl_file)
    if stack == "netplan":
        return render_netplan(device, vips)
    return {}


def stack_paths(device: str) -> list[str]:
    """Every file any stack could have received for ``device`` (what state=absent looks for)."""
    return [
        f"{NETWORKD_DIR}/60-adcops-dsr-{device}.network",
        f"{NETWORKD_DIR}/60-adcops-dsr-{device}.netdev",
        f"{NM_DIR}/adcops-dsr-{device}.nmconnection",
        IFUPDOWN_FILE,
        NETPLAN_FILE,
    ]


@dataclass
class Record:
    """What a drop-in or state file says the module did: previous and set sysctl values, added VIPs."""

    previous: dict[str, int] = field(default_factory=dict)
    applied: dict[str, int] = field(default_factory=dict)
    vips: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None) -> Record:
        record = cls()
        for line in (text or "").splitlines():
            if match := PREVIOUS_RE.match(line):
                record.previous[match.group(1)] = int(match.group(2))
            elif match := VIP_RE.match(line):
                record.vips.append((match.group(1), match.group(2)))
            elif match := APPLIED_RE.match(line):
                record.applied[match.group(1)] = int(match.group(2))
        return record


# ---------------------------------------------------------------------------------------------- host


Runner = Callable[[list[str]], tuple[int, str, str]]


@dataclass
class Host:
    """Reads and changes the host through iproute2, /proc/sys and files. ``run`` is AnsibleModule.run_command."""

    run: Runner
    proc_sys: str = "/proc/sys"
    changes: list[str] = field(default_factory=list)

    def ip(self, *args: str, check: bool = True) -> str:
        rc, out, err = self.run(["ip", *args])
        if rc != 0 and check:
            raise RuntimeError(f"ip {' '.join(args)} failed (rc={rc}): {err.strip() or out.strip()}")
        if rc == 0 and {"add", "del", "set"} & set(args[:3]):
            self.changes.append(f"ip {' '.join(args)}")
        return out

    def links(self) -> dict[str, dict[str, Any]]:
        return {link["ifname"]: link for link in json.loads(self.ip("-j", "-d", "link", "show") or "[]")}

    def addresses(self) -> dict[str, list[dict[str, Any]]]:
        data = json.loads(self.ip("-j", "addr", "show") or "[]")
        return {entry["ifname"]: entry.get("addr_info", []) for entry in data}

    def route_type(self, address: str) -> str:
        out = self.ip("-6" if ":" in address else "-4", "route", "get", address, check=False)
        return out.split()[0] if out.split() else ""

    def sysctl_path(self, key: str) -> str:
        return os.path.join(self.proc_sys, *key.split("."))

    def sysctl_get(self, key: str) -> int | None:
        try:
            with open(self.sysctl_path(key), encoding="ascii") as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            return None

    def sysctl_set(self, key: str, value: int) -> None:
        with open(self.sysctl_path(key), "w", encoding="ascii") as handle:
            handle.write(f"{value}\n")
        self.changes.append(f"sysctl {key}={value}")

    def ipv4_conf_interfaces(self) -> list[str]:
        try:
            return sorted(os.listdir(os.path.join(self.proc_sys, "net", "ipv4", "conf")))
        except OSError:
            return []

    def dummy_driver(self) -> tuple[bool, str]:
        """Whether a dummy device can be created here, and why (checked without creating one)."""
        if os.path.isdir("/sys/module/dummy"):
            return True, "the dummy driver is loaded (/sys/module/dummy)"
        release = os.uname().release
        if glob.glob(f"/lib/modules/{release}/kernel/drivers/net/dummy.ko*"):
            return True, f"the dummy module is installed for kernel {release}"
        return False, f"kernel {release} has no dummy driver (neither loaded nor in /lib/modules)"

    def service_active(self, unit: str, process: str) -> bool:
        if os.path.isdir("/run/systemd/system"):
            rc, _out, _err = self.run(["systemctl", "is-active", "--quiet", unit])
            return rc == 0
        for comm in glob.glob("/proc/[0-9]*/comm"):
            try:
                with open(comm, encoding="utf-8") as handle:
                    if handle.read().strip() == process:
                        return True
            except OSError:
                continue
        return False


def read_file(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def ours(text: str | None) -> bool:
    return text is not None and text.startswith(MARKER)


def which(name: str) -> str | None:
    for directory in ("/usr/sbin", "/usr/bin", "/sbin", "/bin", *os.environ.get("PATH", "").split(os.pathsep)):
        candidate = os.path.join(directory, name)
        if directory and os.access(candidate, os.X_OK):
            return candidate
    return None


def detect_stack(host: Host) -> tuple[str, str]:
    """The stack that owns the host's network, and the evidence. Running daemons beat files."""
    netplan_files = [p for p in glob.glob("/etc/netplan/*.yaml") if p != NETPLAN_FILE]
    if netplan_files and which("netplan"):
        return "netplan", f"netplan is installed and configures this host ({', '.join(sorted(netplan_files))})"
    if host.service_active("NetworkManager.service", "NetworkManager"):
        return "networkmanager", "NetworkManager is running"
    if host.service_active("systemd-networkd.service", "systemd-network"):
        return "networkd", "systemd-networkd is running"
    if which("ifup") and os.path.exists("/etc/network/interfaces"):
        return "ifupdown", "ifupdown is installed and /etc/network/interfaces exists"
    return "none", "no netplan configuration, NetworkManager, systemd-networkd or ifupdown found"


# ---------------------------------------------------------------------------------------------- plan


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


def write_file(path: str, text: str) -> None:
    """Atomic write (temporary file + rename), root-only for NetworkManager and netplan files."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    mode = 0o600 if path.startswith((NM_DIR, "/etc/netplan")) else 0o644
    tmp = f"{path}.adcops-tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
