"""healthchecked_pool role end to end: real ansible-playbook, the simulator, real loopback backends."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from tests.helpers.backends import backend_factory, loopback_ip  # noqa: F401  (fixtures)
from tests.helpers.runner import REPO, recap, run_playbook
from tests.integration.test_lb_healthcheck import get_monitor, monitors_of, ok

PLAYBOOK = REPO / "playbooks" / "healthchecked_pool.yml"


def play(sim, **pool: Any):
    extra = {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": sim.user,
        "netscaler_nitro_pass": sim.password,
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
        **{f"healthchecked_pool_{key}": value for key, value in pool.items()},
    }
    proc = run_playbook(PLAYBOOK, extra_vars=extra)
    return proc, recap(proc.stdout)


def not_up(stdout: str) -> str:
    match = re.search(r"Members of \S+ not UP: ([^\"\n]*)", stdout)
    assert match, stdout
    return match.group(1).strip()


def test_pool_lifecycle(sim, backend_factory):  # noqa: F811
    sim.set_time_scale(0.02)
    backends = [backend_factory() for _ in range(3)]
    members = [{"ip": b.host, "port": b.port} for b in backends]
    members[0]["name"] = "first"
    members[2]["weight"] = 3
    pool = {
        "name": "shop",
        "vip": "127.9.10.1",
        "port": 80,
        "members": members,
        "healthcheck": {"ping_path": "/ok", "interval": 5, "response_time": 2, "unhealthy_threshold": 2},
        "wait": True,
        "wait_timeout": 20,
        "save_config": True,
    }
    proc, counts = play(sim, **pool)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts["failed"] == 0 and counts["changed"] >= 3
    assert not_up(proc.stdout) == "none"
    names = ["first", f"shop-{backends[1].host}-{backends[1].port}", f"shop-{backends[2].host}-{backends[2].port}"]
    body = ok(sim.nitro("GET", "lbvserver_service_binding/shop"))
    bound = {row["servicename"]: row for row in body["lbvserver_service_binding"]}
    assert set(bound) == set(names)
    assert int(bound[names[2]]["weight"]) == 3
    assert {row["curstate"] for row in bound.values()} == {"UP"}
    for name in names:
        assert monitors_of(sim, name) == ["shop-hc"]
    assert get_monitor(sim, "shop-hc")["httprequest"] == "GET /ok"
    assert all(r.path == "/ok" for b in backends for r in b.requests)
    assert ok(sim.nitro("GET", "nsconfig"))["nsconfig"]["configchanged"] in (False, "false")  # handler saved

    # a backend goes away; the idempotent second run (no writes) reads it DOWN in the role's info step
    backends[1].stop()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = ok(sim.nitro("GET", "lbvserver_service_binding/shop"))["lbvserver_service_binding"]
        if {r["servicename"]: r["curstate"] for r in rows}[names[1]] == "DOWN":
            break
        time.sleep(0.05)
    sim.clear_requests()
    proc, counts = play(sim, **{**pool, "wait": False})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts["changed"] == 0, proc.stdout
    assert sim.writes() == []
    assert not_up(proc.stdout) == names[1]

    # modify: drop a member, change the check; the service that left is unbound and deleted
    smaller = {**pool, "members": [members[0], members[2]], "healthcheck": {"ping_path": "/ok", "interval": 7}}
    proc, counts = play(sim, **smaller)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    body = ok(sim.nitro("GET", "lbvserver_service_binding/shop"))
    assert {row["servicename"] for row in body["lbvserver_service_binding"]} == {names[0], names[2]}
    assert sim.nitro("GET", f"service/{names[1]}")[0] == 404
    assert int(get_monitor(sim, "shop-hc")["interval"]) == 7

    # absent removes everything
    proc, counts = play(sim, **{**smaller, "state": "absent"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    state = sim.state()
    dump = json.dumps(state)
    assert "shop" not in dump and "first" not in dump, dump[:2000]
    assert get_monitor(sim, "shop-hc") is None
    assert sim.nitro("GET", "lbvserver/shop")[0] == 404
    proc, counts = play(sim, **{**smaller, "state": "absent"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts["changed"] == 0
