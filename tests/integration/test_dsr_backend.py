"""The dsr_backend role on a real Direct Server Return data path, in network namespaces this test creates.

Topology (one bridge, 198.51.100.0/24 and 2001:db8:100::/64, each host its own namespace):

    client .1 --+                      VIP 203.0.113.10 / 2001:db8:203::10
    director .2 +-- br0 (bridge ns)    client: VIP via director
    backend .11 +                      director: forwarding, VIP via backend (what MAC-mode forwarding does:
    probe .99 --+                                only the destination MAC changes)
                                       probe: VIP on-link, so it ARPs / solicits for the VIP itself

The role runs through ``ansible-playbook -c local`` inside the backend's namespace, in a private mount namespace
whose /etc and /run are overlays with their upper layers in the test's temporary directory: what the role
persists is read back from there, and the real /etc is never written.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.netns import Lab, Node, require_lab
from tests.helpers.runner import REPO, VENV_BIN, ansible_env

pytestmark = [pytest.mark.netns, pytest.mark.slow]

VIP4 = "203.0.113.10"
VIP6 = "2001:db8:203::10"
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
CALLBACKS = REPO / "tests" / "helpers" / "callback_plugins"


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


def route_vip(director: Node, backend: Node) -> None:
    """The director's forwarding decision: VIP packets go to this backend's MAC, addressed to the VIP."""
    director.ip("route", "replace", f"{VIP4}/32", "via", backend.ipv4)
    director.ip("-6", "route", "replace", f"{VIP6}/128", "via", backend.ipv6)


# -------------------------------------------------------------------------------------------- helpers


def run_role(node: Node, tmp: Path, check: bool = False, layers: str | Path = "sandbox", **variables: Any) -> dict:
    """ansible-playbook -c local with the role, inside the node; returns the JSON callback's output."""
    playbook = tmp / "dsr_backend_play.yml"
    playbook.write_text(PLAYBOOK)
    extra = json.dumps({f"dsr_backend_{key}": value for key, value in variables.items()})
    cmd = f"{VENV_BIN}/ansible-playbook -i localhost, -c local {playbook} --diff -e '{extra}'"
    if check:
        cmd += " --check"
    env = ansible_env({"ANSIBLE_STDOUT_CALLBACK": "json_results", "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS)})
    proc = node.sandbox(f"cd {REPO} && exec {cmd}", layers=layers, env=env, check=False)
    try:
        out = json.loads(proc.stdout[proc.stdout.index('{"tasks"') :])
    except ValueError as exc:
        raise AssertionError(f"no JSON from ansible-playbook:\n{proc.stdout}\n{proc.stderr}") from exc
    tasks = {task["task"]: {**task["result"], "status": task["status"]} for task in out["tasks"]}
    stats = out["stats"]["localhost"]
    return {"stats": stats, "module": tasks.get(ROLE_TASK, {}), "tasks": tasks, "rc": proc.returncode, "raw": proc}


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


# ---------------------------------------------------------------------------------------------- tests


def test_role_serves_the_vip_by_dsr_and_never_answers_arp(lab: Lab, tmp_path: Path) -> None:
    nodes = build(lab)
    backend = nodes["backend1"]
    backend.ip("addr", "add", f"{OTHER_LO}/32", "dev", "lo")
    before = backend.snapshot()
    vips = [VIP4, VIP6]

    # check mode predicts a change and changes nothing, not even a file
    checked = run_role(backend, tmp_path, check=True, vips=vips, network_stack="ifupdown")
    assert checked["rc"] == 0, checked["raw"].stdout
    assert checked["module"]["changed"] is True
    assert backend.snapshot() == before
    assert backend.written_files() == {}

    first = run_role(backend, tmp_path, vips=vips, network_stack="ifupdown")
    assert first["rc"] == 0, first["raw"].stdout
    result = first["module"]
    assert result["changed"] is True
    assert result["interface"] in ("lo", "dsr0"), result
    assert result["network_stack"] == "ifupdown"
    checks = result["checks"]
    assert checks["ok"] is True
    assert checks["vips"][VIP4] == {"route": "local", "local": True, "host_prefix": True}
    assert checks["vips"][VIP6] == {"route": "local", "local": True, "host_prefix": True}
    assert checks["uplinks"]["eth0"]["arp_ignore"] >= 1
    assert checks["uplinks"]["eth0"]["arp_announce"] >= 2
    assert backend.sysctl("net.ipv4.conf.all.arp_ignore") == 1
    assert backend.sysctl("net.ipv4.conf.all.arp_announce") == 2
    device = result["interface"]
    addresses = backend.ip("-br", "addr", "show", "dev", device)
    assert f"{VIP4}/32" in addresses and f"{VIP6}/128" in addresses, addresses
    assert "tentative" not in backend.ip("-6", "addr", "show", "dev", device)  # no DAD on lo / dummy
    assert f"{OTHER_LO}/32" in backend.ip("-br", "addr", "show", "dev", "lo")
    files = backend.written_files()
    assert set(files) == {"/etc/sysctl.d/90-adcops-dsr.conf", "/etc/network/interfaces.d/adcops-dsr"}

    second = run_role(backend, tmp_path, vips=vips, network_stack="ifupdown")
    assert second["rc"] == 0
    assert second["stats"]["changed"] == 0, second["tasks"]
    assert backend.written_files() == files

    with http_server(backend, VIP4), http_server(backend, VIP6):
        assert_dsr_path(nodes, backend, VIP4)
        assert_dsr_path(nodes, backend, VIP6)
    assert_no_neighbour_answer(nodes, backend)

    # absent: check mode first, then for real, then once more
    present_snapshot = backend.snapshot()
    checked = run_role(backend, tmp_path, check=True, vips=vips, state="absent")
    assert checked["module"]["changed"] is True
    assert backend.snapshot() == present_snapshot
    assert backend.written_files() == files
    removed = run_role(backend, tmp_path, vips=vips, state="absent")
    assert removed["rc"] == 0, removed["raw"].stdout
    assert sorted(removed["module"]["removed_addresses"]) == sorted([f"{VIP4}/32", f"{VIP6}/128"])
    assert backend.snapshot() == before  # the operator's lo address stays, sysctls are back to 0
    assert backend.written_files() == {}
    again = run_role(backend, tmp_path, vips=vips, state="absent")
    assert again["stats"]["changed"] == 0


def test_without_the_role_the_backend_drops_or_answers_arp(lab: Lab) -> None:
    """The assertions above can fail: a bare backend drops VIP traffic; the VIP on lo alone leaks ARP."""
    nodes = build(lab)
    backend = nodes["backend1"]
    with http_server(backend, "0.0.0.0"), pytest.raises(OSError):
        http_get(nodes["client"], VIP4, timeout=1.5)  # not local: the backend does not forward, it drops

    # the seed guide's way without the sysctls: the VIP answers HTTP, but the backend answers ARP for it
    backend.ip("addr", "add", f"{VIP4}/32", "dev", "lo")
    with http_server(backend, VIP4):
        assert http_get(nodes["client"], VIP4).startswith("backend=backend1")
    assert neighbour_answers(nodes["probe"], VIP4) == [backend.mac]


def run_module_in(node: Node, args: dict[str, Any]) -> dict[str, Any]:
    """The module alone in the node's sandbox, the way AnsiballZ runs it (arguments as JSON on stdin)."""
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": {**args, "_ansible_check_mode": False, "_ansible_diff": True}})
    module = "ansible_collections.adcops.netscaler.plugins.modules.dsr_loopback"
    proc = node.sandbox(
        f"cd {REPO} && exec {VENV_BIN}/python -m {module}", env=ansible_env(), input=payload, check=False
    )
    try:
        return json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError(f"module printed no JSON (rc={proc.returncode}):\n{proc.stdout}\n{proc.stderr}") from exc


def test_bad_input_fails_before_anything_changes(lab: Lab, tmp_path: Path) -> None:
    nodes = build(lab)
    backend = nodes["backend1"]
    before = backend.snapshot()
    cases = {
        "203.0.113.300": ("not an IPv4 or IPv6 address", {"vips": ["203.0.113.300"]}),
        "a network": ("is a network or a prefix", {"vips": ["203.0.113.0/24"]}),
        "a prefix on the VIP": ("is a network or a prefix", {"vips": [f"{VIP4}/24"]}),
        "loopback": ("a loopback address", {"vips": ["127.0.0.2"]}),
        "the host's own address": (f"{backend.ipv4} is already an address of eth0", {"vips": [VIP4, backend.ipv4]}),
        "an unknown stack": ("network_stack must be one of", {"vips": [VIP4], "network_stack": "wicked"}),
        "present without VIPs": ("at least one VIP", {"vips": []}),
    }
    for what, (message, args) in cases.items():
        out = run_module_in(backend, args)
        assert out.get("failed") is True, (what, out)
        assert message in out["msg"], (what, out["msg"])
        assert out.get("changed", False) is False
    assert backend.snapshot() == before
    assert backend.written_files() == {}
    # the role's argument spec refuses a bad choice before the module runs
    out = run_role(backend, tmp_path, vips=[VIP4], network_stack="wicked")
    assert out["rc"] != 0
    assert ROLE_TASK not in out["tasks"]
    assert backend.snapshot() == before
    assert backend.written_files() == {}


def test_runtime_only_without_persistence(lab: Lab, tmp_path: Path) -> None:
    nodes = build(lab)
    backend = nodes["backend1"]
    before = backend.snapshot()
    out = run_role(backend, tmp_path, vips=[VIP4], persist=False)
    assert out["rc"] == 0, out["raw"].stdout
    assert out["module"]["network_stack"] == "none"
    assert set(backend.written_files()) == {"/run/adcops-dsr-loopback.state"}  # the record absent needs
    with http_server(backend, VIP4):
        assert_dsr_path(nodes, backend, VIP4)
    assert neighbour_answers(nodes["probe"], VIP4) == []
    removed = run_role(backend, tmp_path, vips=[VIP4], persist=False, state="absent")
    assert removed["rc"] == 0
    assert backend.snapshot() == before
    assert backend.written_files() == {}


# ---------------------------------------------------------------------- persistence, read back by consumers


def boot(lab: Lab, name: str, layers: Path, script: str) -> tuple[Node, str]:
    """A fresh namespace (a host after reboot) sharing the persisted files; runs ``script`` there."""
    node = lab.add(name, 50 + len(lab.nodes))
    node.ip("addr", "add", f"{OTHER_LO}/32", "dev", "lo")
    proc = node.sandbox(script, layers=layers, timeout=60)
    return node, proc.stdout


NETWORKD_SCRIPT = f"""
mount -o remount,ro /sys   # no udev here: networkd then does not wait for it
mkdir -p /run/systemd/network
{{copy}}
{SYSTEMD_SYSCTL} /etc/sysctl.d/90-adcops-dsr.conf
{NETWORKD} & pid=$!
for i in $(seq 100); do
  ip -br addr show dev lo | grep -q "{VIP6}/128" && ip -br addr show dev lo | grep -q "{VIP4}/32" && break
  sleep 0.1
done
kill $pid; wait $pid
"""


def assert_booted(node: Node) -> None:
    addresses = node.ip("-br", "addr", "show", "dev", "lo")
    assert f"{VIP4}/32" in addresses and f"{VIP6}/128" in addresses, addresses
    assert f"{OTHER_LO}/32" in addresses, f"the operator's lo address was removed: {addresses}"
    assert node.sysctl("net.ipv4.conf.all.arp_ignore") == 1
    assert node.sysctl("net.ipv4.conf.all.arp_announce") == 2


def persist_with(lab: Lab, tmp_path: Path, stack: str) -> tuple[Path, dict[str, str]]:
    """Run the role with ``stack`` on a fresh backend; returns the overlay layers and the files written."""
    layers = tmp_path / f"layers-{stack}"
    backend = lab.add(f"backend-{stack}", 20)
    out = run_role(backend, tmp_path, layers=layers, vips=[VIP4, VIP6], network_stack=stack, interface="lo")
    assert out["rc"] == 0, (stack, out["raw"].stdout)
    assert out["module"]["network_stack"] == stack
    assert out["module"]["network_stack_reason"] == f"network_stack={stack}"
    files = backend.written_files(layers)
    assert "/etc/sysctl.d/90-adcops-dsr.conf" in files
    return layers, files


def need(binary: str) -> None:
    """A consumer that is missing skips its test on a developer machine and fails it in CI."""
    if shutil.which(binary) or Path(binary).exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{binary} must be installed in CI (make test-deps)")
    pytest.skip(f"{binary} is not installed (make test-deps installs it)")


def test_ifupdown_stanza_is_brought_up_by_ifup(lab: Lab, tmp_path: Path) -> None:
    need("ifup")
    layers, files = persist_with(lab, tmp_path, "ifupdown")
    assert set(files) == {"/etc/sysctl.d/90-adcops-dsr.conf", "/etc/network/interfaces.d/adcops-dsr"}
    # its pre-up applies the sysctl drop-in before the addresses, so ifup alone gives the whole state
    node, _ = boot(lab, "boot", layers, "mkdir -p /run/network\nifup -i /etc/network/interfaces.d/adcops-dsr lo")
    assert_booted(node)


def test_networkd_files_are_applied_by_systemd_networkd(lab: Lab, tmp_path: Path) -> None:
    need(NETWORKD)
    need(SYSTEMD_SYSCTL)
    layers, files = persist_with(lab, tmp_path, "networkd")
    assert set(files) == {"/etc/sysctl.d/90-adcops-dsr.conf", "/etc/systemd/network/60-adcops-dsr-lo.network"}
    node, _ = boot(lab, "boot", layers, NETWORKD_SCRIPT.format(copy=""))
    assert_booted(node)  # also: networkd kept the operator's own lo address (KeepConfiguration=static)


def test_netplan_yaml_is_rendered_by_netplan_and_applied_by_networkd(lab: Lab, tmp_path: Path) -> None:
    need("netplan")
    need(NETWORKD)
    layers, files = persist_with(lab, tmp_path, "netplan")
    root = tmp_path / "netplan-root"
    (root / "etc" / "netplan").mkdir(parents=True)
    target = root / "etc" / "netplan" / "60-adcops-dsr.yaml"
    target.write_text(files["/etc/netplan/60-adcops-dsr.yaml"])
    target.chmod(0o600)
    proc = lab.nodes["backend-netplan"].exec("netplan", "generate", "--root-dir", str(root), check=False)
    assert proc.returncode == 0, proc.stderr
    generated = sorted((root / "run" / "systemd" / "network").glob("*.network"))
    assert generated, "netplan generated no networkd configuration"
    copy = "\n".join(f"cp {path} /run/systemd/network/" for path in generated)
    node, _ = boot(lab, "boot", layers, NETWORKD_SCRIPT.format(copy=copy))
    assert_booted(node)


def test_networkmanager_keyfile(lab: Lab, tmp_path: Path) -> None:
    """NetworkManager is not run here (not installed, and it needs a system D-Bus): the keyfile is parsed."""
    _layers, files = persist_with(lab, tmp_path, "networkmanager")
    path = "/etc/NetworkManager/system-connections/adcops-dsr-lo.nmconnection"
    assert set(files) == {"/etc/sysctl.d/90-adcops-dsr.conf", path}
    keyfile = configparser.ConfigParser(interpolation=None)
    keyfile.read_string(files[path])
    assert keyfile["connection"]["type"] == "loopback"
    assert keyfile["connection"]["interface-name"] == "lo"
    assert keyfile["ipv4"]["method"] == "manual"
    assert keyfile["ipv4"]["address1"] == f"{VIP4}/32"
    assert keyfile["ipv6"]["address1"] == f"{VIP6}/128"
