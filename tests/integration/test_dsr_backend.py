"""The dsr_backend role on a real Direct Server Return data path, in network namespaces this test creates.

The lab (tests/helpers/dsr_lab.py): a client, a director that forwards the VIP to a backend's MAC the way MAC mode
does, backends and a probe on one bridge. The role runs through ``ansible-playbook -c local`` inside the backend's
namespace, in a private mount namespace whose /etc and /run are overlays with their upper layers in the test's
temporary directory: what the role persists is read back from there, and the real /etc is never written.
"""

from __future__ import annotations

import configparser
import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import dsr_lab
from tests.helpers.dsr_lab import (
    NETWORKD,
    OTHER_LO,
    ROLE_TASK,
    SYSTEMD_SYSCTL,
    VIP4,
    VIP6,
    assert_dsr_path,
    assert_no_neighbour_answer,
    build,
    host_network_daemons,
    http_get,
    http_server,
    neighbour_answers,
    run_module,
    run_role,
)
from tests.helpers.netns import Lab, Node

pytestmark = [pytest.mark.netns, pytest.mark.slow]

lab = dsr_lab.lab


# ---------------------------------------------------------------------------------------------- tests


def test_role_serves_the_vip_by_dsr_and_never_answers_arp(lab: Lab, tmp_path: Path) -> None:
    nodes = build(lab)
    backend = nodes["backend1"]
    backend.ip("addr", "add", f"{OTHER_LO}/32", "dev", "lo")
    before = backend.snapshot()
    vips = [VIP4, VIP6]
    # auto detection: ifupdown is installed with /etc/network/interfaces, no netplan configuration (hidden by the
    # sandbox), and no NetworkManager or systemd-networkd running; a machine that runs one of those gets an
    # explicit stack instead, so the role never asks the machine's own daemon to reload
    stack = "ifupdown" if host_network_daemons() else "auto"
    has_ifupdown = bool(shutil.which("ifup")) and Path("/etc/network/interfaces").exists()
    assert has_ifupdown or os.environ.get("CI") != "true", "CI installs ifupdown (make test-deps)"
    expected = "ifupdown" if has_ifupdown or stack == "ifupdown" else "none"

    # check mode predicts a change and changes nothing, not even a file
    checked = run_role(backend, tmp_path, check=True, vips=vips, network_stack=stack)
    assert checked["rc"] == 0, checked["raw"].stdout
    assert checked["module"]["changed"] is True
    diff = checked["module"]["diff"]  # --diff: addresses, sysctls and files, before and after
    (planned,) = diff["after"]["addresses"].values()
    assert {f"{VIP4}/32", f"{VIP6}/128", f"{OTHER_LO}/32"} <= set(planned)
    assert diff["before"]["sysctls"]["net.ipv4.conf.all.arp_ignore"] == 0
    assert diff["after"]["sysctls"]["net.ipv4.conf.all.arp_ignore"] == 1
    assert diff["before"]["files"]["/etc/sysctl.d/90-adcops-dsr.conf"] is None
    assert backend.snapshot() == before
    assert backend.written_files() == {}

    first = run_role(backend, tmp_path, vips=vips, network_stack=stack)
    assert first["rc"] == 0, first["raw"].stdout
    result = first["module"]
    assert result["changed"] is True
    assert result["interface"] in ("lo", "dsr0"), result
    assert result["network_stack"] == expected
    if stack == "auto" and expected == "ifupdown":
        assert result["network_stack_reason"] == "ifupdown is installed and /etc/network/interfaces exists"
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
    assert set(files) == {"/etc/sysctl.d/90-adcops-dsr.conf"} | (
        {"/etc/network/interfaces.d/adcops-dsr"} if expected == "ifupdown" else set()
    )

    second = run_role(backend, tmp_path, vips=vips, network_stack=stack)
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
        out = run_module(backend, args)
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


def test_runtime_only_without_persistence(lab: Lab) -> None:
    # the module alone (~0.3 s; the role around it is proven by the first test)
    nodes = build(lab)
    backend = nodes["backend1"]
    before = backend.snapshot()
    out = run_module(backend, {"vips": [VIP4], "persist": False})
    assert not out.get("failed"), out
    assert out["network_stack"] == "none"
    assert set(backend.written_files()) == {"/run/adcops-dsr-loopback.state"}  # the record absent needs
    with http_server(backend, VIP4):
        assert_dsr_path(nodes, backend, VIP4)
    assert neighbour_answers(nodes["probe"], VIP4) == []
    removed = run_module(backend, {"vips": [VIP4], "persist": False, "state": "absent"})
    assert not removed.get("failed"), removed
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
    # the module alone (~0.3 s instead of an ansible-playbook run; the role is proven by the first test)
    out = run_module(backend, {"vips": [VIP4, VIP6], "network_stack": stack, "interface": "lo"}, layers=layers)
    assert not out.get("failed"), (stack, out)
    assert out["network_stack"] == stack
    assert out["network_stack_reason"] == f"network_stack={stack}"
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
