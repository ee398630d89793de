"""adcops.netscaler.ns_save_config against the NITRO simulator: saves only when nsconfig reports changes."""

from __future__ import annotations

from typing import Any

from tests.helpers.runner import connection, run_module

CONFIG = "/nitro/v1/config/"


def run(sim: Any, args: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return run_module("ns_save_config", {**connection(sim), **(args or {})}, **kwargs)


def unsaved(sim: Any) -> bool:
    status, body = sim.nitro("GET", "nsconfig")
    assert status == 200, body
    found = body["nsconfig"]
    found = found[0] if isinstance(found, list) else found
    return str(found["configchanged"]).lower() == "true"


def saves(sim: Any) -> list[dict[str, Any]]:
    return [w for w in sim.writes() if w["path"] == CONFIG + "nsconfig" and w["query"].get("action") == "save"]


def test_saves_only_when_changed(sim: Any) -> None:
    sim.clear_requests()
    result = run(sim)
    assert result["changed"] is False and result["unsaved_changes"] is False
    assert sim.writes() == []

    body = {"service": {"name": "s1", "ip": "127.0.60.1", "servicetype": "HTTP", "port": 80}}
    assert sim.nitro("POST", "service", body)[0] == 201
    assert unsaved(sim) is True
    sim.clear_requests()
    result = run(sim, diff=True)
    assert result["changed"] is True and result["unsaved_changes"] is True
    assert result["diff"] == {"before": {"unsaved_changes": True}, "after": {"unsaved_changes": False}}
    assert len(saves(sim)) == 1 and len(sim.writes()) == 1
    assert result.get("last_saved")
    assert unsaved(sim) is False

    sim.clear_requests()
    assert run(sim)["changed"] is False
    assert sim.writes() == []


def test_check_mode_and_force(sim: Any) -> None:
    body = {"service": {"name": "s1", "ip": "127.0.60.1", "servicetype": "HTTP", "port": 80}}
    sim.nitro("POST", "service", body)
    sim.clear_requests()
    result = run(sim, check=True)
    assert result["changed"] is True
    assert sim.writes() == []
    assert unsaved(sim) is True

    run(sim)
    sim.clear_requests()
    forced = run(sim, {"force": True})
    assert forced["changed"] is True and forced["unsaved_changes"] is False
    assert len(saves(sim)) == 1


def test_save_config_option_does_not_save_twice(sim: Any) -> None:
    sim.nitro("POST", "service", {"service": {"name": "s1", "ip": "127.0.60.1", "servicetype": "HTTP", "port": 80}})
    sim.clear_requests()
    assert run(sim, {"save_config": True})["changed"] is True
    assert len(saves(sim)) == 1


def test_module_save_config_after_change(sim: Any) -> None:
    """save_config on a changing module saves once; a no-op run does not save."""
    args = {**connection(sim), "name": "s1", "ip": "127.0.60.1", "servicetype": "HTTP", "port": 80, "save_config": True}
    sim.clear_requests()
    result = run_module("lb_service", args)
    assert result["changed"] is True and result["config_saved"] is True
    assert len(saves(sim)) == 1 and unsaved(sim) is False
    sim.clear_requests()
    assert run_module("lb_service", args)["changed"] is False
    assert sim.writes() == []


def test_nitro_error_passthrough(sim: Any) -> None:
    sim.nitro("POST", "service", {"service": {"name": "s1", "ip": "127.0.60.1", "servicetype": "HTTP", "port": 80}})
    sim.fault("status", method="POST", path=CONFIG + "nsconfig", status=599, errorcode=256,
              message="NetScaler not running")  # fmt: skip
    result = run(sim)
    assert result["failed"] is True
    assert result["nitro_error"]["errorcode"] == 256
    assert unsaved(sim) is True
