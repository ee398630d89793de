"""Quiet VIPs: the rules of nitro_api.md §2.11, one test per row, first on the pure function."""

from __future__ import annotations

import pytest

from tests.helpers import backends
from tests.nitro_sim.vips import vip_answer

backend_factory = backends.backend_factory
loopback_ip = backends.loopback_ip

IP = "127.0.0.10"


def vs(name, curstate, icmpvsrresponse="PASSIVE"):
    return {"name": name, "port": 80, "servicetype": "HTTP", "curstate": curstate, "icmpvsrresponse": icmpvsrresponse}


def nsip(**kw):
    return {"ipaddress": IP, "type": "VIP", **kw}


# (id, nsip attrs, vservers, expected answers_icmp)
ROWS = [
    ("icmp-disabled-never-answers", {"icmp": "DISABLED"}, [vs("a", "UP")], False),
    ("none-always-answers-even-all-down", {"icmpresponse": "NONE"}, [vs("a", "DOWN"), vs("b", "DOWN")], True),
    ("one-vserver-one-up", {"icmpresponse": "ONE_VSERVER"}, [vs("a", "UP"), vs("b", "DOWN")], True),
    ("one-vserver-none-up", {"icmpresponse": "ONE_VSERVER"}, [vs("a", "DOWN"), vs("b", "DOWN")], False),
    ("all-vservers-all-up", {"icmpresponse": "ALL_VSERVERS"}, [vs("a", "UP"), vs("b", "UP")], True),
    ("all-vservers-one-down", {"icmpresponse": "ALL_VSERVERS"}, [vs("a", "UP"), vs("b", "DOWN")], False),
    ("vsvr-cntrld-all-passive-all-down", {"icmpresponse": "VSVR_CNTRLD"}, [vs("a", "DOWN"), vs("b", "DOWN")], True),
    ("vsvr-cntrld-all-active-one-up", {"icmpresponse": "VSVR_CNTRLD"},
     [vs("a", "UP", "ACTIVE"), vs("b", "DOWN", "ACTIVE")], True),
    ("vsvr-cntrld-all-active-none-up", {"icmpresponse": "VSVR_CNTRLD"},
     [vs("a", "DOWN", "ACTIVE"), vs("b", "DOWN", "ACTIVE")], False),
    ("vsvr-cntrld-mixed-active-up", {"icmpresponse": "VSVR_CNTRLD"},
     [vs("a", "UP", "ACTIVE"), vs("b", "DOWN", "PASSIVE")], True),
    ("vsvr-cntrld-mixed-only-passive-up", {"icmpresponse": "VSVR_CNTRLD"},
     [vs("a", "DOWN", "ACTIVE"), vs("b", "UP", "PASSIVE")], False),
    ("icmpvsrresponse-ignored-under-none", {"icmpresponse": "NONE"}, [vs("a", "DOWN", "ACTIVE")], True),
    ("icmpvsrresponse-ignored-under-one-vserver", {"icmpresponse": "ONE_VSERVER"},
     [vs("a", "DOWN", "ACTIVE"), vs("b", "UP", "PASSIVE")], True),
    ("out-of-service-is-not-up", {"icmpresponse": "ONE_VSERVER"}, [vs("a", "OUT OF SERVICE")], False),
    ("vip-state-disabled-never-answers", {"state": "DISABLED"}, [vs("a", "UP")], False),
]  # fmt: skip


@pytest.mark.parametrize(("entry", "servers", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_icmp_rule_row(entry, servers, expected):
    got = vip_answer(IP, nsip(**entry), servers, "DISABLED")
    assert got["answers_icmp"] is expected, got["reason"]
    assert [v["curstate"] for v in got["vservers"]] == [v["curstate"] for v in servers]


def test_missing_nsip_entry_uses_defaults():
    got = vip_answer(IP, None, [vs("a", "DOWN", "ACTIVE")], None)
    assert got["answers_icmp"] is True
    assert got["nsip"] == {"present": False, "icmp": "ENABLED", "icmpresponse": "NONE", "arp": "ENABLED",
                           "arpresponse": "NONE", "state": "ENABLED"}  # fmt: skip
    assert got["tcp_to_down_vserver"] == "drop"


@pytest.mark.parametrize(("downstaterst", "expected"), [("DISABLED", "drop"), ("ENABLED", "rst"), ("enabled", "rst")])
def test_tcp_to_down_vserver(downstaterst, expected):
    got = vip_answer(IP, nsip(), [vs("a", "DOWN")], downstaterst)
    assert got["tcp_to_down_vserver"] == expected
    assert got["downstaterst"] == downstaterst.upper()


def test_enum_values_are_case_insensitive():
    got = vip_answer(IP, nsip(icmpresponse="one_vserver"), [vs("a", "DOWN")], "DISABLED")
    assert got["answers_icmp"] is False


@pytest.mark.parametrize(
    ("entry", "states", "expected"),
    [
        ({"arp": "DISABLED"}, ["UP"], False),
        ({"arpresponse": "NONE"}, ["DOWN"], True),
        ({"arpresponse": "ONE_VSERVER"}, ["DOWN", "UP"], True),
        ({"arpresponse": "ONE_VSERVER"}, ["DOWN"], False),
        ({"arpresponse": "ALL_VSERVERS"}, ["DOWN", "UP"], False),
    ],
)
def test_arp_follows_the_same_rules(entry, states, expected):
    got = vip_answer(IP, nsip(**entry), [vs(f"v{i}", s) for i, s in enumerate(states)], "DISABLED")
    assert got["answers_arp"] is expected
