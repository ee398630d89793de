"""The Direct Server Return lab shared by the dsr_backend tests: topology, role runs, HTTP, ARP and capture checks.

Topology (one bridge, 198.51.100.0/24 and 2001:db8:100::/64, each host its own namespace):

    client .1 --+                      VIP 203.0.113.10 / 2001:db8:203::10
    director .2 +-- br0 (bridge ns)    client: VIP via director
    backend .11 +                      director: forwarding, VIP via backend (what MAC-mode forwarding does:
    probe .99 --+                                only the destination MAC changes)
                                       probe: VIP on-link, so it ARPs / solicits for the VIP itself
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.netns import Lab, Node, require_lab
from tests.helpers.runner import REPO, VENV_BIN, ansible_env, json_results, json_results_env

VIP4 = "203.0.113.10"
VIP6 = "2001:db8:203::10"
VIP4B = "203.0.113.11"  # a second DSR service on the same backends
OTHER_LO = "192.0.2.200"  # an operator's own address on lo, which the role must leave alone
PORT = 8080
ROLE_TASK = "Hold the DSR VIPs on a device that never answers ARP for them"
PLAYBOOK = """\
- name: DSR backend
  hosts: all
  gather_facts: false
  roles:
    - role: adcops.netscaler.dsr_backend
"""
SYSTEMD_SYSCTL = shutil.which("systemd-sysctl") or "/lib/systemd/systemd-sysctl"
NETWORKD = "/lib/systemd/systemd-networkd"


# ------------------------------------------------------------------------------------------- fixtures


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    require_lab()
    lab = Lab(tmp_path)
    try:
        yield lab
    finally:
        lab.close()


def build(lab: Lab, backends: int = 1) -> dict[str, Node]:
    client, director = lab.add("client", 1), lab.add("director", 2)
    nodes = {"client": client, "director": director}
    for n in range(backends):
        nodes[f"backend{n + 1}"] = lab.add(f"backend{n + 1}", 11 + n)
    probe = nodes["probe"] = lab.add("probe", 99)
    for key in ("net.ipv4.conf.all.accept_redirects", "net.ipv6.conf.all.accept_redirects"):
        client.sysctl(key, 0)
    client.ip("route", "add", f"{VIP4}/32", "via", director.ipv4)
    client.ip("-6", "route", "add", f"{VIP6}/128", "via", director.ipv6)
    # the director forwards, owns no VIP, and must not tell the client to go to the backend directly
    for key in ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"):
        director.sysctl(key, 1)
    for key in ("net.ipv4.conf.all.send_redirects", "net.ipv4.conf.eth0.send_redirects"):
        director.sysctl(key, 0)
    route_vip(director, nodes["backend1"])
    probe.ip("route", "add", f"{VIP4}/32", "dev", "eth0")
    probe.ip("-6", "route", "add", f"{VIP6}/128", "dev", "eth0")
    return nodes


def add_vip(nodes: dict[str, Node], vip: str, backend: Node) -> None:
    """Another VIP in the lab: the client reaches it via the director, which forwards it to ``backend``."""
    family = "-6" if ":" in vip else "-4"
    prefix = "128" if ":" in vip else "32"
    director = nodes["director"]
    nodes["client"].ip(family, "route", "add", f"{vip}/{prefix}", "via", director.ipv6 if ":" in vip else director.ipv4)
    director.ip(family, "route", "replace", f"{vip}/{prefix}", "via", backend.ipv6 if ":" in vip else backend.ipv4)
    nodes["probe"].ip(family, "route", "add", f"{vip}/{prefix}", "dev", "eth0")


def run_module(
    node: Node, args: dict[str, Any], check_mode: bool = False, prelude: str = "", layers: str | Path = "sandbox"
) -> dict[str, Any]:
    """dsr_loopback alone in the node's sandbox, the way AnsiballZ runs it (arguments as JSON on stdin): ~0.3 s.

    ``prelude`` runs first in the same private mount namespace (a test's own mounts or PATH).
    """
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": {**args, "_ansible_check_mode": check_mode, "_ansible_diff": True}})
    module = "ansible_collections.adcops.netscaler.plugins.modules.dsr_loopback"
    proc = node.sandbox(
        f"{prelude}\ncd {REPO} && exec {VENV_BIN}/python -m {module}",
        env=ansible_env(),
        input=payload,
        check=False,
        layers=layers,
    )
    try:
        return json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError(f"module printed no JSON (rc={proc.returncode}):\n{proc.stdout}\n{proc.stderr}") from exc


def route_vip(director: Node, backend: Node) -> None:
    """The director's forwarding decision: VIP packets go to this backend's MAC, addressed to the VIP."""
    director.ip("route", "replace", f"{VIP4}/32", "via", backend.ipv4)
    director.ip("-6", "route", "replace", f"{VIP6}/128", "via", backend.ipv6)


# -------------------------------------------------------------------------------------------- helpers


def run_role(
    node: Node,
    tmp: Path,
    check: bool = False,
    layers: str | Path = "sandbox",
    hide_netplan: bool = True,
    **variables: Any,
) -> dict:
    """ansible-playbook -c local with the role, inside the node; returns the JSON callback's output.

    ``hide_netplan`` puts an empty tmpfs over /etc/netplan for the run, so stack detection does not see the
    machine's own netplan configuration (if any); a run that writes netplan files must not hide it.
    """
    playbook = tmp / "dsr_backend_play.yml"
    playbook.write_text(PLAYBOOK)
    extra = json.dumps({f"dsr_backend_{key}": value for key, value in variables.items()})
    cmd = f"{VENV_BIN}/ansible-playbook -i localhost, -c local {playbook} --diff -e '{extra}'"
    if check:
        cmd += " --check"
    env = json_results_env()
    # the host's own netplan configuration (if any) is hidden, so stack detection sees only what the test sets up
    hide = "mkdir -p /etc/netplan && mount -t tmpfs -o mode=0755 tmpfs /etc/netplan" if hide_netplan else ""
    proc = node.sandbox(f"{hide}\ncd {REPO} && exec {cmd}", layers=layers, env=env, check=False)
    out = json_results(proc.stdout, proc.stderr)
    tasks = {task["task"]: {**task["result"], "status": task["status"]} for task in out["tasks"]}
    stats = out["stats"]["localhost"]
    return {"stats": stats, "module": tasks.get(ROLE_TASK, {}), "tasks": tasks, "rc": proc.returncode, "raw": proc}


def host_network_daemons() -> list[str]:
    """NetworkManager or systemd-networkd processes of this machine (they are outside the test's reach)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() in ("NetworkManager", "systemd-network"):
                found.append(comm.read_text().strip())
    return sorted(set(found))


@contextlib.contextmanager
def http_server(node: Node, address: str) -> Iterator[None]:
    """An HTTP responder in ``node`` bound to ``address``; the body says who answered, to whom, on which IP."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    server = node.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, PORT))
    server.listen(8)
    server.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    conn.recv(4096)
                    body = f"backend={node.role} local={conn.getsockname()[0]} peer={peer[0]}\n".encode()
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        server.close()


def http_get(client: Node, address: str, timeout: float = 3.0) -> str:
    """GET / from the client to address:PORT; returns the body, raises OSError when nothing answers."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = client.socket(family, socket.SOCK_STREAM)
    with sock:
        sock.settimeout(timeout)
        sock.connect((address, PORT))
        sock.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    head, _, body = data.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.0 200"), data
    return body.strip()


def resolve_from_probe(probe: Node, address: str) -> None:
    """Make the probe's kernel ARP / solicit for ``address`` (a connect to an on-link destination)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = probe.socket(family, socket.SOCK_STREAM)
    with sock:
        sock.settimeout(1.0)
        with contextlib.suppress(OSError):
            sock.connect((address, PORT))


def neighbour_answers(probe: Node, address: str) -> list[str]:
    """MACs that answer the probe's ARP request (IPv4) or neighbour solicitation (IPv6) for ``address``."""
    with probe.capture() as cap:
        resolve_from_probe(probe, address)
    return cap.neighbor_adverts(address) if ":" in address else cap.arp_replies(address)


def assert_dsr_path(nodes: dict[str, Node], backend: Node, vip: str) -> None:
    """The request passes the director, the reply goes from the backend straight to the client, source VIP."""
    client, director = nodes["client"], nodes["director"]
    v6 = ":" in vip
    with director.capture() as at_director, client.capture() as at_client:
        body = http_get(client, vip)
    assert body == f"backend={backend.role} local={vip} peer={client.ipv6 if v6 else client.ipv4}"
    select = "ipv6" if v6 else "ipv4"
    requests = getattr(at_director, select)(dst=vip)
    replies_at_director = getattr(at_director, select)(src=vip)
    replies_at_client = getattr(at_client, select)(src=vip)
    assert requests, "the request did not pass the director"
    assert not replies_at_director, f"{len(replies_at_director)} reply frames from the VIP passed the director"
    assert replies_at_client, "no reply with the VIP as source reached the client"
    senders = {frame[6:12].hex(":") for frame in replies_at_client}
    assert senders == {backend.mac}, f"replies came from {senders}, not straight from {backend.role} ({backend.mac})"


def assert_no_neighbour_answer(nodes: dict[str, Node], backend: Node) -> None:
    probe = nodes["probe"]
    assert neighbour_answers(probe, VIP4) == [], "a backend answered ARP for the IPv4 VIP"
    assert neighbour_answers(probe, VIP6) == [], "a backend answered neighbour solicitation for the IPv6 VIP"
    # the probe itself works: the backend's own addresses are answered, by the backend
    assert neighbour_answers(probe, backend.ipv4) == [backend.mac]
    assert neighbour_answers(probe, backend.ipv6) == [backend.mac]
