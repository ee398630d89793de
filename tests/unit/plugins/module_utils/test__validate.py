"""_validate: each check names option, value and what is allowed; Problems reports all at once."""

from __future__ import annotations

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils import _validate as v


def test_problems_collects_every_message_before_raising() -> None:
    problems = v.Problems()
    assert problems.check(v.port, "port", 80) == 80
    assert problems.check(v.port, "port", 0) is None
    assert problems.check(v.in_range, "td", 5000, 0, 4094) is None
    assert problems.check(v.nitro_name, "name", "-bad") is None
    assert problems.messages[:2] == [
        "port: 0 is not a valid port; use a number from 1 to 65535, or '*'",
        "td: 5000 is out of range; allowed: 0 to 4094",
    ]
    with pytest.raises(v.InvalidOptions) as raised:
        problems.raise_any()
    assert str(raised.value) == "; ".join(problems.messages) and len(problems.messages) == 3


def test_no_problem_raises_nothing() -> None:
    problems = v.Problems()
    problems.check(v.in_range, "td", 0, 0, 4094)
    assert not problems
    problems.raise_any()


@pytest.mark.parametrize(
    ("value", "short", "message"),
    [
        (-1, False, "maxclient: -1 is out of range; allowed: 0 to 10"),
        (11, True, "maxclient: 11 is out of range; allowed 0-10"),
        (True, False, "maxclient: True is out of range; allowed: 0 to 10"),  # a bool is no number
        ("5", False, "maxclient: '5' is out of range; allowed: 0 to 10"),
    ],
)
def test_in_range_rejects(value: object, short: bool, message: str) -> None:
    with pytest.raises(v.InvalidOptions, match=f"^{message}$"):
        v.in_range("maxclient", value, 0, 10, short=short)


def test_in_range_accepts_the_limits() -> None:
    assert v.in_range("x", 0, 0, 10) == 0 and v.in_range("x", 10, 0, 10) == 10 and v.in_range("x", None, 0, 1) is None


@pytest.mark.parametrize(("value", "expected"), [("*", 65535), (" 80 ", 80), (65535, 65535), ("1", 1), (None, None)])
def test_port_in_nitro_form(value: object, expected: object) -> None:
    assert v.port("port", value) == expected


@pytest.mark.parametrize("value", [0, 65536, "http", True, "8.5"])
def test_port_rejects(value: object) -> None:
    with pytest.raises(v.InvalidOptions, match=r"^port: .* is not a valid port"):
        v.port("port", value)


def test_ip_canonical_and_wildcard() -> None:
    assert v.ip("ip", "::0:1") == "::1"
    assert v.ip("ipv46", "*", wildcard=True) == "*"
    with pytest.raises(v.InvalidOptions, match=r"^ip: '\*' is not a valid IP address; use an IPv4 or IPv6 address$"):
        v.ip("ip", "*")
    with pytest.raises(v.InvalidOptions, match=r"^ipaddress: '1.2.3' is not a valid IPv4 or IPv6 address$"):
        v.ip("ipaddress", "1.2.3", kind="IPv4 or IPv6 address")


@pytest.mark.parametrize("value", ["web-01", "_x", "a b:c@d=e#f.g", "n" * 127])
def test_nitro_name_accepts(value: str) -> None:
    assert v.nitro_name("name", value) == value


@pytest.mark.parametrize("value", ["", "-web", "n" * 128, "wéb", "a/b", None])
def test_nitro_name_rejects(value: object) -> None:
    with pytest.raises(v.InvalidOptions, match="is not a valid NetScaler name"):
        v.nitro_name("name", value)


def test_one_of_returns_nitro_spelling_and_lists_the_allowed() -> None:
    assert v.one_of("servicetype", "radiuslistener", ("HTTP", "RADIUSListener")) == "RADIUSListener"
    with pytest.raises(v.InvalidOptions) as raised:
        v.one_of("servicetype", "https", ("HTTP", "SSL"), kind="a service type", hint=" (use SSL)")
    assert str(raised.value) == "servicetype: 'https' is not a service type (use SSL); allowed: HTTP, SSL"


def test_netmask() -> None:
    assert v.netmask("netmask", "255.255.255.0") == "255.255.255.0"
    with pytest.raises(v.InvalidOptions, match=r"netmask: .255\.0\.255\.1. is not a valid netmask"):
        v.netmask("netmask", "255.0.255.1")


def test_yes_no_and_upper() -> None:
    assert (v.yes_no(True), v.yes_no(False), v.yes_no(None)) == ("YES", "NO", None)
    assert (v.upper(" mac "), v.upper(None)) == ("MAC", None)


def test_the_two_errors_are_distinct() -> None:
    assert not issubclass(v.ApplianceStateError, v.InvalidOptions)
    assert not issubclass(v.InvalidOptions, v.ApplianceStateError)
