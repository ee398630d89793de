"""adcops.netscaler.ns_tcpparam against the NITRO simulator over HTTP, run the way Ansible runs a module."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.adcops.netscaler.plugins.modules.ns_tcpparam import release_of
from tests.helpers.runner import connection, run_module


def tcpparam(sim: Any) -> dict:
    status, data = sim.nitro("GET", "nstcpparam")
    assert status == 200, data
    found = data["nstcpparam"]
    return found[0] if isinstance(found, list) else found


def set_tcpparam(sim: Any, **values: Any) -> None:
    status, data = sim.nitro("PUT", "nstcpparam", body={"nstcpparam": values})
    assert status == 200, data


def only_reads(sim: Any) -> None:
    assert sim.writes() == []
    for req in sim.requests():
        assert req["method"] == "GET" or req["path"].endswith(("/login", "/logout")), req


def test_present_sets_only_given_then_idempotent(sim: Any) -> None:
    # documented default: https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nstcpparam
    assert tcpparam(sim)["downstaterst"] == "DISABLED"
    sim.clear_requests()
    args = {**connection(sim), "downstaterst": "ENABLED", "nagle": "DISABLED"}
    res = run_module("ns_tcpparam", args)
    assert res["changed"] is True, res
    assert res["changed_keys"] == ["downstaterst"]
    assert res["nstcpparam"] == {"downstaterst": "ENABLED", "nagle": "DISABLED"}
    assert res["scope"] == "global"
    assert "global to the appliance" in str(res.get("warnings")), res.get("warnings")
    (put,) = sim.writes()
    assert (put["method"], put["path"]) == ("PUT", "/nitro/v1/config/nstcpparam")
    assert put["body"] == {"nstcpparam": {"downstaterst": "ENABLED"}}
    assert tcpparam(sim)["downstaterst"] == "ENABLED"

    sim.clear_requests()
    again = run_module("ns_tcpparam", args)
    assert again["changed"] is False and again["changed_keys"] == []
    assert not again.get("warnings")
    only_reads(sim)


def test_integers_compare_with_string_readback(sim: Any) -> None:
    res = run_module("ns_tcpparam", {**connection(sim), "wsval": 6, "maxburst": 10, "minrto": 400})
    assert res["changed"] is True
    shown = tcpparam(sim)
    assert (int(shown["wsval"]), int(shown["maxburst"]), int(shown["minrto"])) == (6, 10, 400)
    sim.clear_requests()
    again = run_module("ns_tcpparam", {**connection(sim), "wsval": 6, "maxburst": 10, "minrto": 400})
    assert again["changed"] is False
    only_reads(sim)


def test_check_mode_and_diff(sim: Any) -> None:
    sim.clear_requests()
    res = run_module(
        "ns_tcpparam", {**connection(sim), "downstaterst": "ENABLED", "sack": "ENABLED"}, check=True, diff=True
    )
    assert res["changed"] is True
    assert res["diff"] == {
        "before": {"downstaterst": "DISABLED", "sack": "ENABLED"},
        "after": {"downstaterst": "ENABLED", "sack": "ENABLED"},
    }
    assert res["nstcpparam"]["downstaterst"] == "ENABLED"
    only_reads(sim)
    assert tcpparam(sim)["downstaterst"] == "DISABLED"


def test_state_default_unsets_only_what_differs(sim: Any) -> None:
    set_tcpparam(sim, downstaterst="ENABLED", nagle="ENABLED")
    sim.clear_requests()
    args = {**connection(sim), "state": "default", "downstaterst": "DISABLED", "nagle": "DISABLED", "maxburst": 6}
    dry = run_module("ns_tcpparam", args, check=True, diff=True)
    assert dry["changed"] is True and sorted(dry["changed_keys"]) == ["downstaterst", "nagle"]
    assert dry["diff"]["after"] == {
        "downstaterst": "DISABLED",
        "nagle": "DISABLED",
        "maxburst": "6",
    }  # as NITRO shows it
    only_reads(sim)

    sim.clear_requests()
    res = run_module("ns_tcpparam", args)
    assert res["changed"] is True
    assert res["defaults_release"] == "12.1+"
    (unset,) = sim.writes()
    assert (unset["method"], unset["path"]) == ("POST", "/nitro/v1/config/nstcpparam")
    assert unset["query"] == {"action": "unset"}
    assert unset["body"] == {"nstcpparam": {"downstaterst": True, "nagle": True}}
    shown = tcpparam(sim)
    assert (shown["downstaterst"], shown["nagle"]) == ("DISABLED", "DISABLED")

    sim.clear_requests()
    again = run_module("ns_tcpparam", args)
    assert again["changed"] is False
    only_reads(sim)


def test_state_default_uses_release_defaults_for_changed_ones(sim: Any) -> None:
    # ws/wsval defaults changed in 12.1; the simulator is a 13.1: ENABLED/8.
    # (https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nstcpparam)
    set_tcpparam(sim, ws="DISABLED", wsval=4)
    sim.clear_requests()
    res = run_module("ns_tcpparam", {**connection(sim), "state": "default", "ws": "ENABLED", "wsval": 8})
    assert res["changed"] is True and res["defaults_release"] == "12.1+"
    assert any(r["path"].endswith("/nsversion") for r in sim.requests())
    shown = tcpparam(sim)
    assert (shown["ws"], int(shown["wsval"])) == ("ENABLED", 8)
    # without a release-dependent key no nsversion GET is spent
    sim.clear_requests()
    run_module("ns_tcpparam", {**connection(sim), "state": "default", "downstaterst": "DISABLED"})
    assert not any(r["path"].endswith("/nsversion") for r in sim.requests())


def test_release_parsing() -> None:
    assert release_of("NetScaler NS13.1: Build 49.13.nc, Date: Jul 4 2023") == (13, 1)
    assert release_of("NetScaler NS12.0: Build 63.13.nc") == (12, 0)
    assert release_of("garbage") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "give at least one parameter to manage"),
        ({"state": "default"}, "give at least one parameter to manage"),
        ({"wsval": 15}, "wsval: 15 is out of range; allowed: 0 to 14"),
        ({"delayedack": 5}, "delayedack: 5 is out of range; allowed: 10 to 300"),
        ({"downstaterst": "YES"}, "downstaterst must be one of"),
        ({"state": "absent", "nagle": "ENABLED"}, "state must be one of"),
    ],
)
def test_validation_errors_send_nothing(sim: Any, args: dict, message: str) -> None:
    sim.clear_requests()
    res = run_module("ns_tcpparam", {**connection(sim), **args})
    assert res.get("failed") is True, res
    assert message in res["msg"], res["msg"]
    assert sim.requests() == []


def test_nitro_error_is_passed_through(sim: Any) -> None:
    sim.fault(
        "status",
        method="PUT",
        path="/nitro/v1/config/nstcpparam",
        status=599,
        errorcode=257,
        message="Operation not permitted",
    )
    res = run_module("ns_tcpparam", {**connection(sim), "downstaterst": "ENABLED"})
    assert res.get("failed") is True
    assert res["nitro_error"]["errorcode"] == 257
    assert res["nitro_error"]["http_status"] == 599
    assert tcpparam(sim)["downstaterst"] == "DISABLED"
