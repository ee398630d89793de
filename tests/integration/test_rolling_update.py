"""playbooks/rolling_update.yml end to end: real ansible-playbook over three backends behind the simulator's data
plane, a long-lived client connection drained, one backend that does not come back stopping the rollout."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time

from tests.helpers.backends import backend_factory, loopback_ip  # noqa: F401  (fixtures)
from tests.helpers.runner import REPO, VENV_BIN, ansible_env
from tests.integration.test_lb_pool_member import Pool, wait

PLAYBOOK = REPO / "playbooks" / "rolling_update.yml"


def test_rolling_update_stops_at_the_backend_that_stays_down(sim, backend_factory, loopback_ip, tmp_path):  # noqa: F811
    sim.set_time_scale(0.02)
    backends = [backend_factory(name=n) for n in ("alpha", "beta", "gamma")]
    pool = Pool(sim, backends, loopback_ip())
    try:
        inventory = tmp_path / "inventory.ini"
        inventory.write_text(
            "[backends]\n"
            + "".join(f"{b.name} ansible_host={b.host}\n" for b in backends)
            + f"[backends:vars]\nansible_connection=local\nansible_python_interpreter={sys.executable}\n"
        )
        markers = tmp_path / "updated"
        markers.mkdir()
        patch = tmp_path / "patch.yml"
        patch.write_text(
            "- name: Patch the backend\n"
            "  ansible.builtin.copy:\n"
            "    content: patched\n"
            f"    dest: {markers}/{{{{ inventory_hostname }}}}\n"
            "    mode: '0644'\n"
        )
        held = pool.hold("alpha")
        sim.clear_requests()
        stop = threading.Event()
        answered: list[str] = []
        failures: list[tuple[float, str]] = []
        broken_at: list[float] = []

        def clients() -> None:
            while not stop.wait(0.1):
                sent = time.monotonic()
                try:
                    answered.append(pool.new_request())
                except (OSError, AssertionError) as exc:
                    failures.append((sent, repr(exc)))

        def operator() -> None:
            # alpha's client finishes its request a second after the drain began; beta's patch breaks it.
            if wait(lambda: pool.svrstate("alpha") == "GOING OUT OF SERVICE", 300):
                time.sleep(1.0)
                pool.finish(held)
            if wait((markers / "beta").exists, 300):
                broken_at.append(time.monotonic())
                backends[1].stop()

        threads = [threading.Thread(target=clients, daemon=True), threading.Thread(target=operator, daemon=True)]
        for t in threads:
            t.start()
        extra = {
            "netscaler_nsip": sim.nsip, "netscaler_nitro_user": sim.user, "netscaler_nitro_pass": sim.password,
            "netscaler_nitro_protocol": "http", "rolling_update_tasks": str(patch), "pool_member_pools": "web",
            "pool_member_drain_timeout": "30", "pool_member_up_timeout": "3",
        }  # fmt: skip
        proc = subprocess.run(
            [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOK), "-e", json.dumps(extra)],
            capture_output=True, text=True, env=ansible_env(), timeout=300, cwd=REPO, check=False,
        )  # fmt: skip
        stop.set()
        out = proc.stdout
        assert proc.returncode != 0, out
        # alpha: drained with its client connection open until it ended, patched, back UP. The held connection is
        # counted; a request of the background clients may be in flight to alpha at that moment too, so "at least 1".
        # The drain must have waited for the held connection, which the operator ends 1 s into the drain.
        drained = re.search(r"alpha drained in web: alpha; connections when the drain started (\d+), left 0, "
                            r"drained in ([\d.]+) s", out)  # fmt: skip
        assert drained, out
        assert int(drained[1]) >= 1 and float(drained[2]) >= 1.0, drained[0]
        assert "alpha enabled in web: alpha; UP after" in out, out
        assert pool.svrstate("alpha") == "UP" and (markers / "alpha").exists()
        # beta: patched, enabled, never UP: the task names it with its monitor's last response.
        assert "beta (" in out and "is not UP: DOWN in 'web'" in out and "last response: Failure" in out, out
        # gamma: untouched (max_fail_percentage 0 stopped the rollout).
        assert not (markers / "gamma").exists()
        assert pool.svrstate("gamma") == "UP"
        assert not [r for r in sim.writes() if "gamma" in json.dumps(r)]
        # The VIP answered every new request until beta broke (once enabled, the broken beta may take requests until
        # its monitor marks it DOWN; inferred for an appliance).
        assert answered and broken_at
        assert not [f for f in failures if f[0] < broken_at[0]], failures
    finally:
        pool.close()
