"""Throwaway network namespaces for data-path tests of Direct Server Return backends.

`Lab` builds one L2 segment: a namespace holding a bridge, and one namespace per host, each joined to the
bridge by a veth pair whose host end is called ``eth0``. Nothing is created in the test runner's own network
namespace and every address lives inside the lab's namespaces; names carry a per-run id, and `Lab.close`
deletes every namespace (with its links) even when a test fails.

`Node.socket` opens a socket *inside* a namespace (the creating thread joins the namespace with setns(2);
the socket stays there for its whole life), so a test talks HTTP from the client and captures frames on the
director in-process. `Node.sandbox` runs a command in the namespace with a private mount namespace whose /etc
and /run are overlays with their upper layer in the test's temporary directory, so whatever a role writes to
/etc or /run lands there and never on the real host.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
_libc = ctypes.CDLL(None, use_errno=True)


def why_unavailable() -> str | None:
    """None when this machine can run the lab, else the reason (the caller skips, or fails in CI)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if not shutil.which("ip") or not shutil.which("unshare"):
        return "iproute2 and util-linux (ip, unshare) are needed"
    probe = f"dsrprobe{secrets.token_hex(3)}"
    proc = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return f"cannot create a network namespace: {proc.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


def require_lab() -> None:
    """Skip on a developer machine without namespaces; in CI (CI=true) the same condition fails the test."""
    reason = why_unavailable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the network namespace tests: {reason}")
    pytest.skip(reason)


def sh(*argv: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed (rc={proc.returncode}): {proc.stderr or proc.stdout}")
    return proc


def in_netns(name: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a fresh thread that has joined the network namespace ``name``; return its result."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns({name})")
            finally:
                os.close(fd)
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


@dataclass
class Capture:
    """Frames seen on one interface of a namespace while the capture runs (AF_PACKET, every protocol)."""

    frames: list[bytes] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def ipv4(self, src: str | None = None, dst: str | None = None) -> list[bytes]:
        out = []
        for frame in self.frames:
            if frame[12:14] != b"\x08\x00":
                continue
            if src and socket.inet_ntoa(frame[26:30]) != src:
                continue
            if dst and socket.inet_ntoa(frame[30:34]) != dst:
                continue
            out.append(frame)
        return out

    def ipv6(self, src: str | None = None, dst: str | None = None) -> list[bytes]:
        out = []
        for frame in self.frames:
            if frame[12:14] != b"\x86\xdd":
                continue
            if src and socket.inet_ntop(socket.AF_INET6, frame[22:38]) != src:
                continue
            if dst and socket.inet_ntop(socket.AF_INET6, frame[38:54]) != dst:
                continue
            out.append(frame)
        return out

    def arp_replies(self, for_ip: str) -> list[str]:
        """Sender MACs of every ARP reply that claims ``for_ip``."""
        return [
            frame[22:28].hex(":")
            for frame in self.frames
            if frame[12:14] == b"\x08\x06" and frame[20:22] == b"\x00\x02" and socket.inet_ntoa(frame[28:32]) == for_ip
        ]

    def neighbor_adverts(self, target: str) -> list[str]:
        """Source MACs of every ICMPv6 neighbour advertisement for ``target``."""
        return [
            frame[6:12].hex(":")
            for frame in self.ipv6()
            if frame[20] == 58 and frame[54] == 136 and socket.inet_ntop(socket.AF_INET6, frame[62:78]) == target
        ]


@dataclass
class Node:
    lab: Lab
    role: str
    ns: str
    ipv4: str
    ipv6: str
    mac: str = ""

    def ip(self, *args: str, check: bool = True) -> str:
        return sh("ip", "-n", self.ns, *args, check=check).stdout

    def exec(self, *argv: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return sh("ip", "netns", "exec", self.ns, *argv, check=check, timeout=timeout)

    def sysctl(self, key: str, value: int | None = None) -> int:
        if value is not None:
            self.exec("sysctl", "-q", "-w", f"{key}={value}")
        return int(self.exec("sysctl", "-n", key).stdout.strip())

    def socket(self, family: int, kind: int, proto: int = 0) -> socket.socket:
        return in_netns(self.ns, lambda: socket.socket(family, kind, proto))

    @contextlib.contextmanager
    def capture(self, ifname: str = "eth0") -> Iterator[Capture]:
        sock = self.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        sock.bind((ifname, 0))
        sock.settimeout(0.05)
        cap = Capture()

        def loop() -> None:
            while not cap.stop.is_set():
                try:
                    cap.frames.append(sock.recv(65535))
                except TimeoutError:
                    continue
                except OSError:
                    return

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield cap
        finally:
            time.sleep(0.1)  # frames already on the wire
            cap.stop.set()
            thread.join()
            sock.close()

    # ------------------------------------------------------------------ private mount namespace sandbox

    def layers(self, name: str | Path = "sandbox") -> Path:
        """The overlay upper layers: a path shared by several nodes, or a name private to this node."""
        return name if isinstance(name, Path) else self.lab.workdir / f"{self.role}-{name}"

    def overlay_mounts(self, layers: str | Path = "sandbox") -> list[str]:
        """The mount commands that overlay /etc and /run with upper layers under ``layers`` (created here)."""
        base = self.layers(layers)
        mounts = []
        for top in ("etc", "run"):
            for part in ("upper", "work"):
                (base / top / part).mkdir(parents=True, exist_ok=True)
            mounts.append(
                f"mount -t overlay overlay -o lowerdir=/{top},upperdir={base}/{top}/upper,workdir={base}/{top}/work"
                f" /{top}"
            )
        return mounts

    def sandbox(
        self,
        script: str,
        *,
        layers: str | Path = "sandbox",
        env: dict[str, str] | None = None,
        timeout: float = 120,
        check: bool = True,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a shell script in this namespace with /etc and /run overlaid (upper layers under the workdir).

        Several calls with the same ``layers`` see each other's files, like successive boots of one host.
        """
        full = "set -e\n" + "\n".join(self.overlay_mounts(layers)) + "\nset +e\n" + script
        proc = subprocess.run(
            ["ip", "netns", "exec", self.ns, "unshare", "--mount", "--propagation", "private", "sh", "-c", full],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            input=input,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"sandbox script failed (rc={proc.returncode}):\n{script}\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def written_files(self, layers: str | Path = "sandbox") -> dict[str, str]:
        """Regular files the sandboxed runs left in /etc and /run, as {'/etc/x': text}."""
        out = {}
        for top in ("etc", "run"):
            upper = self.layers(layers) / top / "upper"
            if not upper.exists():
                continue
            for path in sorted(upper.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    out[f"/{top}/{path.relative_to(upper)}"] = path.read_text(errors="replace")
        return out

    def snapshot(self) -> dict[str, Any]:
        """What the network namespace looks like: links, addresses, routes, the ARP sysctls of every interface."""
        conf = self.exec(
            "sh", "-c", "grep -H . /proc/sys/net/ipv4/conf/*/arp_ignore /proc/sys/net/ipv4/conf/*/arp_announce"
        )
        return {
            "links": self.ip("-br", "link", "show"),
            "addresses": self.ip("-br", "addr", "show"),
            "routes4": self.ip("-4", "route", "show", "table", "all"),
            "routes6": self.ip("-6", "route", "show", "table", "all"),
            "sysctls": conf.stdout,
        }


class Lab:
    """One bridged segment 198.51.100.0/24 + 2001:db8:100::/64, one namespace per host."""

    def __init__(self, workdir: Path) -> None:
        self.id = secrets.token_hex(3)
        self.workdir = workdir
        self.bridge_ns = f"dsr{self.id}-br"
        self.nodes: dict[str, Node] = {}
        self.created: list[str] = []
        self._netns_add(self.bridge_ns)
        sh("ip", "-n", self.bridge_ns, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.bridge_ns, "link", "set", "br0", "up")

    def _netns_add(self, name: str) -> None:
        sh("ip", "netns", "add", name)
        self.created.append(name)

    def add(self, role: str, host: int) -> Node:
        ns = f"dsr{self.id}-{role}"
        self._netns_add(ns)
        node = Node(self, role, ns, f"198.51.100.{host}", f"2001:db8:100::{host}")
        port = f"v{len(self.nodes)}"
        sh("ip", "-n", self.bridge_ns, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "-n", self.bridge_ns, "link", "set", port, "master", "br0", "up")
        node.ip("link", "set", "lo", "up")
        # no DAD and no router solicitations: the segment is ready at once and quiet
        node.sysctl("net.ipv6.conf.eth0.accept_dad", 0)
        node.ip("addr", "add", f"{node.ipv4}/24", "dev", "eth0")
        node.ip("addr", "add", f"{node.ipv6}/64", "dev", "eth0", "nodad")
        node.ip("link", "set", "eth0", "up")
        node.mac = node.ip("-j", "link", "show", "eth0").split('"address":"')[1].split('"')[0]
        self.nodes[role] = node
        return node

    def close(self) -> None:
        for name in reversed(self.created):
            # processes a test left in the namespace go with it
            pids = sh("ip", "netns", "pids", name, check=False).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), 9)
            sh("ip", "netns", "del", name, check=False)
        self.created.clear()
