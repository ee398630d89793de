"""Bad input to every module: the task fails naming the option, and not one request reaches the appliance."""

from __future__ import annotations

from typing import Any

import pytest

from tests.faults.conftest import Row, nitro_requests, outcome, run

LONG = "n" * 128  # NetScaler names are at most 127 characters

# module -> valid arguments; each case below changes them in one way.
BASE: dict[str, dict[str, Any]] = {
    "lb_service": {"name": "s1", "ip": "127.0.0.1", "servicetype": "HTTP", "port": 80},
    "lb_vserver": {"name": "v1", "ipv46": "127.0.9.1", "port": 80, "servicetype": "HTTP"},
    "lb_healthcheck": {"vserver": "v1"},
    "lb_healthcheck_info": {"vserver": "v1"},
    "ns_ip_icmp": {"ipaddress": "127.0.9.1", "icmpresponse": "VSVR_CNTRLD"},
    "ns_mode": {"modes": ["USIP"]},
    "ns_save_config": {},
    "ns_tcpparam": {"downstaterst": "ENABLED"},
    "lb_servicegroup": {"servicegroupname": "g1", "servicetype": "HTTP", "members": [{"ip": "127.0.0.1", "port": 80}]},
}

# (module, kind, changed arguments, option the message must name). None removes an argument.
# "mutually-exclusive" exists only where a module has such options (lb_service: name/services, ip/servername).
# nitro_pass and nitro_auth_token are no longer exclusive: a session token from nitro_session plus the
# credentials lets a module log in once when the token has expired (tests/integration/test_nitro_session.py).
CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("lb_service", "wrong-type", {"port": "eighty"}, "port"),
    ("lb_service", "out-of-range", {"td": 5000}, "td"),
    ("lb_service", "wrong-enum", {"servicetype": "HTTPS"}, "servicetype"),
    ("lb_service", "missing-required", {"name": None}, "name"),
    ("lb_service", "mutually-exclusive", {"servername": "srv1"}, "servername"),
    ("lb_service", "not-an-IP", {"ip": "10.0.0.300"}, "ip"),
    ("lb_service", "over-long-name", {"name": LONG}, "name"),
    ("lb_vserver", "wrong-type", {"timeout": "long"}, "timeout"),
    ("lb_vserver", "out-of-range", {"timeout": 9999}, "timeout"),
    ("lb_vserver", "wrong-enum", {"lbmethod": "FASTEST"}, "lbmethod"),
    ("lb_vserver", "missing-required", {"name": None}, "name"),
    ("lb_vserver", "not-an-IP", {"ipv46": "vip.example.com"}, "ipv46"),
    ("lb_vserver", "over-long-name", {"name": LONG}, "name"),
    ("lb_healthcheck", "wrong-type", {"interval": "often"}, "interval"),
    ("lb_healthcheck", "out-of-range", {"interval": 0}, "interval"),
    ("lb_healthcheck", "wrong-enum", {"http_method": "FETCH"}, "http_method"),
    ("lb_healthcheck", "missing-required", {"vserver": None}, "vserver"),
    ("lb_healthcheck", "not-an-IP", {"nsip": "https://127.0.0.1/nitro"}, "nsip"),
    ("lb_healthcheck", "over-long-name", {"vserver": LONG}, "vserver"),
    ("lb_healthcheck_info", "wrong-type", {"nitro_timeout": "soon"}, "nitro_timeout"),
    ("lb_healthcheck_info", "out-of-range", {"nitro_timeout": 0}, "nitro_timeout"),
    ("lb_healthcheck_info", "wrong-enum", {"nitro_protocol": "ftp"}, "nitro_protocol"),
    ("lb_healthcheck_info", "missing-required", {"nsip": None}, "nsip"),
    ("lb_healthcheck_info", "not-an-IP", {"nsip": "127.0.0.1:99999"}, "nsip"),
    ("lb_healthcheck_info", "over-long-name", {"vserver": LONG}, "vserver"),
    ("ns_ip_icmp", "wrong-type", {"td": "zero"}, "td"),
    ("ns_ip_icmp", "out-of-range", {"td": 5000}, "td"),
    ("ns_ip_icmp", "wrong-enum", {"icmpresponse": "SOMETIMES"}, "icmpresponse"),
    ("ns_ip_icmp", "missing-required", {"ipaddress": None}, "ipaddress"),
    ("ns_ip_icmp", "not-an-IP", {"ipaddress": "1.2.3"}, "ipaddress"),
    ("ns_ip_icmp", "over-long-name", {"expected_lbvservers": [LONG]}, "expected_lbvservers"),
    ("ns_mode", "wrong-type", {"nitro_timeout": [5]}, "nitro_timeout"),
    ("ns_mode", "out-of-range", {"nitro_timeout": -1}, "nitro_timeout"),
    ("ns_mode", "wrong-enum", {"modes": ["WARP"]}, "modes"),
    ("ns_mode", "missing-required", {"modes": None}, "modes"),
    ("ns_mode", "not-an-IP", {"nsip": "127.0.0.1/nitro/v1"}, "nsip"),
    ("ns_save_config", "wrong-type", {"force": "perhaps"}, "force"),
    ("ns_save_config", "out-of-range", {"nitro_timeout": 7200}, "nitro_timeout"),
    ("ns_save_config", "wrong-enum", {"nitro_protocol": "ftp"}, "nitro_protocol"),
    ("ns_save_config", "missing-required", {"nsip": None}, "nsip"),
    ("ns_save_config", "not-an-IP", {"nsip": "nsip with spaces"}, "nsip"),
    ("ns_tcpparam", "wrong-type", {"wsval": "big"}, "wsval"),
    ("ns_tcpparam", "out-of-range", {"wsval": 15}, "wsval"),
    ("ns_tcpparam", "wrong-enum", {"sack": "MAYBE"}, "sack"),
    ("ns_tcpparam", "missing-required", {"nsip": None}, "nsip"),
    ("ns_tcpparam", "not-an-IP", {"nsip": "http://127.0.0.1"}, "nsip"),
    ("lb_servicegroup", "wrong-type", {"maxclient": "many"}, "maxclient"),
    ("lb_servicegroup", "out-of-range", {"members": [{"ip": "127.0.0.1", "port": 80, "weight": 101}]}, "weight"),
    ("lb_servicegroup", "wrong-enum", {"cip": "SOMETIMES"}, "cip"),
    ("lb_servicegroup", "missing-required", {"servicegroupname": None}, "servicegroupname"),
    (
        "lb_servicegroup",
        "mutually-exclusive",
        {"members": [{"ip": "127.0.0.1", "servername": "s", "port": 80}]},
        "servername",
    ),
    ("lb_servicegroup", "not-an-IP", {"members": [{"ip": "127.0.0.300", "port": 80}]}, "members[0].ip"),
    ("lb_servicegroup", "over-long-name", {"servicegroupname": LONG}, "servicegroupname"),
    # connection options every module shares
    ("lb_service", "nitro_timeout-0", {"nitro_timeout": 0}, "nitro_timeout"),
    ("lb_service", "token-with-inner-space", {"nitro_pass": None, "nitro_auth_token": "##ab cd"}, "nitro_auth_token"),
    ("lb_service", "ca_bundle-missing", {"ca_bundle": "/nonexistent/ca.pem", "nitro_protocol": "https"}, "ca_bundle"),
    ("lb_service", "servicetype-not-netscaler", {"servicetype": "WEBSOCKET"}, "servicetype"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{module}:{kind}" for module, kind, _change, _option in CASES])
def test_bad_input(msim, row: Row, case: tuple[str, str, dict[str, Any], str]) -> None:
    module, kind, change, option = case
    args = {**BASE[module]}
    conn_overrides = {}
    for key, value in change.items():
        if key.startswith(("nsip", "nitro_", "ca_bundle")):
            conn_overrides[key] = value
        elif value is None:
            args.pop(key, None)
        else:
            args[key] = value
    if module == "lb_service" and kind == "mutually-exclusive":
        args["ip"] = "127.0.0.1"
    row.expected = f"fails naming {option}; 0 requests"
    msim.clear_requests()
    result = run(msim, module, args, **conn_overrides)
    sent = nitro_requests(msim)
    row.happened = f"{outcome(result)}; {len(sent)} request(s)"
    row.leaked = ", ".join(result["_leaked"]) or "no"
    assert result.get("failed") is True, result
    assert option in result["msg"], result["msg"]
    assert sent == [], sent
    assert not result["_leaked"]
