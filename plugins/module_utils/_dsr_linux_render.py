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
