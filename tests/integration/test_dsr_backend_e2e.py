"""playbooks/dsr.yml end to end: the simulated appliance decides, real backends in namespaces serve by DSR.

The director namespace plays the appliance: the NITRO simulator runs there and health-checks the backends on their
own addresses (TCP 8080), and a route follower turns what the simulator reports into the forwarding decision of MAC
mode: the VIP is routed (``ip route replace VIP via <backend>``, so only the destination MAC changes) to a backend
whose DSR service the simulator reports UP. ansible-playbook runs in the director namespace too: play 1 talks to
the simulator on the director's loopback, play 2 reaches each backend through a Python interpreter that enters the
backend's namespace (and a private mount namespace with overlays on /etc and /run).

Stopping a backend's server makes the simulator mark its service DOWN, the follower moves the route, and the client
is answered by the other backend, still straight back with the VIP as source. Then a second DSR service on the same
backends keeps the first one's VIP, and ``absent`` of the first with its VIP left empty removes only that VIP, while
the second service is still answered by DSR from its own VIP (issue 22).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import dsr_lab
from tests.helpers.dsr_lab import (
    PORT,
    VIP4,
    VIP4B,
    add_vip,
    assert_dsr_path,
    build,
    http_get,
    http_server,
    neighbour_answers,
)
from tests.helpers.netns import Lab, Node
from tests.helpers.runner import REPO, VENV_BIN, ansible_env, json_results, json_results_env

pytestmark = [pytest.mark.netns, pytest.mark.slow]

lab = dsr_lab.lab

PLAYBOOK = REPO / "playbooks" / "dsr.yml"
VSERVER = "dsr-web"
TIME_SCALE = 0.05  # the TCP monitor's 5 s interval becomes 0.25 s


@contextlib.contextmanager
def simulator(director: Node) -> Iterator[str]:
    """The NITRO simulator inside the director namespace; yields its host:port there."""
    proc = subprocess.Popen(
        [
            "ip", "netns", "exec", director.ns, str(VENV_BIN / "python"), "-m", "tests.nitro_sim",
            "--bind", "127.0.0.1:0", "--time-scale", str(TIME_SCALE), "--probe-allow", "198.51.100.0/24",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ansible_env(),
    )  # fmt: skip
    try:
        url = proc.stdout.readline().strip() if proc.stdout else ""
        assert url.startswith("http://"), f"simulator did not start: {url!r}"
        yield url.split("://", 1)[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def nitro_get(director: Node, nsip: str, path: str) -> dict:
    """GET on the simulator from inside the director namespace (X-NITRO-USER/PASS headers, no session)."""
    host, port = nsip.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.sock = director.socket(2, 1)  # AF_INET, SOCK_STREAM, made in the director namespace
    conn.sock.settimeout(5)
    conn.sock.connect((host, int(port)))
    try:
        conn.request("GET", path, headers={"X-NITRO-USER": "nsroot", "X-NITRO-PASS": "nsroot"})
        resp = conn.getresponse()
        return json.loads(resp.read() or b"{}")
    finally:
        conn.close()


class RouteFollower:
    """The director's MAC-mode forwarding decision, taken from the simulator's service states."""

    def __init__(self, director: Node, nsip: str, backends: list[Node]) -> None:
        self.director, self.nsip, self.backends = director, nsip, backends
        self.current: Node | None = None
        self.moves: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def states(self) -> dict[str, str]:
        out = {}
        for backend in self.backends:
            body = nitro_get(self.director, self.nsip, f"/nitro/v1/config/service/{VSERVER}-{backend.ipv4}")
            out[backend.role] = (body.get("service") or [{}])[0].get("svrstate", "UNKNOWN")
        return out

    def loop(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(OSError, ValueError):
                states = self.states()
                up = [b for b in self.backends if states[b.role] == "UP"]
                if up and self.current not in up:
                    # the route first: wait_for() returns as soon as 'current' says the move is done
                    self.director.ip("route", "replace", f"{VIP4}/32", "via", up[0].ipv4)
                    self.current = up[0]
                    self.moves.append(self.current.role)
                elif not up and self.current is not None:
                    self.director.ip("route", "del", f"{VIP4}/32", check=False)
                    self.current = None
                    self.moves.append("none")
            self.stop.wait(0.1)

    def wait_for(self, role: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.current is not None and self.current.role == role:
                return
            time.sleep(0.05)
        raise AssertionError(f"the route never moved to {role}: moves {self.moves}, states {self.states()}")


def enter_script(node: Node, tmp: Path) -> Path:
    """An executable that runs Python inside ``node`` (namespace + private mount namespace with overlays)."""
    script = tmp / f"python-in-{node.role}"
    inner = " && ".join([*node.overlay_mounts(), 'exec "$0" "$@"'])
    script.write_text(
        "#!/bin/sh\n"
        f"exec ip netns exec {node.ns} unshare --mount --propagation private sh -c '{inner}' "
        f'{VENV_BIN / "python"} "$@"\n'
    )
    script.chmod(0o755)
    return script


def run_dsr_playbook(director: Node, nsip: str, backends: list[Node], tmp: Path, **overrides: object) -> dict:
    inventory = tmp / "inventory.ini"
    lines = ["[dsr_backends]"]
    for backend in backends:
        lines.append(f"{backend.role} ansible_connection=local ansible_python_interpreter={enter_script(backend, tmp)}")
    lines += ["", "[local]", f"localhost ansible_connection=local ansible_python_interpreter={VENV_BIN / 'python'}"]
    inventory.write_text("\n".join(lines) + "\n")
    extra = {
        "dsr_vserver_name": VSERVER,
        "dsr_vserver_vip": VIP4,
        "dsr_vserver_members": [{"ip": b.ipv4} for b in backends],
        "dsr_vserver_healthcheck": {"type": "TCP", "port": PORT},
        "dsr_vserver_wait": True,
        "dsr_vserver_wait_timeout": 30,
        "dsr_backend_network_stack": "none",
        **overrides,
    }
    env = json_results_env(
        {
            "NETSCALER_NSIP": nsip,
            "NETSCALER_NITRO_USER": "nsroot",
            "NETSCALER_NITRO_PASS": "nsroot",
            "NETSCALER_NITRO_PROTOCOL": "http",
            "NETSCALER_VALIDATE_CERTS": "false",
        }
    )
    cmd = [
        "ip", "netns", "exec", director.ns, str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOK),
        "-e", json.dumps(extra),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False)
    out = json_results(proc.stdout, proc.stderr)
    assert proc.returncode == 0, json.dumps([t for t in out["tasks"] if t["status"] == "failed"], indent=1)[:4000]
    return out


@pytest.mark.skipif(not PLAYBOOK.exists(), reason="playbooks/dsr.yml is not in this tree")
def test_dsr_playbook_traffic_follows_the_simulators_health_checks(lab: Lab, tmp_path: Path) -> None:
    nodes = build(lab, backends=2)
    director, client = nodes["director"], nodes["client"]
    backends = [nodes["backend1"], nodes["backend2"]]
    director.ip("route", "del", f"{VIP4}/32")  # the follower decides from here on
    with contextlib.ExitStack() as stack:
        nsip = stack.enter_context(simulator(director))
        # each backend answers the health check on its own address and the clients on the VIP (0.0.0.0)
        servers = {b.role: stack.enter_context(contextlib.ExitStack()) for b in backends}
        for backend in backends:
            servers[backend.role].enter_context(http_server(backend, "0.0.0.0"))
        out = run_dsr_playbook(director, nsip, backends, tmp_path)
        applied = [t for t in out["tasks"] if t["task"].endswith("never answers ARP for them")]
        assert len(applied) == 2, [t["task"] for t in out["tasks"]]
        assert all(t["result"]["checks"]["ok"] for t in applied), applied
        for backend, task in zip(backends, applied, strict=True):
            assert f"{VIP4}/32" in backend.ip("-br", "addr", "show", "dev", task["result"]["interface"])
        assert neighbour_answers(nodes["probe"], VIP4) == []

        follower = RouteFollower(director, nsip, backends)
        follower.thread.start()
        stack.callback(follower.thread.join)
        stack.callback(follower.stop.set)
        follower.wait_for("backend1")
        assert_dsr_path(nodes, backends[0], VIP4)

        servers["backend1"].close()  # backend1's server stops: health check fails, service DOWN
        follower.wait_for("backend2")
        assert http_get(client, VIP4).startswith("backend=backend2")
        assert_dsr_path(nodes, backends[1], VIP4)
        assert follower.moves == ["backend1", "backend2"]
        follower.stop.set()

        # Issue 22: a second DSR service on the same backends keeps the first one's VIP (each service owns its VIPs)
        add_vip(nodes, VIP4B, backends[1])
        second = {"dsr_vserver_name": "dsr-two", "dsr_vserver_vip": VIP4B, "dsr_vserver_wait": False}
        run_dsr_playbook(director, nsip, backends, tmp_path, **second)
        for backend in backends:
            on_lo = backend.ip("-br", "addr", "show")
            assert f"{VIP4}/32" in on_lo and f"{VIP4B}/32" in on_lo, (backend.role, on_lo)
        director.ip("route", "replace", f"{VIP4}/32", "via", backends[1].ipv4)
        assert_dsr_path(nodes, backends[1], VIP4)
        assert_dsr_path(nodes, backends[1], VIP4B)

        # the first service goes away with its VIP left empty (a survey's blank field): the backends find its VIP in
        # what they recorded for it, and the second service's data path is untouched
        absent = {"dsr_vserver_state": "absent", "dsr_vserver_vip": "", "dsr_vserver_wait": False}
        out = run_dsr_playbook(director, nsip, backends, tmp_path, **absent)
        removed = [t for t in out["tasks"] if t["task"].endswith("never answers ARP for them")]
        assert [t["result"]["removed_addresses"] for t in removed] == [[f"{VIP4}/32"]] * 2, removed
        for backend in backends:
            on_lo = backend.ip("-br", "addr", "show")
            assert f"{VIP4}/32" not in on_lo and f"{VIP4B}/32" in on_lo, (backend.role, on_lo)
            assert backend.sysctl("net.ipv4.conf.all.arp_ignore") == 1  # dsr-two still needs it
        assert_dsr_path(nodes, backends[1], VIP4B)
        assert neighbour_answers(nodes["probe"], VIP4B) == []
