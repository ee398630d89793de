"""_healthcheck: the cloud vocabulary <-> lbmonitor translation, both ways, and its comparisons (no HTTP)."""

from __future__ import annotations

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._healthcheck import (
    Members,
    add_body,
    check_timing,
    derive_type,
    desired_monitor,
    expected_codes,
    host_header,
    monitor_differences,
    ping_path,
    to_cloud,
    update_body,
    wildcard_services,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import InvalidOptions

PARAMS = {
    "interval": 5,
    "response_time": 2,
    "unhealthy_threshold": 3,
    "healthy_threshold": 2,
    "http_method": "GET",
    "ping_path": "/health",
    "expected_codes": ["200", "301-302"],
    "host_header": "www.example.com",
    "port": None,
}


def test_desired_monitor_http() -> None:
    want = desired_monitor(PARAMS, "HTTP", secure=True)
    assert want == {
        "interval": 5,
        "resptimeout": 2,
        "retries": 3,
        "failureretries": 0,
        "successretries": 2,
        "httprequest": "GET /health",
        "respcode": ["200", "301-302"],
        "secure": "YES",
        "customheaders": "Host: www.example.com\r\n",
        "destport": 0,
    }


def test_desired_monitor_ping_has_no_http_or_port() -> None:
    want = desired_monitor(PARAMS, "PING", secure=False)
    assert "httprequest" not in want and "destport" not in want


def test_to_cloud_inverts_desired_monitor() -> None:
    monitor = {"monitorname": "m", "type": "HTTP", **add_body("m", "HTTP", desired_monitor(PARAMS, "HTTP", True))}
    cloud = to_cloud(monitor)
    assert {k: cloud[k] for k in ("interval", "response_time", "healthy_threshold", "unhealthy_threshold")} == {
        "interval": 5,
        "response_time": 2,
        "healthy_threshold": 2,
        "unhealthy_threshold": 3,
    }
    assert cloud["ping_path"] == "/health" and cloud["http_method"] == "GET" and cloud["secure"] is True
    assert cloud["host_header"] == "www.example.com" and cloud["port"] is None
    assert "failure_retries" not in cloud and to_cloud(None) == {}


def test_to_cloud_reads_minutes_and_string_numbers() -> None:
    cloud = to_cloud(
        {
            "type": "TCP",
            "interval": "1",
            "units3": "MIN",
            "resptimeout": "500",
            "units4": "MSEC",
            "retries": "4",
            "failureretries": "2",
            "destport": "8080",
        }
    )
    assert cloud["interval"] == 60 and cloud["response_time"] == 0.5 and cloud["unhealthy_threshold"] == 4
    assert cloud["failure_retries"] == 2 and cloud["port"] == 8080


def test_monitor_differences_in_seconds_and_unset() -> None:
    want = desired_monitor({**PARAMS, "host_header": None, "interval": 60}, "HTTP", secure=False)
    have = {
        "type": "HTTP", "interval": "1", "units3": "MIN", "resptimeout": "2", "units4": "SEC", "retries": "3",
        "failureretries": "0", "successretries": "2", "httprequest": "GET /health", "respcode": ["200", "301-302"],
        "secure": "NO", "customheaders": "Host: old\r\n",
    }  # fmt: skip
    changes = monitor_differences(want, have)
    assert changes.keys == ["customheaders"]  # 1 MIN is 60 s; destport absent is 0; customheaders must go
    body, unset = update_body("m", "HTTP", changes)
    assert body == {"monitorname": "m", "type": "HTTP"} and unset == ["customheaders"]


def test_monitor_differences_update_body_sets_units() -> None:
    changes = monitor_differences({"interval": 10, "retries": 3}, {"interval": "5", "units3": "SEC", "retries": "3"})
    assert changes.keys == ["interval"]
    assert update_body("m", "TCP", changes) == (
        {"monitorname": "m", "type": "TCP", "interval": 10, "units3": "SEC"},
        [],
    )


@pytest.mark.parametrize(
    ("servicetype", "has_port", "expected"),
    [("HTTP", False, "HTTP"), ("SSL", False, "HTTP"), ("UDP", True, "UDP-ECV"), ("UDP", False, "PING"),
     ("ANY", True, "TCP"), ("ANY", False, "PING"), ("TCP", False, "TCP"), ("", False, "TCP")],
)  # fmt: skip
def test_derive_type(servicetype: str, has_port: bool, expected: str) -> None:
    assert derive_type(servicetype, has_port) == expected


def test_wildcard_services_uses_the_port_normaliser() -> None:
    members = Members(services={"a": {"port": "65535"}, "b": {"port": "*"}, "c": {"port": "80"}, "d": {}})
    assert wildcard_services(members) == ["a", "b"]


def test_option_checks() -> None:
    assert ping_path("ping_path", "/x") == "/x"
    assert expected_codes("expected_codes", [" 200 ", "200-299"]) == ["200", "200-299"]
    assert host_header("host_header", "a.example:8080") == "a.example:8080"
    with pytest.raises(InvalidOptions, match="ping_path: 'x y' must start with '/'"):
        ping_path("ping_path", "x y")
    with pytest.raises(InvalidOptions) as raised:
        expected_codes("expected_codes", ["2xx", "299-200"])
    assert str(raised.value).count("is not an HTTP status code") == 2
    with pytest.raises(InvalidOptions, match="give at least one code"):
        expected_codes("expected_codes", [])
    with pytest.raises(InvalidOptions, match="is not a host name"):
        host_header("host_header", "a b")
    with pytest.raises(InvalidOptions, match=r"response_time: 5 must be less than interval \(5\)"):
        check_timing(5, 5)
    check_timing(4, 5)
    check_timing(None, 5)
