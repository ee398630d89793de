"""dsr_loopback on a backend that serves several DSR services, and the defects of issue 22, in network namespaces.

Each test runs the module alone (``run_module``: the way AnsiballZ runs it, ~0.3 s) inside a backend namespace with a
private mount namespace whose /etc and /run are overlays in the test's temporary directory, so nothing here writes
the machine's own /etc. The lab (tests/helpers/dsr_lab.py) has a client, a director that forwards the VIPs to the
backend's MAC, the backend and a probe that ARPs for the VIPs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._dsr_linux import Record
from tests.helpers import dsr_lab
from tests.helpers.dsr_lab import (
    OTHER_LO,
    VIP4,
    VIP4B,
    VIP6,
    add_vip,
    assert_dsr_path,
    build,
    http_server,
    neighbour_answers,
    run_module,
)
from tests.helpers.netns import Lab, Node

pytestmark = [pytest.mark.netns, pytest.mark.slow]

lab = dsr_lab.lab

SYSCTL = "/etc/sysctl.d/90-adcops-dsr.conf"
IFUPDOWN = "/etc/network/interfaces.d/adcops-dsr"
# the kernel has no dummy driver here; a tmpfs with /sys/module/dummy makes the module believe it has one, so a
# dummy_name reaches the code that uses it
FAKE_DUMMY_DRIVER = "mount -t tmpfs tmpfs /sys/module && mkdir /sys/module/dummy"


def on_lo(node: Node) -> str:
    return node.ip("-br", "addr", "show", "dev", "lo")


def ok(out: dict) -> dict:
    assert not out.get("failed"), out
    return out


def test_two_services_share_a_backend_and_each_leaves_on_its_own(lab: Lab) -> None:
    """Issue 22 items 1 and 6: a second owner adds to the first; absent without a VIP removes only its own."""
    nodes = build(lab)
    backend, probe = nodes["backend1"], nodes["probe"]
    add_vip(nodes, VIP4B, backend)
    backend.ip("addr", "add", f"{OTHER_LO}/32", "dev", "lo")
    before = backend.snapshot()
    common = {"interface": "lo", "network_stack": "ifupdown"}

    ok(run_module(backend, {**common, "vips": [VIP4], "owner": "dsr-web"}))
    second = ok(run_module(backend, {**common, "vips": [VIP4B], "owner": "dsr api"}))
    assert second["removed_addresses"] == []
    assert second["held_by_others"] == [f"{VIP4}/32 (dsr-web)"]
    assert f"{VIP4}/32" in on_lo(backend) and f"{VIP4B}/32" in on_lo(backend), on_lo(backend)
    files = backend.written_files()
    record = Record.parse(files[SYSCTL])
    assert {(e.vip, e.owner) for e in record.entries} == {(f"{VIP4}/32", "dsr-web"), (f"{VIP4B}/32", "dsr api")}
    # one host, one set of network files: both owners' VIPs are persisted
    assert f"{VIP4}/32" in files[IFUPDOWN] and f"{VIP4B}/32" in files[IFUPDOWN]
    assert ok(run_module(backend, {**common, "vips": [VIP4B], "owner": "dsr api"}))["changed"] is False
    with http_server(backend, "0.0.0.0"):
        assert_dsr_path(nodes, backend, VIP4)
        assert_dsr_path(nodes, backend, VIP4B)
    assert neighbour_answers(probe, VIP4) == [] and neighbour_answers(probe, VIP4B) == []

    # a third service on the same VIP as the first (another port): the address is held twice
    ok(run_module(backend, {**common, "vips": [VIP4], "owner": "dsr-web-443"}))

    # absent with no VIP (the survey's empty field): the record says what 'dsr api' holds
    gone = ok(run_module(backend, {**common, "vips": [], "owner": "dsr api", "state": "absent"}))
    assert gone["removed_addresses"] == [f"{VIP4B}/32"]
    assert f"{VIP4B}/32" not in on_lo(backend) and f"{VIP4}/32" in on_lo(backend)
    assert backend.sysctl("net.ipv4.conf.all.arp_ignore") == 1  # dsr-web still needs ARP suppression
    assert f"{VIP4B}/32" not in backend.written_files()[IFUPDOWN]
    with http_server(backend, "0.0.0.0"):
        assert_dsr_path(nodes, backend, VIP4)
    assert neighbour_answers(probe, VIP4) == []

    # dsr-web leaves, dsr-web-443 still holds the same VIP: it stays
    gone = ok(run_module(backend, {**common, "owner": "dsr-web", "state": "absent"}))
    assert gone["removed_addresses"] == []
    assert gone["held_by_others"] == [f"{VIP4}/32 (dsr-web-443)"]
    assert f"{VIP4}/32" in on_lo(backend)

    # exclusive: the list is the host's whole set, another owner's VIP goes
    only = ok(run_module(backend, {**common, "vips": [VIP4B], "owner": "only", "exclusive": True}))
    assert only["removed_addresses"] == [f"{VIP4}/32"]
    assert f"{VIP4}/32" not in on_lo(backend) and f"{VIP4B}/32" in on_lo(backend)

    # the last owner leaves: everything as before, the operator's own lo address included
    ok(run_module(backend, {**common, "owner": "only", "state": "absent"}))
    assert backend.snapshot() == before
    assert backend.written_files() == {}


HOSTILE_NAMES = {
    "x;touch${IFS}pw": "a shell command in a legal 15-byte interface name",
    "dsr0123456789abc": "16 bytes, longer than the kernel allows",
    "all": "/proc/sys/net/ipv4/conf/all",
    "dsr 0": "a space",
    "$(id)": "a command substitution",
    "dsr.0": "a dot, a separator in sysctl keys",
    "dsr0\nup reboot": "a new line",
}


def test_unsafe_interface_names_are_refused_before_any_change(lab: Lab) -> None:
    """Issue 22 items 2 and 3: the name is checked before the sysctls, in check mode too, for every stack."""
    nodes = build(lab)
    backend = nodes["backend1"]
    before = backend.snapshot()
    stacks = ("ifupdown", "networkd", "networkmanager", "netplan")
    for n, (name, what) in enumerate(HOSTILE_NAMES.items()):
        # each name once, alternately in check mode (which used to render it into the diff) and for real
        args = {"vips": [VIP4], "interface": "dummy", "dummy_name": name, "network_stack": stacks[n % 4]}
        out = run_module(backend, args, check_mode=n % 2 == 1, prelude=FAKE_DUMMY_DRIVER)
        assert out.get("failed") is True, (what, out)
        assert out["msg"].startswith(f"dummy_name: {name!r} is "), (what, out["msg"])
        assert out.get("changed") is False, (what, out)
    assert backend.snapshot() == before  # no sysctl raised, no link, no address
    assert backend.written_files() == {}


def test_a_run_that_fails_half_way_is_undone_by_absent(lab: Lab) -> None:
    """Issue 22 item 3: the record is written before the first change, so absent restores a partial run."""
    nodes = build(lab)
    backend = nodes["backend1"]
    # the kernel refuses IPv6 addresses on lo: the IPv6 VIP fails after the sysctls and the IPv4 VIP are applied
    backend.sysctl("net.ipv6.conf.lo.disable_ipv6", 1)
    before = backend.snapshot()
    out = run_module(backend, {"vips": [VIP4, VIP6], "interface": "lo", "network_stack": "none"})
    assert out.get("failed") is True, out
    assert out["changed"] is True
    assert "sysctl net.ipv4.conf.all.arp_ignore=1" in out["applied"]
    assert f"applied before the failure: wrote {SYSCTL}" in out["msg"]
    assert "state=absent with owner='default'" in out["msg"]
    assert f"{VIP4}/32" in on_lo(backend)
    assert backend.sysctl("net.ipv4.conf.all.arp_ignore") == 1
    assert {e.vip for e in Record.parse(backend.written_files()[SYSCTL]).entries} == {f"{VIP4}/32", f"{VIP6}/128"}

    undone = ok(run_module(backend, {"vips": [], "interface": "lo", "state": "absent"}))
    assert undone["changed"] is True
    assert undone["removed_addresses"] == [f"{VIP4}/32"]
    assert undone["restored_sysctls"]["net.ipv4.conf.all.arp_ignore"] == 0
    assert backend.snapshot() == before
    assert backend.written_files() == {}


def test_a_gateway_or_an_address_of_the_host_is_refused(lab: Lab) -> None:
    """Issue 22 item 4: the router's address as a VIP would cut the backend off from its router."""
    nodes = build(lab)
    backend = nodes["backend1"]
    backend.ip("route", "add", "default", "via", "198.51.100.254")
    backend.ip("-6", "route", "add", "default", "via", "2001:db8:100::fe")
    backend.ip("route", "add", "192.0.2.128/25", "nexthop", "via", "198.51.100.251", "nexthop", "via", "198.51.100.252")
    before = backend.snapshot()
    cases = {
        "198.51.100.254": "vips: 198.51.100.254 is a gateway of this host (default via 198.51.100.254 dev eth0)",
        "2001:db8:100::fe": "vips: 2001:db8:100::fe is a gateway of this host (default via 2001:db8:100::fe dev eth0)",
        "198.51.100.252/32": "vips: 198.51.100.252 is a gateway of this host (192.0.2.128/25 via 198.51.100.252",
        backend.ipv6: f"vips: {backend.ipv6} is already an address of eth0",
    }
    for vip, message in cases.items():
        out = run_module(backend, {"vips": [VIP4, vip], "interface": "lo", "network_stack": "none"})
        assert out.get("failed") is True, (vip, out)
        assert message in out["msg"], (vip, out["msg"])
        assert out.get("changed") is False
    assert backend.snapshot() == before
    assert backend.written_files() == {}


# An ip(8) that returns at once from 'ip -6 addr add' and lets the kernel get the address 1 s later: what a host
# busy with netlink looks like to the module, whose post-check then finds no local route for a moment.
SLOW_IPV6 = """#!/bin/sh
case " $* " in
  *" -6 addr add "*) (sleep 1; exec {ip} "$@") >/dev/null 2>&1 & exit 0 ;;
esac
exec {ip} "$@"
"""


def test_an_ipv6_vip_whose_local_route_comes_late_is_waited_for(lab: Lab, tmp_path: Path) -> None:
    """Issue 22 item 5: the post-check waits (bounded) for the IPv6 local route instead of failing at once."""
    nodes = build(lab)
    backend = nodes["backend1"]
    shim = tmp_path / "slow-ip"
    shim.mkdir()
    real_ip = next(p for p in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip") if Path(p).exists())
    (shim / "ip").write_text(SLOW_IPV6.format(ip=real_ip))
    (shim / "ip").chmod(0o755)
    out = run_module(
        backend,
        {"vips": [VIP6], "interface": "lo", "network_stack": "none"},
        prelude=f"export PATH={shim}:$PATH",
    )
    assert not out.get("failed"), out["msg"]
    assert out["checks"]["vips"][VIP6] == {"route": "local", "local": True, "host_prefix": True}
    with http_server(backend, VIP6):
        assert_dsr_path(nodes, backend, VIP6)
    assert neighbour_answers(nodes["probe"], VIP6) == []


# ------------------------------------------------------------------------ the files, read by their consumers

TWO_DEVICES = {"lo": [f"{VIP4}/32", f"{VIP6}/128"], "dsr_a-1": [f"{VIP4B}/32"]}


def gkeyfile(text: str) -> dict[str, dict[str, str]]:
    """A strict reader of the GLib key file format NetworkManager's keyfile plugin uses (nmcli is not installed):
    comments, groups, key=value with GLib's escapes; anything else, a duplicate or a bad escape, fails."""
    groups: dict[str, dict[str, str]] = {}
    current = None
    escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    for number, line in enumerate(text.split("\n"), 1):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]") and "]" not in line[1:-1] and "[" not in line[1:-1]:
            current = line[1:-1]
            assert current not in groups, f"line {number}: group {current} twice"
            groups[current] = {}
            continue
        key, sep, raw = line.partition("=")
        assert sep and current is not None, f"line {number}: not a key=value in a group: {line!r}"
        assert key and all(c.isalnum() or c in "-_." for c in key), f"line {number}: bad key {key!r}"
        assert key not in groups[current], f"line {number}: {key} twice"
        value, chars = "", iter(raw)
        for char in chars:
            if char == "\\":
                nxt = next(chars, "")
                assert nxt in escapes, f"line {number}: invalid escape \\{nxt}"
                value += escapes[nxt]
            else:
                value += char
        groups[current][key] = value
    return groups


def test_files_for_two_devices_are_read_by_their_consumers(lab: Lab, tmp_path: Path) -> None:
    """Every stack's files for lo and a dummy device, parsed by ifupdown, netplan, systemd-networkd and a strict
    GLib key file reader; a hostile name never reaches a file."""
    from ansible_collections.adcops.netscaler.plugins.module_utils import _dsr_linux as dsr

    for name in HOSTILE_NAMES:
        for stack in ("ifupdown", "networkd", "networkmanager", "netplan"):
            with pytest.raises(dsr.DsrError, match=r"is not a safe interface name|is reserved"):
                dsr.render_stack(stack, {name: [f"{VIP4}/32"]}, dsr.SYSCTL_FILE)
    node = lab.add("reader", 30)

    # ifupdown: ifquery lists both stanzas, ifup --no-act prints the commands it would give /bin/sh
    interfaces = tmp_path / "adcops-dsr"
    interfaces.write_text(dsr.render_stack("ifupdown", TWO_DEVICES, dsr.SYSCTL_FILE)[dsr.IFUPDOWN_FILE])
    listed = node.exec("ifquery", "-i", str(interfaces), "--list").stdout.split()
    assert listed == ["lo", "dsr_a-1"]
    state = tmp_path / "ifstate"
    state.mkdir()
    proc = node.exec("ifup", "--no-act", "-i", str(interfaces), "--state-dir", str(state), "dsr_a-1")
    plan = proc.stdout + proc.stderr  # ifupdown prints the commands on stderr
    assert "ip link show dev dsr_a-1 >/dev/null 2>&1 || ip link add dsr_a-1 type dummy" in plan.splitlines()
    assert f"ip addr replace {VIP4B}/32 dev dsr_a-1" in plan.splitlines()

    # netplan: generate networkd files for both devices (dummy-devices need netplan 0.107; Debian 12 has 0.106, which
    # refuses the key, so there only lo's file is generated)
    root = tmp_path / "netplan-root"
    (root / "etc" / "netplan").mkdir(parents=True)
    target = root / "etc" / "netplan" / "60-adcops-dsr.yaml"
    target.write_text(dsr.render_stack("netplan", TWO_DEVICES, None)[dsr.NETPLAN_FILE])
    target.chmod(0o600)
    proc = node.exec("netplan", "generate", "--root-dir", str(root), check=False)
    if "unknown key 'dummy-devices'" in proc.stderr:
        target.write_text(dsr.render_stack("netplan", {"lo": TWO_DEVICES["lo"]}, None)[dsr.NETPLAN_FILE])
        proc = node.exec("netplan", "generate", "--root-dir", str(root), check=False)
    else:
        generated = (root / "run" / "systemd" / "network" / "10-netplan-dsr_a-1.netdev").read_text()
        assert "Kind=dummy" in generated
    assert proc.returncode == 0, proc.stderr
    lo_network = (root / "run" / "systemd" / "network" / "10-netplan-lo.network").read_text()
    assert f"Address={VIP4}/32" in lo_network and f"Address={VIP6}/128" in lo_network

    # systemd-networkd: reads both devices' files without a complaint and brings up lo's VIPs
    networkd = dsr.render_stack("networkd", TWO_DEVICES, None)
    copy = "\n".join(f"cat > {path} <<'EOF'\n{text}EOF" for path, text in networkd.items())
    script = f"""
mount -o remount,ro /sys
mkdir -p /etc/systemd/network /run/systemd/network
{copy}
{dsr_lab.NETWORKD} & pid=$!
for i in $(seq 100); do
  ip -br addr show dev lo | grep -q "{VIP6}/128" && ip -br addr show dev lo | grep -q "{VIP4}/32" && break
  sleep 0.1
done
kill $pid; wait $pid
"""
    proc = node.sandbox(script, layers="networkd", timeout=60)
    # networkd reports a bad line as 'file:line: message'; the .netdev was read (without a dummy driver here the
    # device itself cannot be created: 'netdev could not be created: Operation not supported')
    complaints = re.findall(r"^.*adcops-dsr[^:]*:\d+:.*$", proc.stderr, re.MULTILINE)
    assert complaints == [], complaints
    assert "lo: Configuring with /etc/systemd/network/60-adcops-dsr-lo.network" in proc.stderr, proc.stderr
    assert re.search(r"^dsr_a-1: netdev ", proc.stderr, re.MULTILINE), proc.stderr
    assert f"{VIP4}/32" in on_lo(node) and f"{VIP6}/128" in on_lo(node)

    # NetworkManager: a strict key file reader
    for device, vips in TWO_DEVICES.items():
        (text,) = dsr.render_stack("networkmanager", {device: vips}, None).values()
        keyfile = gkeyfile(text)
        assert keyfile["connection"]["interface-name"] == device
        assert keyfile["connection"]["type"] == ("loopback" if device == "lo" else "dummy")
        v4 = [a for a in vips if ":" not in a]
        assert [keyfile["ipv4"][f"address{n}"] for n in range(1, len(v4) + 1)] == v4
