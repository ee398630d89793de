"""adcops.netscaler.ns_mode against the NITRO simulator: reads nsmode first, changes only what differs."""

from __future__ import annotations

from typing import Any

from tests.helpers.runner import connection, run_module

CONFIG = "/nitro/v1/config/"


def run(sim: Any, args: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return run_module("ns_mode", {**connection(sim), **args}, **kwargs)


def modes(sim: Any) -> dict[str, Any]:
    status, body = sim.nitro("GET", "nsmode")
    assert status == 200, body
    found = body["nsmode"]
    return found[0] if isinstance(found, list) else found


def only_reads(sim: Any) -> None:
    requests = sim.requests()
    assert requests
    assert all(r["method"] == "GET" or r["path"] in (CONFIG + "login", CONFIG + "logout") for r in requests)
    assert sim.writes() == []


def test_enable_rerun_disable(sim: Any) -> None:
    assert modes(sim)["mbf"] is False and modes(sim)["l3"] is True
    sim.clear_requests()
    result = run(sim, {"modes": ["MBF", "l3", "UseSourceIP"]}, diff=True)
    assert result["changed"] is True
    # Only the modes that differ are sent (L3 is on by default).
    assert sorted(result["changed_modes"]) == ["MBF", "USIP"]
    writes = sim.writes()
    assert len(writes) == 1 and writes[0]["query"]["action"] == "enable"
    assert sorted(writes[0]["body"]["nsmode"]["mode"]) == ["MBF", "USIP"]
    assert result["diff"] == {
        "before": {"MBF": False, "L3": True, "USIP": False},
        "after": {"MBF": True, "L3": True, "USIP": True},
    }
    assert modes(sim)["mbf"] is True and modes(sim)["usip"] is True
    assert result["modes"]["MBF"] is True

    sim.clear_requests()
    again = run(sim, {"modes": ["MBF", "L3", "USIP"]})
    assert again["changed"] is False and again["changed_modes"] == []
    only_reads(sim)

    disabled = run(sim, {"modes": ["USIP"], "state": "disabled"})
    assert disabled["changed"] is True and disabled["changed_modes"] == ["USIP"]
    assert modes(sim)["usip"] is False and modes(sim)["mbf"] is True
    sim.clear_requests()
    assert run(sim, {"modes": ["USIP"], "state": "disabled"})["changed"] is False
    only_reads(sim)


def test_check_mode(sim: Any) -> None:
    sim.clear_requests()
    result = run(sim, {"modes": ["MBF"]}, check=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"] == {"MBF": True}
    only_reads(sim)
    assert modes(sim)["mbf"] is False


def test_unknown_mode_fails_before_any_request(sim: Any) -> None:
    sim.clear_requests()
    result = run(sim, {"modes": ["MBF", "TURBO"]})
    assert result["failed"] is True
    assert "modes: unknown mode 'TURBO'" in result["msg"] and "MBF" in result["msg"]
    assert sim.requests() == []


def test_nitro_error_passthrough(sim: Any) -> None:
    sim.fault("status", method="POST", path=CONFIG + "nsmode", status=403, errorcode=2138,
              message="Not authorized to execute this command")  # fmt: skip
    result = run(sim, {"modes": ["MBF"]})
    assert result["failed"] is True
    assert result["nitro_error"]["errorcode"] == 2138 and result["nitro_error"]["http_status"] == 403
    assert modes(sim)["mbf"] is False
