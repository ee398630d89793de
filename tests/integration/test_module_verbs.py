"""Every NITRO module goes through the same verbs: read, plan, apply (writes through the one gate), report.

Each module runs against the simulator in check mode and then for real, on a change and on its no-op re-run, with
its verbs traced (tests/helpers/verbs.py wraps ModuleManager's verbs and the client's requests in the module's own
process). For every run: the verbs come in that order and no module runs its own; check mode sends GETs only; a
real run writes only inside ModuleManager.write; and check mode reads exactly what the real run reads before it
writes, so its prediction rests on the same requests. The modules' code is read too: none overrides a verb that
decides between prediction and read-back, and none looks at check mode except where a test here allows it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.runner import REPO, ansible_env, connection

MODULES = REPO / "plugins" / "modules"
SESSION = ("login", "logout")  # resources
# The verbs ModuleManager decides for everyone.
FINAL = ("run", "apply", "report", "write", "result")
# Where a module may look at check mode: what it reads, never what it reports. lb_healthcheck predicts the health
# check of a vserver an earlier task of the same run creates (check mode did not create it), and binds the members
# that task will bind.
CHECK_MODE_ALLOWED = {"lb_healthcheck": 2}


def nitro_modules() -> list[str]:
    return sorted(p.stem for p in MODULES.glob("*.py") if "ModuleManager" in p.read_text())


def ok(answer: tuple[int, dict[str, Any]]) -> None:
    status, body = answer
    assert status in (200, 201), body


def services(sim: Any, names: list[str], vserver: str | None = None, base: str = "127.9.1.") -> None:
    bodies = [{"name": n, "ip": f"{base}{i + 1}", "port": 80, "servicetype": "HTTP"} for i, n in enumerate(names)]
    ok(sim.nitro("POST", "service", {"service": bodies}))
    if vserver:
        binds = [{"name": vserver, "servicename": n} for n in names]
        ok(sim.nitro("PUT", "lbvserver_service_binding", {"lbvserver_service_binding": binds}))


def vserver(sim: Any, name: str, vip: str = "127.9.0.1", **extra: Any) -> None:
    body = {"name": name, "servicetype": "HTTP", "ipv46": vip, "port": 80, **extra}
    ok(sim.nitro("POST", "lbvserver", {"lbvserver": body}))


def pool(sim: Any) -> None:
    vserver(sim, "web")
    services(sim, ["w1", "w2"], "web")


def tcp_monitor(sim: Any) -> None:
    ok(sim.nitro("POST", "lbmonitor", {"lbmonitor": {"monitorname": "m1", "type": "TCP"}}))


# module -> (setup, [(label, args)]); each step runs in check mode, then for real, then both again (the no-op).
SCENARIOS: dict[str, tuple[Callable[[Any], None] | None, list[tuple[str, dict[str, Any]]]]] = {
    "lb_service": (None, [
        ("create", {"name": "s1", "ip": "127.0.0.11", "port": 80, "servicetype": "HTTP", "maxclient": 10}),
        ("list", {"servicetype": "HTTP", "port": 80, "services": [{"name": "s2", "ip": "127.0.0.12"},
                                                                   {"name": "s1", "state": "absent"}]}),
        ("recreate", {"name": "s2", "ip": "127.0.0.12", "port": 81, "servicetype": "HTTP", "recreate": True}),
    ]),
    "lb_vserver": (lambda sim: services(sim, ["s1", "s2"]), [
        ("create", {"name": "vs", "ipv46": "127.9.0.9", "port": 80, "servicetype": "HTTP", "services": ["s1"]}),
        ("bindings", {"name": "vs", "lbmethod": "ROUNDROBIN", "services": [{"name": "s2", "weight": 3}]}),
        ("recreate", {"name": "vs", "ipv46": "127.9.0.9", "port": 81, "servicetype": "HTTP", "recreate": True}),
    ]),
    "lb_healthcheck": (pool, [
        ("create", {"vserver": "web", "ping_path": "/healthz"}),
        ("retype", {"vserver": "web", "monitor_type": "TCP"}),
        ("absent", {"vserver": "web", "state": "absent"}),
    ]),
    "lb_healthcheck_info": (pool, [("info", {"vserver": "web"})]),
    "lb_pool_member": (pool, [
        ("drain", {"pools": ["web"], "services": ["w1"], "state": "drained", "drain_timeout": 0}),
    ]),
    "ns_ip_icmp": (lambda sim: vserver(sim, "web", "127.61.0.10"), [
        ("update", {"ipaddress": "127.61.0.10", "icmpresponse": "VSVR_CNTRLD"}),
        ("create", {"ipaddress": "127.61.0.20", "create": True, "netmask": "255.255.255.255"}),
    ]),
    "ns_tcpparam": (None, [
        ("present", {"downstaterst": "ENABLED"}),
        ("default", {"downstaterst": "ENABLED", "state": "default"}),
    ]),
    "ns_mode": (None, [("enable", {"modes": ["MBF", "USIP"]})]),
    "ns_save_config": (lambda sim: vserver(sim, "web"), [("save", {})]),
    "ns_hanode_info": (None, [("info", {})]),
    "nitro_session": (None, [("login", {})]),
    "lb_servicegroup": (tcp_monitor, [
        ("create", {"servicegroupname": "sg", "servicetype": "HTTP", "members": [{"ip": "127.0.0.21", "port": 80}]}),
        ("members", {"servicegroupname": "sg", "members": [{"ip": "127.0.0.21", "port": 80, "weight": 2},
                                                           {"ip": "127.0.0.22", "port": 80}], "monitors": ["m1"]}),
        ("recreate", {"servicegroupname": "sg", "servicetype": "TCP", "recreate": True}),
    ]),
}  # fmt: skip


def traced(sim: Any, module: str, args: dict[str, Any], *, check: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run ``module`` as Ansible would, its verbs traced; (its result, the trace)."""
    module_args = {
        **connection(sim), **args, "_ansible_check_mode": check, "_ansible_diff": True,
        "_ansible_tmpdir": tempfile.gettempdir(), "_ansible_remote_tmp": tempfile.gettempdir(),
    }  # fmt: skip
    with tempfile.NamedTemporaryFile(suffix=".json") as trace:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.helpers.verbs", module],
            input=json.dumps({"ANSIBLE_MODULE_ARGS": module_args}),
            capture_output=True, text=True, env=ansible_env({"VERB_TRACE": trace.name}), cwd=REPO, timeout=120,
            check=False,
        )  # fmt: skip
        try:
            result = json.loads(proc.stdout)
        except ValueError as exc:
            raise AssertionError(f"{module} printed no JSON:\n{proc.stdout}\n{proc.stderr}") from exc
        return result, json.loads(Path(trace.name).read_text())


def reads(trace: dict[str, Any], verbs: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return [(r["method"], r["path"], str(r["params"])) for r in trace["requests"] if r["verb"] in verbs]


def check_run(module: str, label: str, check: dict[str, Any], real: dict[str, Any]) -> None:
    where = f"{module} {label}"
    for trace in (check, real):
        assert trace["verbs"] == ["read", "plan", "apply", "report"], (where, trace["verbs"])
    assert "settle" not in check["nested"] and "settle" in real["nested"], where  # waiting is for real runs
    for req in check["requests"]:
        assert req["method"] == "GET" or req["resource"] in SESSION, (where, "check mode wrote", req)
    for req in real["requests"]:
        if req["method"] != "GET" and req["resource"] not in SESSION:
            assert req["gated"] and req["verb"] == "apply", (where, "a write outside the gate", req)
    # Check mode predicts from exactly the reads the real run decides on.
    assert reads(check, ("read", "plan")) == reads(real, ("read", "plan")), where


@pytest.mark.parametrize("module", sorted(SCENARIOS))
def test_check_and_real_runs_go_through_the_verbs(sim: Any, module: str) -> None:
    setup, steps = SCENARIOS[module]
    if setup is not None:
        setup(sim)
    for label, args in steps:
        for run in ("change", "no-op"):
            predicted, check = traced(sim, module, args, check=True)
            result, real = traced(sim, module, args, check=False)
            assert not predicted.get("failed") and not result.get("failed"), (module, label, predicted, result)
            check_run(module, f"{label} ({run})", check, real)
            if run == "change" and module not in ("ns_hanode_info", "lb_healthcheck_info", "nitro_session"):
                assert predicted["changed"] is result["changed"] is True, (module, label)
            if run == "no-op":
                assert result["changed"] is False, (module, label, result)
    assert module in nitro_modules()


def test_every_nitro_module_has_a_scenario() -> None:
    assert sorted(SCENARIOS) == nitro_modules()


def manager_classes(path: Path) -> list[ast.ClassDef]:
    tree = ast.parse(path.read_text())
    return [
        node for node in tree.body
        if isinstance(node, ast.ClassDef) and any(getattr(b, "id", "") == "ModuleManager" for b in node.bases)
    ]  # fmt: skip


@pytest.mark.parametrize("module", nitro_modules())
def test_no_module_decides_check_mode_reporting(module: str) -> None:
    path = MODULES / f"{module}.py"
    classes = manager_classes(path)
    assert classes, f"{module}: no ModuleManager subclass"
    for cls in classes:
        methods = {node.name for node in cls.body if isinstance(node, ast.FunctionDef)}
        assert not methods & set(FINAL), f"{module}.{cls.name} overrides {sorted(methods & set(FINAL))}"
        assert "plan" in methods, f"{module}.{cls.name} has no plan verb"
    # DOCUMENTATION mentions of "check mode" are prose, not code: only the attribute counts.
    uses = sum(1 for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Attribute)
               and node.attr == "check_mode")  # fmt: skip
    assert uses == CHECK_MODE_ALLOWED.get(module, 0), f"{module} looks at check_mode {uses} time(s)"


def test_the_static_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "class M(ModuleManager):\n    def plan(self, c):\n        pass\n    def run(self):\n"
        "        if self.check_mode:\n            return {}\n"
    )
    (cls,) = manager_classes(bad)
    assert {node.name for node in cls.body} & set(FINAL) == {"run"}
