"""netscaler_ca_bundle and netscaler_nitro_timeout reach every module of a role, over real HTTPS and TCP.

One run of playbooks/quiet_vip.yml over an inventory with one host per case (each host its own appliance
connection), so the cases cost one ansible-playbook start:

- ``trusted``: the simulator over HTTPS with its self-signed certificate, ``netscaler_validate_certs: true`` and
  ``netscaler_ca_bundle`` naming that certificate: the role converges.
- ``untrusted``: the same without ``netscaler_ca_bundle``: the login fails on the certificate, saying how to trust it.
- ``stalled``: an appliance that accepts the connection, reads the request and never answers, with
  ``netscaler_nitro_timeout: "2"`` (a survey's string): the login gives up after 2 s and says so (the default
  budget is 60 s).

A bad value of either variable is refused before any request, naming it (tests/integration/test_quiet_vip.py's
argument cases; every role's plan step: tests/unit/plugins/plugin_utils/test_role_plan.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.helpers.backends import backend_factory  # noqa: F401  (fixture)
from tests.helpers.fleet import host_recaps, run_inventory_playbook
from tests.helpers.runner import REPO

PLAYBOOK = REPO / "playbooks" / "quiet_vip.yml"


def test_ca_bundle_and_nitro_timeout_reach_the_modules(sim_tls: Any, backend_factory, tmp_path: Path) -> None:  # noqa: F811
    # an appliance that accepts the connection, reads the request and never answers
    stalled = backend_factory(mode="hang")
    status, body = sim_tls.nitro(
        "POST", "lbvserver", {"lbvserver": {"name": "web", "servicetype": "HTTP", "ipv46": "127.9.40.1", "port": 80}}
    )
    assert status == 201, body
    https = {
        "netscaler_nsip": sim_tls.nsip,
        "netscaler_nitro_user": sim_tls.user,
        "netscaler_nitro_pass": sim_tls.password,
        "netscaler_nitro_protocol": "https",
        "netscaler_validate_certs": True,
    }
    hosts = {
        "trusted": {**https, "netscaler_ca_bundle": sim_tls.cert_path, "netscaler_nitro_timeout": 30},
        "untrusted": https,
        "stalled": {
            "netscaler_nsip": f"{stalled.host}:{stalled.port}",
            "netscaler_nitro_user": "nsroot",
            "netscaler_nitro_pass": "stalled-appliance-password",
            "netscaler_nitro_protocol": "http",
            "netscaler_nitro_timeout": "2",
        },
    }
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    sim_tls.clear_requests()
    proc = run_inventory_playbook(
        PLAYBOOK, inventory, extra_vars={"netscaler_hosts": "all", "quiet_vip_vservers": "web"}
    )
    recaps = host_recaps(proc.stdout)
    failures = dict(re.findall(r"fatal: \[(\w+)\]: FAILED! => (\{.*\})", proc.stdout))

    # trusted: the certificate verified against netscaler_ca_bundle, the role converged over HTTPS
    assert recaps["trusted"]["failed"] == 0 and recaps["trusted"]["changed"] >= 3, proc.stdout
    assert sim_tls.state()["lbvserver"]["web"]["icmpvsrresponse"] == "ACTIVE"
    assert sim_tls.requests(), "the trusted host's requests reached the simulator"

    # untrusted: the first request (the login) fails on the certificate, naming the way to trust it
    untrusted = " ".join(failures["untrusted"].split())
    assert "certificate could not be verified" in untrusted, untrusted
    assert "netscaler_ca_bundle" in untrusted, untrusted
    assert "NITRO login failed" in untrusted, untrusted

    # stalled: netscaler_nitro_timeout "2" is the login's budget (60 s without it)
    assert "no complete answer within nitro_timeout=2 s" in failures["stalled"], failures["stalled"]
    assert stalled.connections >= 1
    assert proc.returncode != 0
