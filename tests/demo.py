"""`make demo`: the collection's main job, end to end, on the bundled NetScaler simulator.

It starts the NITRO simulator and three real HTTP backends on loopback, then runs the
collection's playbooks with ansible-playbook exactly as against an appliance. What it shows is NetScaler as the
simulator models it (from the public NITRO documentation), not a run on a real appliance:

1. playbooks/healthchecked_pool.yml builds a load-balancing rule (lbvserver, three services,
   a cloud-style HTTP health check) and waits for every member to be UP;
2. playbooks/quiet_vip.yml makes the VIP go silent when every backend is down;
3. a backend is stopped: the health check takes it out (read back with lb_healthcheck_info);
4. every backend is stopped: the VIP stops answering ping and resets TCP;
5. one backend comes back: the VIP answers again;
6. playbooks/dsr.yml builds a Direct Server Return vserver (MBF on, services ANY * with usip YES,
   m MAC, PING health check) and its members come UP;
7. the three playbooks run again and change nothing (no write reaches the appliance);
8. playbooks/rolling_update.yml drains, patches and brings back the three backends one at a time while long-lived
   client connections and new requests go through the VIP (tests/demo_rolling_update.py).

Each step prints a short report (members and their states, what the VIP does, the NITRO requests
and writes the playbook run cost, Ansible's changed count) and checks its outcome; the demo exits
non-zero if one is not met. The raw Ansible output is printed when a run fails, or for every run
with --verbose (make demo DEMO_ARGS=--verbose).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.helpers.backends import Backend
from tests.helpers.runner import REPO, recap, run_module, run_playbook
from tests.nitro_sim import Simulator
from tests.nitro_sim.pytest_plugin import SimHandle

TIME_SCALE = 0.05  # monitor timers 20x faster; the configuration keeps the real values
VIP = "127.0.20.1"
MEMBERS = ["127.0.20.11", "127.0.20.12", "127.0.20.13"]
DSR_VIP = "127.0.20.2"
DSR_MEMBERS = ["127.0.20.21", "127.0.20.22", "127.0.20.23"]
INDENT = "   "


class DemoFailed(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"demo failed: {message}")


@dataclass
class Run:
    """One ansible-playbook run: Ansible's counters and what it cost on the appliance."""

    name: str
    counters: dict[str, int]
    requests: int
    writes: int
    seconds: float

    def line(self) -> str:
        return (
            f"playbooks/{self.name}.yml: changed {self.counters['changed']}, ok {self.counters['ok']}, "
            f"failed {self.counters['failed']} | NITRO requests {self.requests}, writes {self.writes} "
            f"| {self.seconds:.1f} s"
        )


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [headers, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(INDENT + line.rstrip() for line in lines)


def wait_until(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise DemoFailed(f"{what} did not happen within {timeout:.0f} s")


def first_match(value: Any, condition: Callable[[Any], bool]) -> Any:
    return value if condition(value) else None


class Demo:
    def __init__(self, sim: Simulator, verbose: bool) -> None:
        self.sim = sim
        self.handle = SimHandle(sim.url, "nsroot", "nsroot", sim)
        self.verbose = verbose
        self.connection = {
            "netscaler_nsip": sim.nsip,
            "netscaler_nitro_user": "nsroot",
            "netscaler_nitro_pass": "nsroot",
            "netscaler_nitro_protocol": "http",
            "netscaler_validate_certs": False,
        }
        self.info_args = {"nsip": sim.nsip, "nitro_user": "nsroot", "nitro_pass": "nsroot", "nitro_protocol": "http"}

    # -- running -----------------------------------------------------------------------------------------------------
    def play(self, name: str, extra_vars: dict[str, Any]) -> Run:
        self.handle.clear_requests()
        start = time.monotonic()
        proc = run_playbook(REPO / "playbooks" / f"{name}.yml", extra_vars={**self.connection, **extra_vars})
        seconds = time.monotonic() - start
        log = self.handle.requests()
        writes = self.handle.writes()
        if self.verbose or proc.returncode != 0:
            print(proc.stdout, proc.stderr, sep="\n")
        if proc.returncode != 0:
            raise DemoFailed(f"ansible-playbook {name}.yml exited {proc.returncode}")
        run = Run(name, recap(proc.stdout), len(log), len(writes), seconds)
        print(INDENT + run.line())
        return run

    # -- reading -----------------------------------------------------------------------------------------------------
    def health(self, vserver: str) -> dict[str, Any]:
        result = run_module("lb_healthcheck_info", {**self.info_args, "vserver": vserver})
        if result.get("failed"):
            raise DemoFailed(f"lb_healthcheck_info: {result.get('msg')}")
        return result["healthcheck"]

    def members(self, vserver: str = "web") -> dict[str, str]:
        return {m["name"]: m["state"] for m in self.health(vserver)["members"]}

    def show_members(self, vserver: str = "web") -> dict[str, str]:
        entry = self.health(vserver)
        rows = [[m["name"], f"{m['address']}:{'*' if str(m['port']) == '65535' else m['port']}", m["state"]]
                for m in entry["members"]]  # fmt: skip
        print(table(["member", "address", "state"], rows))
        return {m["name"]: m["state"] for m in entry["members"]}

    def vip(self, ip: str = VIP) -> dict[str, Any]:
        return self.handle.vip(ip)

    def show_vip(self, ip: str = VIP) -> dict[str, Any]:
        vip = self.vip(ip)
        vservers = vip.get("vservers", [])
        states = ", ".join(f"{v['name']} {v['curstate']}" for v in vservers)
        # What a TCP client of a DOWN vserver gets (reset or silence) only means something while one is DOWN.
        tcp = f"; TCP to it: {vip['tcp_to_down_vserver']}" if any(v["curstate"] == "DOWN" for v in vservers) else ""
        print(f"{INDENT}VIP {ip}: answers ping {'yes' if vip['answers_icmp'] else 'no'}; vservers: {states}{tcp}")
        return vip

    def nitro(self, path: str) -> list[dict[str, Any]]:
        status, body = self.handle.nitro("GET", path)
        if status != 200:
            raise DemoFailed(f"GET {path}: {status} {body}")
        resource = path.split("/", 1)[0].split("?", 1)[0]
        found = body.get(resource, [])
        return found if isinstance(found, list) else [found]


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print the raw Ansible output of every run")
    args = parser.parse_args(argv)

    sim = Simulator(time_scale=TIME_SCALE)
    sim.start()
    backends = [Backend(ip, 8080, name=f"web{n}") for n, ip in enumerate(MEMBERS, 1)]
    demo = Demo(sim, args.verbose)
    pool = {
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
    quiet = {"quiet_vip_vservers": ["web"], "quiet_vip_verify": True, "quiet_vip_save_config": True}
    dsr = {
        "dsr_vserver_name": "dsr",
        "dsr_vserver_vip": DSR_VIP,
        "dsr_vserver_members": [{"ip": ip} for ip in DSR_MEMBERS],
        "dsr_vserver_healthcheck": {"type": "PING"},
        "dsr_vserver_wait": True,
        "dsr_vserver_save_config": True,
    }

    try:
        print(f"NITRO simulator at {sim.url} (monitor timers x{TIME_SCALE}); backends on {', '.join(MEMBERS)}:8080")
        say("1. healthchecked_pool: lbvserver web on 127.0.20.1:80, three services, HTTP health check on /healthz")
        demo.play("healthchecked_pool", pool)
        states = demo.show_members()
        if set(states.values()) != {"UP"}:
            raise DemoFailed(f"members not all UP after the pool converged: {states}")
        demo.show_vip()

        say("2. quiet_vip: icmpvsrresponse ACTIVE, icmpresponse VSVR_CNTRLD, downstaterst ENABLED")
        demo.play("quiet_vip", quiet)
        demo.show_vip()

        say("3. stop backend web1: three failed probes take its service DOWN")
        backends[0].stop()
        wait_until("web1 going DOWN", lambda: first_match(demo.members(), lambda s: "DOWN" in s.values()))
        demo.show_members()
        demo.show_vip()

        say("4. stop every backend: the vserver goes DOWN and the VIP goes quiet")
        for backend in backends[1:]:
            backend.stop()
        wait_until("the VIP going quiet", lambda: first_match(demo.vip(), lambda v: not v["answers_icmp"]))
        demo.show_members()
        vip = demo.show_vip()
        if vip["tcp_to_down_vserver"] != "rst":
            raise DemoFailed("TCP to the down VIP is not reset")

        say("5. start web2 again: two good probes bring it UP and the VIP answers again")
        backends[1].start()
        wait_until("the VIP answering again", lambda: first_match(demo.vip(), lambda v: v["answers_icmp"]))
        demo.show_members()
        demo.show_vip()

        say(f"6. dsr: Direct Server Return vserver dsr on {DSR_VIP}:*, three members, PING health check")
        demo.play("dsr", dsr)
        check_dsr(demo)

        say("7. run the three playbooks again: nothing changes, no write reaches the appliance")
        for backend in (backends[0], backends[2]):
            backend.start()
        runs = [
            demo.play("healthchecked_pool", {**pool, "healthchecked_pool_wait": False}),
            demo.play("quiet_vip", quiet),
            demo.play("dsr", {**dsr, "dsr_vserver_wait": False}),
        ]
        print(table(["playbook", "changed", "NITRO requests", "writes"],
                    [[r.name, r.counters["changed"], r.requests, r.writes] for r in runs]))  # fmt: skip
        if any(r.counters["changed"] for r in runs):
            raise DemoFailed("a second run reported changes")
        if any(r.writes for r in runs):
            raise DemoFailed("a second run wrote to the appliance")
        step_rolling_update(demo, backends)
        print("\nDemo complete: every step behaved as the simulator models NetScaler (not verified on an appliance).")
        return 0
    finally:
        for backend in backends:
            backend.stop()
        sim.stop()


def step_rolling_update(demo: Demo, backends: list[Backend]) -> None:
    from tests.demo_rolling_update import HOLD_PER_BACKEND, rolling_update

    say(f"8. rolling_update: {HOLD_PER_BACKEND} long-lived client connections per backend and new requests through "
        "the VIP; drain, patch and bring back web1, web2, web3 one at a time")  # fmt: skip
    services = [f"web-{ip}-8080" for ip in MEMBERS]
    report = rolling_update(demo, backends, services, VIP, 80)
    if demo.verbose or report["returncode"] != 0:
        print(report["stdout"])
    print(f"{INDENT}playbooks/rolling_update.yml: exit {report['returncode']} | {report['seconds']:.1f} s | patched: "
          f"{', '.join(report['patched'])}")  # fmt: skip
    headers = ["backend", "connections when drain started", "s until drained", "s until UP", "new requests while out"]
    print(table(headers,
                [[b["backend"], b["connections"], b["drained_s"], b["up_s"], b["new_requests_while_out"]]
                 for b in report["backends"]]))  # fmt: skip
    print(f"{INDENT}VIP {VIP}:80 answered {report['answered']} of {report['answered'] + len(report['failures'])} new "
          "requests during the update")  # fmt: skip
    if report["returncode"] != 0:
        raise DemoFailed("the rolling update failed")
    problems = [f"{b['backend']}: {b}" for b in report["backends"]
                if b["connections"] != HOLD_PER_BACKEND or b["left"] != 0 or b["up_s"] is None
                or b["new_requests_while_out"]]  # fmt: skip
    if report["failures"]:
        problems.append(f"the VIP did not answer {len(report['failures'])} request(s): {report['failures'][:3]}")
    if problems:
        raise DemoFailed("rolling update: " + "; ".join(problems))


def check_dsr(demo: Demo) -> None:
    """The documented DSR configuration, read back from the appliance, and every member UP."""
    states = wait_until(
        "the DSR members coming UP",
        lambda: first_match(demo.members("dsr"), lambda s: s and set(s.values()) == {"UP"}),
    )
    vs = demo.nitro("lbvserver/dsr")[0]
    modes = demo.nitro("nsmode")[0]
    services = [demo.nitro(f"service/{name}")[0] for name in states]
    monitors = {name: [r["monitor_name"] for r in demo.nitro(f"service_lbmonitor_binding/{name}")] for name in states}
    demo.show_members("dsr")
    demo.show_vip(DSR_VIP)
    print(
        table(
            ["vserver", "VIP", "port", "servicetype", "m", "state", "MBF", "persistence"],
            [[vs["name"], vs["ipv46"], "*" if vs["port"] == "65535" else vs["port"], vs["servicetype"], vs["m"],
              vs["curstate"], "on" if modes.get("mbf") in (True, "true") else "off", vs["persistencetype"]]],
        )
    )  # fmt: skip
    print(table(["service", "servicetype", "port", "usip", "monitors"],
                [[s["name"], s["servicetype"], "*" if s["port"] == "65535" else s["port"], s["usip"],
                  ", ".join(monitors[s["name"]])] for s in services]))  # fmt: skip
    print(f"{INDENT}(port *: NITRO returns the wildcard port as 65535, which is how NetScaler stores it)")
    problems = []
    if (vs["servicetype"], vs["port"], vs["m"], vs["curstate"]) != ("ANY", "65535", "MAC", "UP"):
        problems.append(f"vserver is {vs['servicetype']} {vs['port']} m={vs['m']} {vs['curstate']}")
    if modes.get("mbf") not in (True, "true"):
        problems.append("MBF is off")
    for svc in services:
        if (svc["servicetype"], svc["port"], svc["usip"]) != ("ANY", "65535", "YES"):
            problems.append(f"service {svc['name']} is {svc['servicetype']} {svc['port']} usip {svc['usip']}")
        if monitors[svc["name"]] != ["dsr-hc"]:
            problems.append(f"service {svc['name']} monitors {monitors[svc['name']]}")
    if problems:
        raise DemoFailed("DSR configuration: " + "; ".join(problems))


if __name__ == "__main__":
    sys.exit(main())
