"""`make demo`: the collection's main job, end to end, on the bundled NetScaler simulator.

It starts the NITRO simulator and three real HTTP backends on loopback, then runs the
collection's playbooks with ansible-playbook exactly as against an appliance:

1. playbooks/healthchecked_pool.yml builds a load-balancing rule (lbvserver, three services,
   a cloud-style HTTP health check) and waits for every member to be UP;
2. playbooks/quiet_vip.yml makes the VIP go silent when every backend is down;
3. a backend is stopped: the health check takes it out (read back with lb_healthcheck_info);
4. every backend is stopped: the VIP stops answering ping and resets TCP;
5. one backend comes back: the VIP answers again;
6. both playbooks run again and change nothing.

Each step checks its outcome and the demo exits non-zero if one is not met.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from tests.helpers.backends import Backend
from tests.helpers.runner import REPO, recap, run_module, run_playbook
from tests.nitro_sim import Simulator

TIME_SCALE = 0.05  # monitor timers 20x faster; the configuration keeps the real values
VIP = "127.0.20.1"
MEMBERS = ["127.0.20.11", "127.0.20.12", "127.0.20.13"]


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def wait_until(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"demo failed: {what} did not happen within {timeout:.0f} s")


def first_match(value: Any, condition: Callable[[Any], bool]) -> Any:
    return value if condition(value) else None


def play(name: str, extra_vars: dict[str, Any]) -> dict[str, int]:
    proc = run_playbook(REPO / "playbooks" / f"{name}.yml", extra_vars=extra_vars)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(("TASK", "changed", "ok:", "[WARNING"))]
    print("\n".join(f"   {line}" for line in lines[-40:]))
    if proc.returncode != 0:
        print(proc.stdout[-4000:], proc.stderr[-2000:], sep="\n")
        raise SystemExit(f"demo failed: ansible-playbook {name}.yml exited {proc.returncode}")
    counters = recap(proc.stdout)
    print(f"   recap: {counters}")
    return counters


def main() -> int:
    sim = Simulator(time_scale=TIME_SCALE)
    sim.start()
    backends = [Backend(ip, 8080, name=f"web{n}") for n, ip in enumerate(MEMBERS, 1)]
    connection = {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": "nsroot",
        "netscaler_nitro_pass": "nsroot",
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
    }
    pool = {
        **connection,
        "healthchecked_pool_name": "web",
        "healthchecked_pool_vip": VIP,
        "healthchecked_pool_port": 80,
        "healthchecked_pool_servicetype": "HTTP",
        "healthchecked_pool_members": [{"ip": ip, "port": 8080} for ip in MEMBERS],
        "healthchecked_pool_healthcheck": {
            "ping_path": "/healthz",
            "interval": 5,
            "response_time": 2,
            "healthy_threshold": 2,
            "unhealthy_threshold": 3,
        },
        "healthchecked_pool_wait": True,
        "healthchecked_pool_save_config": True,
    }
    quiet = {**connection, "quiet_vip_vservers": ["web"], "quiet_vip_verify": True}
    info_args = {"nsip": sim.nsip, "nitro_user": "nsroot", "nitro_pass": "nsroot", "nitro_protocol": "http"}

    def members() -> dict[str, str]:
        result = run_module("lb_healthcheck_info", {**info_args, "vserver": "web"})
        if result.get("failed"):
            raise SystemExit(f"demo failed: lb_healthcheck_info: {result.get('msg')}")
        found = result["healthchecks"][0]["members"] if result.get("healthchecks") else []
        return {m["name"]: m["state"] for m in found}

    try:
        print(f"NITRO simulator at {sim.url} (monitor timers x{TIME_SCALE}); backends on {', '.join(MEMBERS)}:8080")
        say("1. healthchecked_pool: lbvserver web on 127.0.20.1:80, three services, HTTP health check on /healthz")
        play("healthchecked_pool", pool)
        print(f"   members: {members()}")

        say("2. quiet_vip: icmpvsrresponse ACTIVE, icmpresponse VSVR_CNTRLD, downstaterst ENABLED")
        play("quiet_vip", quiet)
        print(f"   VIP {VIP}: {sim_vip(sim)}")

        say("3. stop backend web1: three failed probes take its service DOWN")
        backends[0].stop()
        states = wait_until("web1 going DOWN", lambda: first_match(members(), lambda s: "DOWN" in s.values()))
        print(f"   members: {states}")
        print(f"   VIP {VIP}: {sim_vip(sim)}")

        say("4. stop every backend: the vserver goes DOWN and the VIP goes quiet")
        for backend in backends[1:]:
            backend.stop()
        vip = wait_until("the VIP going quiet", lambda: first_match(sim_vip(sim), lambda v: not v["answers_icmp"]))
        print(f"   VIP {VIP}: answers ping: {vip['answers_icmp']}, TCP to it: {vip['tcp_to_down_vserver']}")
        if vip["tcp_to_down_vserver"] != "rst":
            raise SystemExit("demo failed: TCP to the down VIP is not reset")

        say("5. start web2 again: two good probes bring it UP and the VIP answers again")
        backends[1].start()
        vip = wait_until("the VIP answering again", lambda: first_match(sim_vip(sim), lambda v: v["answers_icmp"]))
        print(f"   VIP {VIP}: answers ping: {vip['answers_icmp']}; members: {members()}")

        say("6. run both playbooks again: nothing changes")
        for backend in (backends[0], backends[2]):
            backend.start()
        first = play("healthchecked_pool", {**pool, "healthchecked_pool_wait": False})
        second = play("quiet_vip", quiet)
        if first["changed"] or second["changed"]:
            raise SystemExit("demo failed: a second run reported changes")
        print("\nDemo complete: every step behaved as on an appliance.")
        return 0
    finally:
        for backend in backends:
            backend.stop()
        sim.stop()


def sim_vip(sim: Simulator) -> dict[str, Any]:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{sim.url}/sim/v1/vips/{VIP}", timeout=10) as answer:
        return json.load(answer)


if __name__ == "__main__":
    sys.exit(main())
