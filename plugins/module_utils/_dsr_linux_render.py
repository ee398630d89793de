# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DSR on Linux, the pure part: the VIPs users give, and the persistence files each network stack
reads. Functions of their arguments only, so unit tests and ``--diff`` see exactly what would be
written. PRIVATE to the adcops.netscaler collection; ``_dsr_linux`` re-exports it.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MARKER = "# Managed by adcops.netscaler.dsr_loopback"
NETWORKD_DIR = "/etc/systemd/network"
NM_DIR = "/etc/NetworkManager/system-connections"
IFUPDOWN_FILE = "/etc/network/interfaces.d/adcops-dsr"
NETPLAN_FILE = "/etc/netplan/60-adcops-dsr.yaml"

STACKS = ("networkd", "networkmanager", "ifupdown", "netplan", "none")
PREVIOUS_RE = re.compile(r"^# previous (\S+)=(-?\d+)$")
# '# vip <address/prefix> dev <device>[ runtime][ owner "<json string>"]'; records of 1.0.0 have no owner
VIP_RE = re.compile(r'^# vip (\S+) dev (\S+)( runtime)?(?: owner (".*"))?$')
STACK_RE = re.compile(r"^# stack (\S+)$")
APPLIED_RE = re.compile(r"^(?:-|# applied )?(net\.\S+) = (-?\d+)$")
# The one spelling of an interface name that every consumer takes literally: /bin/sh (ifupdown), systemd's unit
# file parser (networkd: Name= is a whitespace-separated glob list), GKeyFile (NetworkManager), YAML (netplan), and
# /proc/sys paths (a '.' would be read as a separator by sysctl(8), so it is refused too). The kernel allows 15 bytes
# (IFNAMSIZ 16 with the NUL) and almost any byte; dev_valid_name() in net/core/dev.c.
IFNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$")
RESERVED_IFNAMES = ("all", "default", "lo")  # /proc/sys/net/ipv4/conf/{all,default}; lo is interface=lo
DEFAULT_OWNER = "default"
OWNER_MAX = 127  # NetScaler object names are at most 127 characters
NM_NAMESPACE = uuid.UUID("2b1f5a8e-5d0c-4c4e-9a51-6f0c1d2dd5e1")


class DsrError(Exception):
    """Bad input or an unusable host, found before anything changes."""


# ----------------------------------------------------------------------------------------------- input


def check_ifname(name: str, option: str = "dummy_name") -> str:
    """An interface name from the safe set, or DsrError naming what the user wrote."""
    if not isinstance(name, str) or not IFNAME_RE.match(name):
        raise DsrError(
            f"{option}: {name!r} is not a safe interface name; use 1 to 15 letters, digits, '_' or '-', starting "
            "with a letter or digit (it is written into files that a shell, systemd, NetworkManager and netplan read)"
        )
    if name in RESERVED_IFNAMES:
        raise DsrError(f"{option}: {name!r} is reserved (use interface=lo for the loopback device)")
    return name


def check_owner(owner: str) -> str:
    """The name of the set of VIPs one DSR service holds (its vserver name in playbooks/dsr.yml)."""
    if not isinstance(owner, str) or not owner.strip() or len(owner) > OWNER_MAX:
        raise DsrError(f"owner: {owner!r} must be 1 to {OWNER_MAX} characters")
    if any(not ch.isprintable() for ch in owner):
        raise DsrError(f"owner: {owner!r} contains a control character")
    return owner


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


def render_sysctl(
    values: dict[str, int],
    previous: dict[str, int],
    entries: list[Entry],
    stack: str | None = None,
    settings: bool = True,
) -> str:
    """The record: what was there before, which VIPs were added for which owner, the stack that persists them.

    With ``settings`` (the sysctl.d drop-in) it also holds the raised values, which systemd-sysctl applies at boot;
    without (the state file under /run) it is only the record.
    """
    what = "ARP suppression for DSR VIPs, applied by systemd-sysctl before the network" if settings else "record"
    lines = _header(what)
    lines.append("# Values before the first run (state=absent restores them) and the VIPs it added, per owner:")
    lines += [f"# previous {key}={value}" for key, value in sorted(previous.items())]
    lines += [entry.line() for entry in entries]
    if stack:
        lines.append(f"# stack {stack}")
    for key, value in values.items():
        # '-': the device may not exist yet when systemd-sysctl runs; systemd-sysctl applies the
        # per-interface keys again when the interface appears (sysctl.d(5)).
        device = key.split(".")[3]
        prefix = "-" if device not in ("all", "lo") else ""
        lines.append(f"{prefix if settings else '# applied '}{key} = {value}")
    return "\n".join(lines) + "\n"


def _safe(device: str, vips: Iterable[str]) -> None:
    """Defence in depth: a renderer never emits a name or address outside the safe set, whoever calls it."""
    if device != "lo":
        check_ifname(device, "interface")
    for vip in vips:
        parse_vip(vip)


def _keyfile_value(value: str) -> str:
    """A GKeyFile string value (what NetworkManager's keyfile plugin reads): escapes per the GLib key file format."""
    out = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return "\\s" + out[1:] if out.startswith(" ") else out


def render_networkd(device: str, vips: list[str]) -> dict[str, str]:
    # systemd's unit file syntax has no quoting for Name= (a glob list) or Address=, so safety is the safe set
    _safe(device, vips)
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
    _safe(device, vips)
    v4 = [vip for vip in vips if ":" not in vip]
    v6 = [vip for vip in vips if ":" in vip]
    name = f"adcops-dsr-{device}"
    esc = _keyfile_value
    lines = [
        *_header("NetworkManager keyfile"),
        "[connection]",
        f"id={esc(name)}",
        f"uuid={uuid.uuid5(NM_NAMESPACE, name)}",
        # lo needs NetworkManager 1.42 or later (type loopback); dummy since 1.8
        f"type={'loopback' if device == 'lo' else 'dummy'}",
        f"interface-name={esc(device)}",
        "autoconnect=true",
        "",
        "[ipv4]",
        "method=manual" if v4 or device == "lo" else "method=disabled",
        *[f"address{n}={esc(vip)}" for n, vip in enumerate(v4, 1)],
        "",
        "[ipv6]",
        "addr-gen-mode=stable-privacy",
        "method=manual" if v6 or device == "lo" else "method=disabled",
        *[f"address{n}={esc(vip)}" for n, vip in enumerate(v6, 1)],
    ]
    return {f"{NM_DIR}/{name}.nmconnection": "\n".join(lines) + "\n"}


def render_ifupdown(devices: dict[str, list[str]], sysctl_file: str | None) -> dict[str, str]:
    """One stanza per device. ifupdown runs pre-up/up/down lines with /bin/sh -c, so every word is shell-quoted."""
    q = shlex.quote
    lines = _header("ifupdown")
    for device, vips in devices.items():
        _safe(device, vips)
        dev = q(device)
        # A second "inet manual" stanza for lo is merged with the distribution's "iface lo inet loopback"
        # (interfaces(5): several stanzas for one interface are all applied).
        lines += [f"auto {device}", f"iface {device} inet manual"]
        if sysctl_file:
            lines.append(f"    pre-up sysctl -q -p {q(sysctl_file)}")
        if device != "lo":
            lines.append(f"    pre-up ip link show dev {dev} >/dev/null 2>&1 || ip link add {dev} type dummy")
        lines.append(f"    up ip link set dev {dev} up")
        for vip in vips:
            family = "-6 " if ":" in vip else ""
            lines.append(f"    up ip {family}addr replace {q(vip)} dev {dev}")
        for vip in vips:
            family = "-6 " if ":" in vip else ""
            lines.append(f"    down ip {family}addr del {q(vip)} dev {dev} || true")
        if device != "lo":
            lines.append(f"    post-down ip link del {dev} || true")
    return {IFUPDOWN_FILE: "\n".join(lines) + "\n"}


def render_netplan(devices: dict[str, list[str]]) -> dict[str, str]:
    # lo as an ethernet matched by name (what netplan renders to a networkd .network for lo);
    # dummy-devices need netplan 0.107 or later. Keys and values are JSON strings, which YAML reads as quoted scalars.
    ethernets: list[str] = []
    dummies: list[str] = []
    for device, vips in devices.items():
        _safe(device, vips)
        addresses = ", ".join(json.dumps(vip) for vip in vips)
        if device == "lo":
            ethernets += ['    "lo":', "      match:", '        name: "lo"', f"      addresses: [{addresses}]"]
        else:
            dummies += [f"    {json.dumps(device)}:", f"      addresses: [{addresses}]"]
    body = (["  ethernets:", *ethernets] if ethernets else []) + (["  dummy-devices:", *dummies] if dummies else [])
    lines = [*_header("netplan"), "network:", "  version: 2", *body]
    return {NETPLAN_FILE: "\n".join(lines) + "\n"}


def render_stack(stack: str, devices: dict[str, list[str]], sysctl_file: str | None) -> dict[str, str]:
    """The files of ``stack`` for every device and its VIPs (all owners: one host, one set of files)."""
    devices = {device: vips for device, vips in devices.items() if vips}
    if not devices:
        return {}
    files: dict[str, str] = {}
    if stack == "networkd":
        for device, vips in devices.items():
            files.update(render_networkd(device, vips))
    elif stack == "networkmanager":
        for device, vips in devices.items():
            files.update(render_networkmanager(device, vips))
    elif stack == "ifupdown":
        files.update(render_ifupdown(devices, sysctl_file))
    elif stack == "netplan":
        files.update(render_netplan(devices))
    return files


def stack_paths(device: str) -> list[str]:
    """Every file any stack could have received for ``device`` (what state=absent looks for)."""
    return [
        f"{NETWORKD_DIR}/60-adcops-dsr-{device}.network",
        f"{NETWORKD_DIR}/60-adcops-dsr-{device}.netdev",
        f"{NM_DIR}/adcops-dsr-{device}.nmconnection",
        IFUPDOWN_FILE,
        NETPLAN_FILE,
    ]


@dataclass(frozen=True)
class Entry:
    """One VIP the module added (or took over) for one owner; ``persist`` False means runtime only."""

    vip: str
    dev: str
    owner: str = DEFAULT_OWNER
    persist: bool = True

    def line(self) -> str:
        runtime = "" if self.persist else " runtime"
        return f"# vip {self.vip} dev {self.dev}{runtime} owner {json.dumps(self.owner)}"


@dataclass
class Record:
    """What a drop-in or state file says the module did: previous and set sysctl values, the VIPs it added and for
    which owner, and the stack that persists them."""

    previous: dict[str, int] = field(default_factory=dict)
    applied: dict[str, int] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    stack: str | None = None

    @property
    def vips(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((entry.vip, entry.dev) for entry in self.entries))

    @classmethod
    def parse(cls, text: str | None, persist: bool = True) -> Record:
        record = cls()
        for line in (text or "").splitlines():
            if match := PREVIOUS_RE.match(line):
                record.previous[match.group(1)] = int(match.group(2))
            elif match := VIP_RE.match(line):
                try:
                    owner = json.loads(match.group(4)) if match.group(4) else DEFAULT_OWNER
                except ValueError:
                    owner = DEFAULT_OWNER
                runtime = bool(match.group(3)) or not persist
                record.entries.append(Entry(match.group(1), match.group(2), str(owner), not runtime))
            elif match := STACK_RE.match(line):
                record.stack = match.group(1) if match.group(1) in STACKS else None
            elif match := APPLIED_RE.match(line):
                record.applied[match.group(1)] = int(match.group(2))
        return record

    def merge(self, other: Record) -> None:
        self.previous = {**other.previous, **self.previous}
        self.applied = {**other.applied, **self.applied}
        self.entries = list(dict.fromkeys([*self.entries, *other.entries]))
        self.stack = self.stack or other.stack
