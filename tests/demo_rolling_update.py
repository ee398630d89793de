"""`make demo` step 8: a rolling update of the pool's three backends with playbooks/rolling_update.yml, while
long-lived client connections and a stream of new requests go through the VIP (the simulator's data plane).

Reports per backend the client connections open when its drain started, the seconds until they had ended and
the seconds until the health check saw it UP again, and checks that the VIP answered every new request and that
no new request reached a backend while it was out of the pool."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.helpers.runner import REPO, VENV_BIN, ansible_env

HOLD_PER_BACKEND = 2
# A held client finishes its request this many seconds after its backend's drain began (one sooner, one later).
FINISH_AFTER = (1.0, 2.5)


class Traffic:
    """Long-lived client connections and a stream of new requests through VIP:port."""

    def __init__(self, vip: str, port: int, counters: Any) -> None:
        self.addr = (vip, port)
        self.counters = counters
        self.held: dict[str, list[socket.socket]] = {}
        self.answers: list[tuple[float, str]] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def hold(self, services: list[str]) -> None:
        """Open connections round-robin until each service holds HOLD_PER_BACKEND of them."""
        for _ in range(10 * len(services) * HOLD_PER_BACKEND):
            if all(len(self.held.get(s, [])) >= HOLD_PER_BACKEND for s in services):
                return
            before = {s: self.counters.service(s).cursrvr for s in services}
            conn = socket.create_connection(self.addr, timeout=5)
            conn.sendall(b"GET /report HTTP/1.1\r\nHost: demo\r\n")
            deadline = time.monotonic() + 5
            landed = None
            while landed is None and time.monotonic() < deadline:
                landed = next((s for s in services if self.counters.service(s).cursrvr > before[s]), None)
                time.sleep(0.01)
            if landed is None:
                raise RuntimeError("a held connection reached no backend")
            self.held.setdefault(landed, []).append(conn)
        raise RuntimeError("could not spread the held connections over the backends")

    def finish(self, service: str, conn: socket.socket) -> None:
        with self.lock:
            if conn not in self.held.get(service, []):
                return
            self.held[service].remove(conn)
        with contextlib.suppress(OSError):
            conn.sendall(b"\r\n")
            while conn.recv(4096):
                pass
        conn.close()

    def run(self) -> None:
        """Keep the held requests alive (the backends drop a request idle for 5 s) and send new requests."""
        last_keepalive = 0.0
        while not self.stop.wait(0.1):
            if time.monotonic() - last_keepalive > 0.5:
                last_keepalive = time.monotonic()
                with self.lock:
                    conns = [c for cs in self.held.values() for c in cs]
                for conn in conns:
                    with contextlib.suppress(OSError):
                        conn.sendall(b"X-Held: 1\r\n")
            sent = time.monotonic()
            try:
                with socket.create_connection(self.addr, timeout=5) as s:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n")
                    data = b""
                    while chunk := s.recv(4096):
                        data += chunk
                match = re.search(rb"X-Backend: (\S+)", data)
                if match and data.startswith(b"HTTP/1.1 200"):
                    self.answers.append((sent, match.group(1).decode()))
                else:
                    self.failures.append(repr(data[:80]))
            except OSError as exc:
                self.failures.append(repr(exc))


def rolling_update(demo: Any, backends: list[Any], services: list[str], vip: str, port: int) -> dict[str, Any]:
    """Run playbooks/rolling_update.yml over ``backends`` (the pool ``web``); returns the per-backend report."""
    sim = demo.sim
    engine = sim.health
    plane = engine.enable_dataplane()
    deadline = time.monotonic() + 10
    while (vip, port) not in plane.listeners and time.monotonic() < deadline:
        time.sleep(0.05)
    if (vip, port) not in plane.listeners:
        raise RuntimeError(f"the data plane is not listening on {vip}:{port}: {plane.errors}")
    traffic = Traffic(vip, port, engine.counters)
    traffic.hold(services)
    drain_started: dict[str, float] = {}
    back_up: dict[str, float] = {}

    def operator() -> None:
        # Each held client finishes its request a little after its backend started draining.
        timers = []
        while not traffic.stop.is_set():
            for name in services:
                if name in drain_started:
                    continue
                status, body = demo.handle.nitro("GET", f"/nitro/v1/stat/service/{name}")
                if status == 200 and body["service"][0]["state"] == "GOING OUT OF SERVICE":
                    drain_started[name] = time.monotonic()
                    for conn, after in zip(list(traffic.held.get(name, [])), FINISH_AFTER, strict=False):
                        timer = threading.Timer(after, traffic.finish, (name, conn))
                        timer.start()
                        timers.append(timer)
            for name in drain_started:
                if name not in back_up:
                    status, body = demo.handle.nitro("GET", f"/nitro/v1/stat/service/{name}")
                    if status == 200 and body["service"][0]["state"] == "UP":
                        back_up[name] = time.monotonic()
            time.sleep(0.05)
        for timer in timers:
            timer.cancel()

    threads = [threading.Thread(target=traffic.run, daemon=True), threading.Thread(target=operator, daemon=True)]
    for t in threads:
        t.start()
    with tempfile.TemporaryDirectory() as tmp:
        inventory = Path(tmp) / "inventory.ini"
        inventory.write_text(
            "[backends]\n"
            + "".join(f"{b.name} ansible_host={b.host}\n" for b in backends)
            + "[backends:vars]\nansible_connection=local\n"
        )
        patch = Path(tmp) / "patch.yml"
        patch.write_text(
            "- name: Patch the backend, here by recording its new version\n"
            "  ansible.builtin.copy:\n"
            "    content: '2.0'\n"
            f"    dest: {tmp}/{{{{ inventory_hostname }}}}.version\n"
            "    mode: '0644'\n"
        )
        extra = {**demo.connection, "rolling_update_tasks": str(patch), "pool_member_pools": "web",
                 "pool_member_port": "8080", "pool_member_drain_timeout": "30",
                 "pool_member_up_timeout": "60"}  # fmt: skip
        demo.handle.clear_requests()
        start = time.monotonic()
        proc = subprocess.run(
            [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(REPO / "playbooks" / "rolling_update.yml"),
             "-e", json.dumps(extra)],
            capture_output=True, text=True, env=ansible_env(), cwd=REPO, timeout=600, check=False,
        )  # fmt: skip
        seconds = time.monotonic() - start
        patched = sorted(p.stem for p in Path(tmp).glob("*.version"))
    time.sleep(0.3)
    traffic.stop.set()
    for t in threads:
        t.join(10)
    engine.enable_dataplane(False)
    report: dict[str, Any] = {"returncode": proc.returncode, "stdout": proc.stdout + proc.stderr,
                              "seconds": seconds, "patched": patched, "backends": []}  # fmt: skip
    for backend in backends:
        drained = re.search(rf"{backend.name} drained in web: .*?connections when the drain started (\d+), left (\d+), "
                            r"drained in ([\d.]+) s", proc.stdout)  # fmt: skip
        up = re.search(rf"{backend.name} enabled in web: .*?UP after ([\d.]+) s", proc.stdout)
        name = next(s for s in services if backend.host in s)
        out_from, out_to = drain_started.get(name), back_up.get(name)
        strays = [
            a for a in traffic.answers if out_from and out_to and out_from < a[0] < out_to and a[1] == backend.name
        ]
        report["backends"].append({
            "backend": backend.name,
            "connections": int(drained.group(1)) if drained else None,
            "left": int(drained.group(2)) if drained else None,
            "drained_s": float(drained.group(3)) if drained else None,
            "up_s": float(up.group(1)) if up else None,
            "new_requests_while_out": len(strays),
        })  # fmt: skip
    report["answered"] = len(traffic.answers)
    report["failures"] = traffic.failures
    return report
