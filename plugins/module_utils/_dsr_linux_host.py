# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DSR on Linux, the host: iproute2 JSON output, /proc/sys and files, nothing else; and which network
stack owns the host. PRIVATE to the adcops.netscaler collection; ``_dsr_linux`` re-exports it.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._dsr_linux_render import MARKER, NETPLAN_FILE, NM_DIR

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

    def gateways(self, families: tuple[str, ...] = ("-4", "-6")) -> dict[str, str]:
        """Every next hop of every route in every table, as address -> a route that uses it (for messages).

        The whole table is read: 'ip route show via X' does not look into multipath next hops.
        """
        found: dict[str, str] = {}
        for family in families:
            for route in json.loads(self.ip("-j", family, "route", "show", "table", "all") or "[]"):
                hops = [route, *route.get("nexthops", [])]
                for hop in hops:
                    gateway = hop.get("gateway")
                    if gateway:
                        where = f"dev {hop.get('dev') or route.get('dev', '?')}"
                        found.setdefault(gateway, f"{route.get('dst', '?')} via {gateway} {where}")
        return found

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
