"""Unit tests of plugins/module_utils/_dsr_linux.py: input, rendering, records, and the dummy-device plan.

The data path is proven in network namespaces (tests/integration/test_dsr_backend.py). What that host cannot run is
covered here: the dummy device (its kernel has no dummy driver), planned in check mode against a fake host.
"""

from __future__ import annotations

import configparser
import json
from typing import Any

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils import _dsr_linux as dsr


@pytest.mark.parametrize(
    ("text", "expected"),
    [("192.0.2.10", "192.0.2.10"), ("192.0.2.10/32", "192.0.2.10"), ("2001:DB8::10/128", "2001:db8::10")],
)
def test_parse_vip_accepts_addresses_and_host_prefixes(text: str, expected: str) -> None:
    assert str(dsr.parse_vip(text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("192.0.2.0/24", "network or a prefix"),
        ("192.0.2.10/31", "network or a prefix"),
        ("2001:db8::/64", "network or a prefix"),
        ("vip.example", "not an IPv4 or IPv6 address"),
        ("127.0.0.5", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("fe80::1", "link-local"),
        ("224.0.0.5", "multicast"),
    ],
)
def test_parse_vip_refuses(text: str, message: str) -> None:
    with pytest.raises(dsr.DsrError, match=message):
        dsr.parse_vip(text)


def test_parse_vips_removes_duplicates_in_order() -> None:
    assert [str(v) for v in dsr.parse_vips(["192.0.2.2", "192.0.2.1", "192.0.2.2/32"])] == ["192.0.2.2", "192.0.2.1"]


def test_sysctl_record_round_trip() -> None:
    applied = {"net.ipv4.conf.all.arp_ignore": 1, "net.ipv4.conf.dsr0.arp_ignore": 1}
    previous = {"net.ipv4.conf.all.arp_ignore": 0, "net.ipv4.conf.dsr0.arp_ignore": 0}
    text = dsr.render_sysctl(applied, previous, [dsr.Entry("192.0.2.10/32", "dsr0", "dsr web")], "networkd")
    assert text.startswith(dsr.MARKER)
    assert "\n-net.ipv4.conf.dsr0.arp_ignore = 1\n" in text  # the device may not exist yet at boot
    assert "\nnet.ipv4.conf.all.arp_ignore = 1\n" in text
    record = dsr.Record.parse(text)
    assert record.previous == previous
    assert record.applied == applied
    assert record.vips == [("192.0.2.10/32", "dsr0")]
    assert record.entries == [dsr.Entry("192.0.2.10/32", "dsr0", "dsr web", True)]
    assert record.stack == "networkd"


def test_a_record_of_1_0_0_belongs_to_the_default_owner() -> None:
    text = f"{dsr.MARKER}\n# previous net.ipv4.conf.all.arp_ignore=0\n# vip 192.0.2.10/32 dev lo\n"
    assert dsr.Record.parse(text).entries == [dsr.Entry("192.0.2.10/32", "lo", "default", True)]
    assert dsr.Record.parse(text, persist=False).entries == [dsr.Entry("192.0.2.10/32", "lo", "default", False)]


def test_networkd_dummy_has_a_netdev() -> None:
    files = dsr.render_networkd("dsr0", ["192.0.2.10/32", "2001:db8::10/128"])
    network = configparser.ConfigParser(strict=False, comment_prefixes=("#",))
    network.optionxform = str  # type: ignore[assignment,method-assign]
    network.read_string(files["/etc/systemd/network/60-adcops-dsr-dsr0.network"])
    assert network["Match"]["Name"] == "dsr0"
    netdev = files["/etc/systemd/network/60-adcops-dsr-dsr0.netdev"]
    assert "[NetDev]\nName=dsr0\nKind=dummy" in netdev
    assert "Address=2001:db8::10/128" in files["/etc/systemd/network/60-adcops-dsr-dsr0.network"]


def test_networkmanager_dummy_keyfile_disables_the_unused_family() -> None:
    ((path, text),) = dsr.render_networkmanager("dsr0", ["192.0.2.10/32"]).items()
    keyfile = configparser.ConfigParser(interpolation=None)
    keyfile.read_string(text)
    assert path.endswith("/adcops-dsr-dsr0.nmconnection")
    assert keyfile["connection"]["type"] == "dummy"
    assert keyfile["ipv4"]["address1"] == "192.0.2.10/32"
    assert keyfile["ipv6"]["method"] == "disabled"
    # a stable uuid, so a re-run rewrites the same connection
    assert (
        dsr.render_networkmanager("dsr0", ["192.0.2.11/32"])[path].split("uuid=")[1][:36] == text.split("uuid=")[1][:36]
    )


def test_ifupdown_dummy_creates_and_deletes_the_device() -> None:
    text = dsr.render_ifupdown({"dsr0": ["192.0.2.10/32", "2001:db8::10/128"]}, dsr.SYSCTL_FILE)[dsr.IFUPDOWN_FILE]
    lines = [line.strip() for line in text.splitlines()]
    assert lines.index(f"pre-up sysctl -q -p {dsr.SYSCTL_FILE}") < lines.index(
        "up ip addr replace 192.0.2.10/32 dev dsr0"
    )
    assert "pre-up ip link show dev dsr0 >/dev/null 2>&1 || ip link add dsr0 type dummy" in lines
    assert "up ip -6 addr replace 2001:db8::10/128 dev dsr0" in lines
    assert "post-down ip link del dsr0 || true" in lines


def test_netplan_dummy_uses_dummy_devices() -> None:
    text = dsr.render_netplan({"dsr0": ["192.0.2.10/32"]})[dsr.NETPLAN_FILE]
    assert '  dummy-devices:\n    "dsr0":\n      addresses: ["192.0.2.10/32"]' in text


class FakeHost(dsr.Host):
    """A host with eth0 and lo, a dummy driver, and sysctls in a dict; records every command it is asked to run."""

    def __init__(self, addresses: dict[str, list[dict[str, Any]]] | None = None) -> None:
        super().__init__(run=self._run)
        self.commands: list[list[str]] = []
        self.values = {"net.ipv4.conf.all.arp_ignore": 0, "net.ipv4.conf.all.arp_announce": 0}
        self.values |= {"net.ipv4.conf.default.arp_ignore": 0, "net.ipv4.conf.default.arp_announce": 0}
        self.values |= {"net.ipv4.conf.eth0.arp_ignore": 0, "net.ipv4.conf.eth0.arp_announce": 0}
        self._addresses = addresses or {
            "lo": [{"local": "127.0.0.1", "prefixlen": 8}],
            "eth0": [{"local": "198.51.100.11", "prefixlen": 24}],
        }

    def _run(self, argv: list[str]) -> tuple[int, str, str]:
        self.commands.append(argv)
        if argv[:4] == ["ip", "-j", "-d", "link"]:
            return 0, json.dumps([{"ifname": name, "flags": ["UP"]} for name in self._addresses]), ""
        if argv[:3] == ["ip", "-j", "addr"]:
            return 0, json.dumps([{"ifname": n, "addr_info": a} for n, a in self._addresses.items()]), ""
        if argv[:5] == ["ip", "-j", "-4", "route", "show"]:
            return 0, json.dumps([{"dst": "default", "gateway": "198.51.100.1", "dev": "eth0"}]), ""
        if argv[:5] == ["ip", "-j", "-6", "route", "show"]:
            return 0, "[]", ""
        return 1, "", "unexpected"

    def sysctl_get(self, key: str) -> int | None:
        return self.values.get(key)

    def sysctl_set(self, key: str, value: int) -> None:  # pragma: no cover - check mode never sets
        raise AssertionError(f"check mode set {key}")

    def ipv4_conf_interfaces(self) -> list[str]:
        return ["all", "default", "eth0", "lo"]

    def dummy_driver(self) -> tuple[bool, str]:
        return True, "the dummy driver is loaded (/sys/module/dummy)"

    def service_active(self, unit: str, process: str) -> bool:
        return False


def test_check_mode_plans_a_dummy_device_and_changes_nothing() -> None:
    host = FakeHost()
    options = dsr.Options(vips=["192.0.2.10", "2001:db8::10"], network_stack="networkd")
    result = dsr.DsrLoopback(host, options, check_mode=True).run()
    assert result["changed"] is True
    assert result["interface"] == "dsr0"
    assert result["interface_reason"].startswith("interface=auto: the dummy driver is loaded")
    assert result["files"] == sorted(
        [
            dsr.SYSCTL_FILE,
            "/etc/systemd/network/60-adcops-dsr-dsr0.netdev",
            "/etc/systemd/network/60-adcops-dsr-dsr0.network",
        ]
    )
    after = result["diff"]["after"]
    assert after["addresses"]["dsr0"] == ["192.0.2.10/32", "2001:db8::10/128"]
    # a device that does not exist yet is planned from the 'default' values
    assert after["sysctls"] == {
        "net.ipv4.conf.all.arp_ignore": 1,
        "net.ipv4.conf.all.arp_announce": 2,
        "net.ipv4.conf.dsr0.arp_ignore": 1,
        "net.ipv4.conf.dsr0.arp_announce": 2,
    }
    assert result["checks"]["uplinks"] == {
        "eth0": {"arp_ignore": 1, "arp_ignore_ok": True, "arp_announce": 2, "arp_announce_ok": True}
    }
    assert all(argv[:2] == ["ip", "-j"] for argv in host.commands), host.commands  # only reads


def test_higher_values_are_kept() -> None:
    host = FakeHost()
    host.values["net.ipv4.conf.all.arp_ignore"] = 2
    result = dsr.DsrLoopback(host, dsr.Options(vips=["192.0.2.10"], interface="lo"), check_mode=True).run()
    assert result["diff"]["after"]["sysctls"]["net.ipv4.conf.all.arp_ignore"] == 2


def test_ipv6_only_needs_no_arp_sysctls() -> None:
    host = FakeHost()
    result = dsr.DsrLoopback(host, dsr.Options(vips=["2001:db8::10"], interface="lo"), check_mode=True).run()
    assert result["diff"]["after"]["sysctls"] == {}
    assert result["checks"]["uplinks"] == {}


def test_dummy_name_taken_by_another_device_fails() -> None:
    host = FakeHost({"lo": [], "eth0": [], "dsr0": []})
    with pytest.raises(dsr.DsrError, match="already exists and is not a dummy"):
        dsr.DsrLoopback(host, dsr.Options(vips=["192.0.2.10"]), check_mode=True).run()


def test_a_vip_no_longer_listed_is_removed_and_leaves_the_record(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "90-adcops-dsr.conf"
    applied = {"net.ipv4.conf.all.arp_ignore": 1}
    previous = {"net.ipv4.conf.all.arp_ignore": 0}
    record.write_text(dsr.render_sysctl(applied, previous, [dsr.Entry("192.0.2.99/32", "lo")]))
    monkeypatch.setattr(dsr, "SYSCTL_FILE", str(record))
    host = FakeHost(
        {
            "lo": [{"local": "127.0.0.1", "prefixlen": 8}, {"local": "192.0.2.99", "prefixlen": 32}],
            "eth0": [{"local": "198.51.100.11", "prefixlen": 24}],
        }
    )
    result = dsr.DsrLoopback(host, dsr.Options(vips=["192.0.2.10"], interface="lo"), check_mode=True).run()
    assert result["removed_addresses"] == ["192.0.2.99/32"]
    assert result["diff"]["after"]["addresses"]["lo"] == ["127.0.0.1/8", "192.0.2.10/32"]
    new_record = dsr.Record.parse(result["diff"]["after"]["files"][str(record)])
    assert new_record.vips == [("192.0.2.10/32", "lo")]
    assert new_record.previous["net.ipv4.conf.all.arp_ignore"] == 0  # the value from before the first run


def test_owners_plan_in_check_mode(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second owner adds to the record; absent of one owner, without a VIP, plans only its own VIP."""
    record = tmp_path / "90-adcops-dsr.conf"
    applied = {"net.ipv4.conf.all.arp_ignore": 1}
    record.write_text(
        dsr.render_sysctl(applied, {"net.ipv4.conf.all.arp_ignore": 0}, [dsr.Entry("192.0.2.10/32", "lo", "web")])
    )
    monkeypatch.setattr(dsr, "SYSCTL_FILE", str(record))
    host = FakeHost(
        {
            "lo": [{"local": "127.0.0.1", "prefixlen": 8}, {"local": "192.0.2.10", "prefixlen": 32}],
            "eth0": [{"local": "198.51.100.11", "prefixlen": 24}],
        }
    )
    host.values["net.ipv4.conf.all.arp_ignore"] = 1
    options = dsr.Options(vips=["192.0.2.11"], interface="lo", owner="api", network_stack="none")
    present = dsr.DsrLoopback(host, options, check_mode=True).run()
    assert present["removed_addresses"] == []
    assert present["diff"]["after"]["addresses"]["lo"] == ["127.0.0.1/8", "192.0.2.10/32", "192.0.2.11/32"]
    owners = {(e.vip, e.owner) for e in dsr.Record.parse(present["diff"]["after"]["files"][str(record)]).entries}
    assert owners == {("192.0.2.10/32", "web"), ("192.0.2.11/32", "api")}

    options = dsr.Options(vips=[], interface="lo", owner="web", state="absent")
    absent = dsr.DsrLoopback(host, options, check_mode=True).run()
    assert absent["removed_addresses"] == ["192.0.2.10/32"]
    assert absent["restored_sysctls"] == {"net.ipv4.conf.all.arp_ignore": 0}  # no other owner holds an IPv4 VIP

    exclusive = dsr.Options(vips=["192.0.2.11"], interface="lo", owner="api", exclusive=True, network_stack="none")
    assert dsr.DsrLoopback(host, exclusive, check_mode=True).run()["removed_addresses"] == ["192.0.2.10/32"]


@pytest.mark.parametrize("name", ["x;touch${IFS}pw", "dsr0123456789abc", "all", "a b", "-dsr", "dsr.0", ""])
def test_unsafe_dummy_names_are_refused_before_the_host_is_read(name: str) -> None:
    host = FakeHost()
    with pytest.raises(dsr.DsrError, match=r"^dummy_name: "):
        dsr.DsrLoopback(host, dsr.Options(vips=["192.0.2.10"], dummy_name=name), check_mode=True)
    assert host.commands == []
