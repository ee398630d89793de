"""_compare: NITRO's read-back spellings compare equal to what the user wrote."""

from __future__ import annotations

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils import _compare as c


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8", 8), ("1.5", 1.5), (2.0, 2), (7, 7), ("abc", "abc"), (None, None), (True, True), ("", "")],
)
def test_to_number(value: object, expected: object) -> None:
    result = c.to_number(value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("value", "expected"), [("*", 65535), ("65535", 65535), (80, 80), ("x", "x"), (None, None)])
def test_normalize_port(value: object, expected: object) -> None:
    assert c.normalize_port(value) == expected


def test_to_seconds() -> None:
    assert c.to_seconds("1", "MIN") == 60 and c.to_seconds(500, "MSEC") == 0.5 and c.to_seconds(None) is None
    with pytest.raises(ValueError, match="unknown time unit"):
        c.to_seconds(1, "HOUR")


@pytest.mark.parametrize(
    ("want", "have"), [(8, "8"), ("enabled", "ENABLED"), (True, "YES"), (["b", "a"], ("a", "b")), (1.0, "1")]
)
def test_values_equal(want: object, have: object) -> None:
    assert c.values_equal(want, have)


@pytest.mark.parametrize(("want", "have"), [(8, "9"), ("a", "b"), (True, "NO"), (1.5, "1")])
def test_values_differ(want: object, have: object) -> None:
    assert not c.values_equal(want, have)


def test_differences_compares_only_managed_keys_under_their_read_names() -> None:
    want = {"ip": "10.0.0.1", "port": "*", "comment": None, "maxclient": 5}
    have = {"ipaddress": "10.0.0.2", "port": "65535", "comment": "x", "maxclient": "5"}
    tracker = c.differences(want, have, read_as={"ip": "ipaddress"}, normalizers={"port": c.normalize_port})
    assert tracker.keys == ["ip"]
    assert tracker.before() == {"ip": "10.0.0.2"} and tracker.after() == {"ip": "10.0.0.1"}
    assert "ip" in tracker and bool(tracker)


def test_differences_unset_and_exact() -> None:
    want = {"customheaders": "Host: A\r\n", "respcode": None}
    have = {"customheaders": "host: a\r\n", "respcode": ["200"]}
    assert c.differences(want, have).keys == []  # case-insensitive, None not managed
    tracker = c.differences(want, have, unset=True, exact=("customheaders",))
    assert tracker.keys == ["customheaders", "respcode"]
    assert tracker.after() == {"customheaders": "Host: A\r\n", "respcode": None}


def test_pick() -> None:
    assert c.pick({"ipaddress": "1", "port": "2", "x": 3}, ("ip", "port", "td"), {"ip": "ipaddress"}) == {
        "ip": "1",
        "port": "2",
    }
    assert c.pick(None, ("a",)) == {}
