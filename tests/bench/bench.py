"""`make bench`: what a user waits for, measured with real ansible-playbook against the NITRO simulator.

1. playbooks/healthchecked_pool.yml for pools of N = 10, 100 and 1000 members: converge from empty, no-op re-run,
   one member changed (its weight), pool absent;
2. the same pool built the way the official netscaler.adc collection's modules force (tests/bench/official_pool.yml),
   converge and no-op at N = 10 and 100, when that collection is available (BENCH_OFFICIAL_COLLECTION, else the
   tarball in the shared/anchors folder beside the repository, else an installed netscaler.adc);
3. N = 100 again with --latency-ms 20, the round trip to a remote appliance;
4. fleets of 1, 4 and 16 simulated appliances (one simulator process each, forks to match), tests/bench/fleet.yml;
5. controller cost (issue 28), side by side in the same run: the pool role and the DSR role (playbooks/dsr.yml, its
   appliance play) at N = 100, converge and no-op, with the NITRO modules run in a fork of Ansible's worker (the
   default) and the ordinary way (`netscaler_in_process: false`), and the pool role as it was before issue 28's
   work (from git history), each with its controller CPU and its tasks' times;
6. Ansible alone: plays of as many tasks as the pool converge and no-op and the fleet converge run, each task an
   ``ansible.builtin.debug`` that does nothing, on 1 host and on every fleet size: what any run of that many tasks
   costs on this machine, printed beside the targets it bounds.

Per run: requests by method (from the simulator's request log), logins, wall time of ansible-playbook, the CPU
time (user + system) of its whole process tree, and the peak resident memory of that tree (sampled every 50 ms
from /proc). Prints a table, the targets of issue 17 as
met or MISSED, and writes tests/bench/results.json (committed: the latest results, which README.md shows).

Members live in 198.18.0.0/15 (RFC 2544, benchmarking); the simulators run with --time-scale 100 so that their
health prober, which a real appliance runs on its own hardware, does not compete with Ansible for this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

from tests.helpers.runner import COLLECTIONS, REPO, VENV_BIN, ansible_env

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
POOL_PLAYBOOK = REPO / "playbooks" / "healthchecked_pool.yml"
DSR_PLAYBOOK = REPO / "playbooks" / "dsr.yml"
OFFICIAL_PLAYBOOK = HERE / "official_pool.yml"
TASK_TIMES = HERE / "callback_plugins"
FLEET_PLAYBOOK = HERE / "fleet.yml"
OFFICIAL_ENV = "BENCH_OFFICIAL_COLLECTION"
LOGIN = "/nitro/v1/config/login"
LOGOUT = "/nitro/v1/config/logout"
HEALTHCHECK = {"ping_path": "/health", "interval": 5, "response_time": 2, "healthy_threshold": 1,
               "unhealthy_threshold": 3}  # fmt: skip
METHOD_LETTER = {"GET": "G", "POST": "P", "PUT": "U", "DELETE": "D"}
OFFICIAL_LIMIT_S = 600  # the official column skips an N whose converge + no-op would take longer

# Targets of issue 17 (benchmark figures, not timed tests).
MAX_NOOP_REQUESTS = 10
MAX_CONVERGE_REQUESTS = 16
MAX_LOGINS = 1
MIN_REQUEST_RATIO = 50
MIN_WALL_RATIO = 30
MAX_N1000_CONVERGE_S = 15
MAX_FLEET16_FACTOR = 4
# Targets of issue 28 (controller cost).
MAX_SPEED_NOOP_S = 3.0
MAX_SPEED_CONVERGE_S = 4.0
MAX_DSR_FACTOR = 1.5
MAX_FLEET16_FACTOR_28 = 3.0
MAX_FLEET4_FACTOR_28 = 1.5
MIN_CPU_RATIO = 3.0
# "Today" in issue 28's CPU target: the roles and modules as they were when its work began (the commit before the
# first one of it, 9053d8b), run side by side from this checkout's git history.
BEFORE_28 = "9895356bd5239ff6ee3ad2287615b34e38830c1a"


# -- simulators ----------------------------------------------------------------------------------------------------
class Sim:
    """One simulator process (python -m tests.nitro_sim), driven through its control API."""

    def __init__(self, latency_ms: float = 0) -> None:
        cmd = [sys.executable, "-m", "tests.nitro_sim", "--bind", "127.0.0.1:0", "--time-scale", "100"]
        if latency_ms:
            cmd += ["--latency-ms", str(latency_ms)]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.stop()
            raise RuntimeError("the simulator did not start")
        self.nsip = self.url.split("://", 1)[1]
        self.http = requests.Session()
        self.http.trust_env = False

    def control(self, method: str, path: str) -> Any:
        resp = self.http.request(method, f"{self.url}/sim/v1/{path}", timeout=60)
        resp.raise_for_status()
        return resp.json()

    def requests(self) -> list[dict[str, Any]]:
        return self.control("GET", "requests")["requests"]

    def cpu_s(self) -> float:
        """CPU seconds (user + system, all threads) the simulator process has used so far, from /proc."""
        try:
            with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextlib.contextmanager
def simulators(count: int, latency_ms: float = 0) -> Iterator[list[Sim]]:
    sims: list[Sim] = []
    try:
        for _ in range(count):
            sims.append(Sim(latency_ms))
        yield sims
    finally:
        for sim in sims:
            sim.stop()


# -- measuring one ansible-playbook run -----------------------------------------------------------------------------
def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat, encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    total, todo = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        with contextlib.suppress(OSError, ValueError, IndexError), open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            total += int(fh.read().split()[1]) * page
    return total


def task_times_env(path: Path) -> dict[str, str]:
    """The environment that makes ansible-playbook write each task's time to ``path``
    (callback_plugins/task_times.py)."""
    return {"ANSIBLE_CALLBACK_PLUGINS": str(TASK_TIMES), "ANSIBLE_CALLBACKS_ENABLED": "task_times",
            "BENCH_TASK_TIMES": str(path)}  # fmt: skip


def run_ansible(cmd: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, int, float]:
    """Run ansible-playbook; return the finished process, its wall time, the peak RSS of its process tree and the
    CPU time of that tree (user + system: ansible-playbook and every worker and module process it waited for; the
    simulators are this process's children too, but they are reaped only when they stop, outside this window)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    done.set()
    sampler.join()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), elapsed, peak, cpu


def count_requests(log: list[dict[str, Any]]) -> dict[str, Any]:
    methods = Counter(entry["method"] for entry in log)
    return {
        "requests": len(log),
        "by_method": {m: methods[m] for m in ("GET", "POST", "PUT", "DELETE") if methods[m]},
        "logins": sum(1 for e in log if e["method"] == "POST" and e["path"] == LOGIN),
        "logouts": sum(1 for e in log if e["method"] == "POST" and e["path"] == LOGOUT),
        # netscaler.adc sends X-NITRO-USER/X-NITRO-PASS with every request: each one is authenticated like a login.
        "credential_requests": sum(1 for e in log if e["auth"] in ("headers", "basic")),
    }


def members(count: int) -> list[dict[str, Any]]:
    return [{"ip": f"198.18.{i // 250}.{i % 250 + 1}", "port": 80} for i in range(count)]


def pool_vars(sim: Sim, size: int, **extra: Any) -> dict[str, Any]:
    return {
        "netscaler_nsip": sim.nsip,
        "netscaler_nitro_user": "nsroot",
        "netscaler_nitro_pass": "nsroot",
        "netscaler_nitro_protocol": "http",
        "netscaler_validate_certs": False,
        "healthchecked_pool_name": "bench",
        "healthchecked_pool_vip": "192.0.2.80",
        "healthchecked_pool_members": members(size),
        "healthchecked_pool_healthcheck": HEALTHCHECK,
        **extra,
    }


class Runner:
    def __init__(self, workdir: Path, official: Path | None) -> None:
        self.workdir = workdir
        self.official = official

    def env(
        self, forks: int = 5, official: bool = False, task_times: Path | None = None, collections: Path | None = None
    ) -> dict[str, str]:
        paths = [str(collections or COLLECTIONS)] + ([str(self.official)] if official and self.official else [])
        extra = {"ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(paths), "ANSIBLE_FORKS": str(forks)}
        if collections is not None:
            extra["PYTHONPATH"] = f"{collections}{os.pathsep}{REPO}"
        if task_times is not None:
            extra.update(task_times_env(task_times))
        return ansible_env(extra)

    def play(
        self,
        sims: list[Sim],
        playbook: Path,
        *,
        extra: dict[str, Any] | None = None,
        inventory: dict[str, Any] | None = None,
        official: bool = False,
        task_times: bool = False,
        collections: Path | None = None,
        forks: int | None = None,
    ) -> dict[str, Any]:
        for sim in sims:
            sim.control("DELETE", "requests")
        cmd = [str(VENV_BIN / "ansible-playbook"), str(playbook)]
        if inventory is not None:
            inv = self.workdir / "inventory.json"
            inv.write_text(json.dumps(inventory))
            cmd += ["-i", str(inv)]
        else:
            cmd += ["-i", "localhost,", "-c", "local"]
        if extra is not None:
            varfile = self.workdir / "vars.json"
            varfile.write_text(json.dumps(extra))
            cmd += ["-e", f"@{varfile}"]
        # forks = appliances: every host of a fleet runs at once (one host: the count does not matter)
        times = self.workdir / "task_times.json" if task_times else None
        env = self.env(forks=forks or len(sims), official=official, task_times=times, collections=collections)
        sim_cpu = -sum(sim.cpu_s() for sim in sims)
        proc, elapsed, peak, cpu = run_ansible(cmd, env)
        sim_cpu += sum(sim.cpu_s() for sim in sims)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
            raise RuntimeError(f"{playbook.name} failed (rc={proc.returncode}):\n{tail}")
        log = [entry for sim in sims for entry in sim.requests()]
        # sim_cpu_s: what the simulators used meanwhile (their answers and health probes), on the same cores; a
        # real appliance's CPU is its own.
        run = {**count_requests(log), "wall_s": round(elapsed, 2), "cpu_s": round(cpu, 2),
               "sim_cpu_s": round(sim_cpu, 2), "peak_mib": round(peak / 2**20, 1)}  # fmt: skip
        if times is not None:
            run["tasks"] = json.loads(times.read_text())
        return run


# -- the scenarios ----------------------------------------------------------------------------------------------------
def role_phases(runner: Runner, size: int, latency_ms: float = 0) -> dict[str, Any]:
    with simulators(1, latency_ms) as (sim,):
        changed = members(size)
        changed[0]["weight"] = 5
        phases = {
            "converge": runner.play([sim], POOL_PLAYBOOK, extra=pool_vars(sim, size)),
            "no-op": runner.play([sim], POOL_PLAYBOOK, extra=pool_vars(sim, size)),
            "one member changed": runner.play(
                [sim], POOL_PLAYBOOK, extra=pool_vars(sim, size, healthchecked_pool_members=changed)
            ),
            "absent": runner.play([sim], POOL_PLAYBOOK, extra=pool_vars(sim, size, healthchecked_pool_state="absent")),
        }
        state = sim.control("GET", "state")
        if state["lbvserver"] or state["service"] or state.get("lbmonitor", {}).get("bench-hc"):
            raise RuntimeError("the pool is still on the simulator after state=absent")
    return phases


def official_phases(runner: Runner, size: int, latency_ms: float = 0) -> dict[str, Any]:
    with simulators(1, latency_ms) as (sim,):
        extra = {**pool_vars(sim, size), "healthchecked_pool_port": 80}
        converge = runner.play([sim], OFFICIAL_PLAYBOOK, extra=extra, official=True)
        noop = runner.play([sim], OFFICIAL_PLAYBOOK, extra=extra, official=True)
        state = sim.control("GET", "state")
        if len(state["service"]) != size or "bench" not in state["lbvserver"]:
            raise RuntimeError("the official playbook did not build the pool")
    return {"converge": converge, "no-op": noop}


def fleet(runner: Runner, count: int, size: int) -> dict[str, Any]:
    with simulators(count) as sims:
        hosts = {f"ns{i + 1:02d}": pool_vars(sim, size) for i, sim in enumerate(sims)}
        inventory = {"all": {"children": {"netscalers": {"hosts": hosts}}}}
        converge = runner.play(sims, FLEET_PLAYBOOK, inventory=inventory, task_times=True)
        noop = runner.play(sims, FLEET_PLAYBOOK, inventory=inventory, task_times=True)
    return {"converge": converge, "no-op": noop}


def ansible_alone(runner: Runner, tasks: int, hosts: int, repeats: int) -> dict[str, Any]:
    """Ansible's own floor on this machine for a run of ``tasks`` tasks on ``hosts`` hosts (forks to match): a play
    of that many ``ansible.builtin.debug`` tasks, which do no work but still cost what every task costs (a worker
    forked per task and host, the result's trip back, the callbacks), after the same start-up. No role that runs
    that many tasks can cost less. The median of ``repeats`` runs by CPU, with every run's CPU and wall time."""
    book = runner.workdir / f"alone_{tasks}.yml"
    steps = [{"name": f"Task {i + 1} doing nothing", "ansible.builtin.debug": {"msg": "nothing"}} for i in range(tasks)]
    book.write_text(json.dumps([{"name": "Ansible alone", "hosts": "all", "connection": "local",
                                  "gather_facts": False, "tasks": steps}]))  # fmt: skip
    inventory = {"all": {"hosts": {f"host{i + 1:02d}": {} for i in range(hosts)}}}
    median = median_by_cpu([runner.play([], book, inventory=inventory, forks=hosts) for _ in range(repeats)])
    return {"tasks": tasks, "hosts": hosts, **{key: median[key] for key in ("wall_s", "cpu_s", "cpu_s_runs",
                                                                            "wall_s_runs")}}  # fmt: skip


def median_by_cpu(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of ``runs`` by CPU time, with every run's CPU and wall time in the order they ran: one run of a
    few seconds moves by 10 % with whatever else the machine does."""
    median = sorted(runs, key=lambda run: run["cpu_s"])[len(runs) // 2]
    return {**median, "cpu_s_runs": [run["cpu_s"] for run in runs], "wall_s_runs": [run["wall_s"] for run in runs]}


def dsr_vars(sim: Sim, size: int, **extra: Any) -> dict[str, Any]:
    connection = {k: v for k, v in pool_vars(sim, 0).items() if k.startswith("netscaler_")}
    return {**connection, "dsr_vserver_name": "bench-dsr", "dsr_vserver_vip": "192.0.2.81",
            "dsr_vserver_members": [{"ip": m["ip"]} for m in members(size)], **extra}  # fmt: skip


def floors(runner: Runner, results: dict[str, Any], repeats: int) -> list[dict[str, Any]]:
    """Ansible alone (ansible_alone()) for the runs issue 28's targets compare: the pool converge's and no-op's task
    counts on one host, and the fleet converge's on every fleet size."""
    wanted: list[tuple[int, int]] = []
    pool = next((r for r in results.get("speed") or [] if (r["role"], r["path"]) == ("pool", "fast")), None)
    if pool is not None:
        wanted += [(len(run.get("tasks", [])), 1) for run in pool["phases"].values()]
    for entry in results["fleet"]:
        wanted.append((len(entry["phases"]["converge"].get("tasks", [])), entry["appliances"]))
    measured = []
    for tasks, hosts in dict.fromkeys(wanted):
        if tasks:
            print(f"Ansible alone: {tasks} tasks that do nothing on {hosts} host(s) ...", flush=True)
            measured.append(ansible_alone(runner, tasks, hosts, repeats))
    return measured


def before_28(workdir: Path) -> tuple[Path | None, str]:
    """A collections path holding the collection as it was at BEFORE_28, from this checkout's git history, and
    where it came from (or why there is none: a checkout without that history)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BEFORE_28], capture_output=True, check=False)
    if archive.returncode != 0:
        return None, f"git archive {BEFORE_28[:12]} failed: {archive.stderr.decode(errors='replace').strip()[-200:]}"
    target = workdir / "before_28"
    dest = target / "ansible_collections" / "adcops" / "netscaler"
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return target, f"{BEFORE_28[:12]} (git history)"


def speed(runner: Runner, size: int, repeats: int = 3) -> list[dict[str, Any]]:
    """Issue 28: each role at N = ``size``, converge then no-op, three ways: with the NITRO modules in a fork of the
    worker (``fast``), the ordinary way (``ordinary``, ``netscaler_in_process: false``), and the collection as it was
    before issue 28's work (``before``, BEFORE_28: "today" in its targets; the pool role only, as the DSR role's
    appliance play did not change its module path then). Each way ``repeats`` times in turn on a simulator reset in
    between; every run with its CPU time and its tasks' times. A phase reports its median run by CPU time: one run
    of a few seconds moves by 10 % with whatever else the machine does, and the median of the runs of every way,
    taken in turn (each round starting with the next way), keeps the comparison fair."""
    before, source = before_28(runner.workdir)
    print(f"  before issue 28: {source if before else 'not measured: ' + source}", flush=True)
    rows: list[dict[str, Any]] = []
    for role, playbook, variables in (("pool", POOL_PLAYBOOK, pool_vars), ("dsr", DSR_PLAYBOOK, dsr_vars)):
        ways: dict[str, dict[str, Any]] = {"fast": {"netscaler_in_process": True},
                                           "ordinary": {"netscaler_in_process": False}}  # fmt: skip
        if before is not None and role == "pool":
            ways["before"] = {}
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {way: {} for way in ways}
        with simulators(1) as (sim,):
            order = list(ways)
            for repeat in range(repeats):
                # Each repeat starts with the next way: no way always runs first (or last) in its round.
                for way in order[repeat % len(order) :] + order[: repeat % len(order)]:
                    extra_vars = ways[way]
                    sim.control("POST", "reset")
                    extra = variables(sim, size, **extra_vars)
                    book, collections = playbook, None
                    if way == "before":
                        collections = before
                        book = before / "ansible_collections" / "adcops" / "netscaler" / "playbooks" / playbook.name
                    for phase in ("converge", "no-op"):
                        run = runner.play([sim], book, extra=extra, task_times=True, collections=collections)
                        runs[way].setdefault(phase, []).append(run)
        for way in ways:
            phases = {}
            for phase, measured in runs[way].items():
                phases[phase] = median_by_cpu(measured)
            row = {"role": role, "n": size, "path": way, "phases": phases}
            if way == "before":
                row["source"] = source
            rows.append(row)
    return rows


def find_official(workdir: Path) -> tuple[Path | None, str]:
    """A collections path holding netscaler.adc, and where it came from (or why there is none)."""
    given = os.environ.get(OFFICIAL_ENV)
    candidates = [Path(given)] if given else sorted((REPO.parent / "shared" / "anchors").glob("netscaler-adc-*.tar.gz"))
    for source in candidates:
        if source.is_dir():
            if (source / "ansible_collections" / "netscaler" / "adc").is_dir():
                return source, str(source)
            return None, f"{OFFICIAL_ENV}={source} holds no ansible_collections/netscaler/adc"
        if source.is_file():
            target = workdir / "official"
            proc = subprocess.run(
                [str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(target),
                 str(source)],
                capture_output=True, text=True, env=ansible_env(), check=False,
            )  # fmt: skip
            if proc.returncode == 0:
                return target, source.name
            return None, f"installing {source} failed: {proc.stderr.strip()[-300:]}"
        return None, f"{OFFICIAL_ENV}={source} does not exist"
    for base in (str(Path.home() / ".ansible" / "collections"), "/usr/share/ansible/collections"):
        if (Path(base) / "ansible_collections" / "netscaler" / "adc").is_dir():
            return Path(base), f"installed in {base}"
    return None, (
        f"netscaler.adc not found: set {OFFICIAL_ENV} to its tarball or collections path, "
        "or `ansible-galaxy collection install netscaler.adc`"
    )


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    ansible = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "ansible": ansible[0] if ansible else "",
    }


# -- report -----------------------------------------------------------------------------------------------------------
def fmt_run(run: dict[str, Any] | None) -> str:
    if not run:
        return ""
    methods = " ".join(f"{METHOD_LETTER[m]}{n}" for m, n in run["by_method"].items())
    return f"{run['requests']:>5} ({methods}) L{run['logins']} {run['wall_s']:7.2f}s {run['peak_mib']:6.0f}MiB"


def table(results: dict[str, Any]) -> list[str]:
    lines = ["", f"Machine: {results['machine']['cpus']} x {results['machine']['cpu']}, "
             f"{results['machine']['memory_gib']} GiB, load {results['machine']['load_average_at_start']}; "
             f"{results['machine']['ansible']}",
             "Cells: requests (GET/POST/pUt/DELETE) L<logins>, wall time of ansible-playbook, peak RSS of its tree.",
             f"Official collection: {results['official']['source']}", ""]  # fmt: skip
    head = f"{'N':>5} {'latency':>7} {'phase':<19} | {'adcops.netscaler role':<45} | {'netscaler.adc modules':<45} |"
    lines += [head + " ratio req / wall", "-" * (len(head) + 18)]
    for row in results["pool"]:
        ours, theirs = row["adcops"], row.get("official")
        ratio = ""
        if theirs:
            ratio = f"{theirs['requests'] / ours['requests']:5.0f}x / {theirs['wall_s'] / ours['wall_s']:4.0f}x"
        note = row.get("official_note", "")
        cell = fmt_run(theirs) if theirs else note
        lines.append(
            f"{row['n']:>5} {row['latency_ms']:>5g}ms {row['phase']:<19} | {fmt_run(ours):<45} | {cell:<45} | {ratio}"
        )
    lines += ["", f"{'appliances':>10} {'forks':>5} {'phase':<8} | {'requests (all)':>14} {'logins':>6} "
              f"{'wall':>8} {'cpu':>8} {'sim cpu':>8} {'peak':>8} | vs 1 appliance"]  # fmt: skip
    base = {p: r for f in results["fleet"] if f["appliances"] == 1 for p, r in f["phases"].items()}
    for entry in results["fleet"]:
        for phase, run in entry["phases"].items():
            factor = run["wall_s"] / base[phase]["wall_s"] if phase in base else float("nan")
            lines.append(
                f"{entry['appliances']:>10} {entry['appliances']:>5} {phase:<8} | {run['requests']:>14} "
                f"{run['logins']:>6} {run['wall_s']:>7.2f}s {run.get('cpu_s', float('nan')):>7.2f}s "
                f"{run.get('sim_cpu_s', float('nan')):>7.2f}s "
                f"{run['peak_mib']:>5.0f}MiB | {factor:.2f}x"
            )
    return lines + speed_table(results)


def speed_table(results: dict[str, Any]) -> list[str]:
    rows = results.get("speed") or []
    if not rows:
        return []
    lines = ["", "Controller cost (issue 28): NITRO modules in a fork of the worker (fast), the ordinary way, and the "
             f"collection before issue 28 ({BEFORE_28[:12]}); each phase the median of its runs by CPU (all runs' "
             "CPU in brackets)",
             f"{'role':<5} {'N':>4} {'phase':<9} | {'path':<8} | {'requests':>8} {'logins':>6} {'tasks':>5} "
             f"{'wall':>7} {'cpu':>7}"]  # fmt: skip
    for row in rows:
        for phase, run in row["phases"].items():
            spread = " ".join(f"{c:.2f}" for c in run.get("cpu_s_runs", []))
            lines.append(f"{row['role']:<5} {row['n']:>4} {phase:<9} | {row['path']:<8} | {run['requests']:>8} "
                         f"{run['logins']:>6} {len(run.get('tasks', [])):>5} {run['wall_s']:>6.2f}s "
                         f"{run['cpu_s']:>6.2f}s  [{spread}]")  # fmt: skip
    for row in rows:
        if row["role"] != "pool":
            continue
        run = row["phases"]["no-op"]
        tasks = run.get("tasks", [])
        total = sum(t["s"] for t in tasks)
        lines += [
            "",
            f"Profile, pool no-op N={row['n']}, {row['path']}: {run['wall_s']:.2f} s wall = "
            f"{run['wall_s'] - total:.2f} s start-up and exit + {total:.2f} s in {len(tasks)} tasks; slowest:",
        ]
        for task in sorted(tasks, key=lambda t: -t["s"])[:8]:
            lines.append(f"  {task['s']:6.3f}s  {task['action']:<40} {task['task'][:60]}")
    if results.get("ansible_alone"):
        lines += [
            "",
            "Ansible alone (ansible.builtin.debug tasks that do nothing, forks = hosts): what any run of "
            "that many tasks costs on this machine; the median of its runs by CPU (all runs' CPU in brackets)",
        ]
        for run in results["ansible_alone"]:
            spread = " ".join(f"{c:.2f}" for c in run["cpu_s_runs"])
            lines.append(f"  {run['tasks']:>3} tasks on {run['hosts']:>2} host(s): {run['wall_s']:6.2f}s wall "
                         f"{run['cpu_s']:6.2f}s CPU  [{spread}]")  # fmt: skip
    return lines


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def check(name: str, met: bool, value: str) -> None:
        checks.append({"target": name, "met": bool(met), "value": value})

    plain = [r for r in results["pool"] if r["latency_ms"] == 0]
    for phase in ("converge", "no-op", "one member changed", "absent"):
        counts = {r["n"]: r["adcops"]["requests"] for r in plain if r["phase"] == phase}
        check(f"{phase}: requests the same at every N", len(set(counts.values())) == 1, str(counts))
    noop = max(r["adcops"]["requests"] for r in plain if r["phase"] == "no-op")
    check(f"no-op at most {MAX_NOOP_REQUESTS} requests", noop <= MAX_NOOP_REQUESTS, str(noop))
    converge = max(r["adcops"]["requests"] for r in plain if r["phase"] == "converge")
    check(f"converge at most {MAX_CONVERGE_REQUESTS} requests", converge <= MAX_CONVERGE_REQUESTS, str(converge))
    logins = max(r["adcops"]["logins"] for r in results["pool"])
    check(f"at most {MAX_LOGINS} login per role run", logins <= MAX_LOGINS, str(logins))
    for phase in ("converge", "no-op"):
        row = next((r for r in plain if r["n"] == 100 and r["phase"] == phase and r.get("official")), None)
        if row is None:
            check(f"N=100 {phase}: >= {MIN_REQUEST_RATIO}x fewer requests, >= {MIN_WALL_RATIO}x less wall time",
                  False, "not measured: " + results["official"]["source"])  # fmt: skip
            continue
        req = row["official"]["requests"] / row["adcops"]["requests"]
        wall = row["official"]["wall_s"] / row["adcops"]["wall_s"]
        check(f"N=100 {phase}: >= {MIN_REQUEST_RATIO}x fewer requests than netscaler.adc", req >= MIN_REQUEST_RATIO,
              f"{req:.1f}x")  # fmt: skip
        check(f"N=100 {phase}: >= {MIN_WALL_RATIO}x less wall time than netscaler.adc", wall >= MIN_WALL_RATIO,
              f"{wall:.1f}x")  # fmt: skip
    big = next((r for r in plain if r["n"] == 1000 and r["phase"] == "converge"), None)
    if big:
        check(f"N=1000 converge under {MAX_N1000_CONVERGE_S} s", big["adcops"]["wall_s"] < MAX_N1000_CONVERGE_S,
              f"{big['adcops']['wall_s']:.1f} s")  # fmt: skip
    fleets = {f["appliances"]: f["phases"]["converge"]["wall_s"] for f in results["fleet"]}
    if 1 in fleets and 16 in fleets:
        factor = fleets[16] / fleets[1]

        def within(factor: float) -> bool:
            return factor < MAX_FLEET16_FACTOR

        check(f"16 appliances converge in less than {MAX_FLEET16_FACTOR}x the time of one",
              within(factor), f"{factor:.2f}x{alone_factor(results, 16, within)}")  # fmt: skip
    return checks + speed_targets(results)


def speed_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 28's targets; a MISSED one says what bounds it."""
    checks: list[dict[str, Any]] = []

    def check(name: str, met: bool, value: str) -> None:
        checks.append({"target": f"[28] {name}", "met": bool(met), "value": value})

    runs = {(r["role"], r["path"]): r for r in results.get("speed") or []}
    pool, ordinary, before = runs.get(("pool", "fast")), runs.get(("pool", "ordinary")), runs.get(("pool", "before"))
    if pool is None or ordinary is None:
        return checks
    n = pool["n"]

    def cpu_check(name: str, base: float, cpu: float, tasks: int) -> None:
        # Two decimals: a ratio of 2.97 must not print as the 3.0 it misses.
        value = f"{base:.2f} s -> {cpu:.2f} s ({base / cpu:.2f}x)"
        floor = alone(results, tasks, 1)
        if floor is not None:
            # What the run costs above Ansible's own cost for its tasks: the part a role or module can still cut.
            value += (f"; floor: Ansible alone, {tasks} tasks that do nothing, {floor['cpu_s']:.2f} s; above that "
                      f"floor {base - floor['cpu_s']:.2f} s -> {cpu - floor['cpu_s']:.2f} s "
                      f"({(base - floor['cpu_s']) / max(cpu - floor['cpu_s'], 0.01):.2f}x)")  # fmt: skip
        check(name, base >= MIN_CPU_RATIO * cpu, value)

    for phase, limit in (("no-op", MAX_SPEED_NOOP_S), ("converge", MAX_SPEED_CONVERGE_S)):
        wall = pool["phases"][phase]["wall_s"]
        check(f"pool {phase} at N={n} at most {limit:g} s wall", wall <= limit,
              f"{wall:.2f} s (ordinary path {ordinary['phases'][phase]['wall_s']:.2f} s)")  # fmt: skip
        if ("dsr", "fast") in runs:
            dsr = runs["dsr", "fast"]["phases"][phase]["wall_s"]
            check(f"DSR role {phase} within {MAX_DSR_FACTOR:g}x of {limit:g} s", dsr <= MAX_DSR_FACTOR * limit,
                  f"{dsr:.2f} s")  # fmt: skip
        cpu = pool["phases"][phase]["cpu_s"]
        tasks = len(pool["phases"][phase].get("tasks", []))
        # The target: "today" is the collection before issue 28's work, measured in the same run.
        name = f"pool {phase}: controller CPU at least {MIN_CPU_RATIO:g}x less than before issue 28"
        if before is None:
            check(name, False, "not measured: the commit before issue 28 is not in this checkout's history")
        else:
            cpu_check(name, before["phases"][phase]["cpu_s"], cpu, tasks)
        # Stricter, and what the in-process path alone is worth: the same roles on the ordinary module path, which
        # gained every task cut too.
        cpu_check(
            f"pool {phase}: controller CPU at least {MIN_CPU_RATIO:g}x less than the ordinary path",
            ordinary["phases"][phase]["cpu_s"],
            cpu,
            tasks,
        )
        for key in ("requests", "logins"):
            got, want = pool["phases"][phase][key], ordinary["phases"][phase][key]
            check(f"pool {phase}: {key} the same on both paths", got == want, f"{got} / {want}")
        if before is not None:
            got, want = pool["phases"][phase]["requests"], before["phases"][phase]["requests"]
            check(f"pool {phase}: requests unchanged since before issue 28", got == want, f"{got} / {want}")
    fleets = {f["appliances"]: f["phases"]["converge"] for f in results["fleet"]}
    one = fleets.get(1)
    for count, limit in ((4, MAX_FLEET4_FACTOR_28), (16, MAX_FLEET16_FACTOR_28)):
        if one is None or count not in fleets:
            continue
        factor = fleets[count]["wall_s"] / one["wall_s"]
        # With forks = appliances the runs share this machine's cores, with the simulators that stand in for the
        # appliances: the floor is all that CPU over the cores.
        used = fleets[count]["cpu_s"] + fleets[count].get("sim_cpu_s", 0.0)
        floor = used / (os.cpu_count() or 1) / one["wall_s"]

        def within(factor: float, limit: float = limit) -> bool:
            return factor <= limit

        check(f"{count} appliances (forks {count}) converge within {limit:g}x of one", within(factor),
              f"{factor:.2f}x; CPU-bound floor on {os.cpu_count()} cores: {floor:.2f}x ({fleets[count]['cpu_s']:.1f} "
              f"s CPU for {count} runs, {fleets[count].get('sim_cpu_s', 0.0):.1f} s of the simulators)"
              f"{alone_factor(results, count, within)}")  # fmt: skip
    return checks


def alone(results: dict[str, Any], tasks: int, hosts: int) -> dict[str, Any] | None:
    """The Ansible-alone run (ansible_alone()) of ``tasks`` tasks on ``hosts`` hosts, if the bench measured it."""
    return next((a for a in results.get("ansible_alone") or [] if (a["tasks"], a["hosts"]) == (tasks, hosts)), None)


def alone_factor(results: dict[str, Any], count: int, within: Callable[[float], bool]) -> str:
    """How much longer Ansible alone takes for the fleet converge's tasks on ``count`` hosts than on one: what a
    role of that many tasks cannot beat on this machine, whatever its tasks do (empty if not measured). ``within``:
    the target's own test of a factor, so Ansible alone is judged as the roles are."""
    fleet = {f["appliances"]: f["phases"]["converge"] for f in results["fleet"]}
    tasks = len(fleet.get(1, {}).get("tasks", []))
    one, many = alone(results, tasks, 1), alone(results, tasks, count)
    if not tasks or one is None or many is None:
        return ""
    factor = many["wall_s"] / one["wall_s"]
    return (
        f"; Ansible alone, {tasks} tasks that do nothing: {factor:.2f}x ({one['wall_s']:.2f} s -> {many['wall_s']:.2f}"
        f" s){'' if within(factor) else ', over the target: Ansible alone misses it on this machine'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="pool sizes (default 10,100,1000)")
    parser.add_argument("--official-sizes", default="10,100", help="pool sizes for netscaler.adc (default 10,100)")
    parser.add_argument("--fleets", default="1,4,16", help="appliance counts (default 1,4,16)")
    parser.add_argument("--fleet-members", type=int, default=100, help="pool size per appliance (default 100)")
    parser.add_argument("--latency-ms", type=float, default=20, help="the remote-appliance run at N=100 (0: skip)")
    parser.add_argument("--no-official", action="store_true", help="skip the netscaler.adc column")
    parser.add_argument(
        "--official-latency", action="store_true", help="also run netscaler.adc in the latency run (long)"
    )
    parser.add_argument("--speed-size", type=int, default=100, help="pool size of the issue 28 runs (0: skip)")
    parser.add_argument("--speed-repeats", type=int, default=3, help="runs of each issue 28 way and phase (median)")
    parser.add_argument("--output", default=str(RESULTS), help="where to write the JSON results")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    official_sizes = {int(s) for s in args.official_sizes.split(",") if s}
    fleets = [int(s) for s in args.fleets.split(",") if s]

    workdir = Path(tempfile.mkdtemp(prefix="adcops-bench-"))
    started = time.monotonic()
    try:
        results: dict[str, Any] = {"machine": machine(), "pool": [], "fleet": [], "speed": []}
        official, source = (None, "skipped (--no-official)") if args.no_official else find_official(workdir)
        results["official"] = {"source": source if official else f"column skipped: {source}"}
        if official is None:
            print(f"netscaler.adc column skipped: {source}", flush=True)
        runner = Runner(workdir, official)

        runs = [(n, 0.0) for n in sizes] + ([(100, args.latency_ms)] if args.latency_ms else [])
        rows: dict[tuple[int, float], list[dict[str, Any]]] = {}
        for size, latency in runs:
            print(f"N={size} latency={latency:g}ms: adcops.netscaler role ...", flush=True)
            ours = role_phases(runner, size, latency)
            rows[size, latency] = []
            for phase, run in ours.items():
                print(f"  {phase:<19} {fmt_run(run)}", flush=True)
                row = {"n": size, "latency_ms": latency, "phase": phase, "adcops": run}
                if official is not None:
                    row["official_note"] = "not measured (converge and no-op only)"
                rows[size, latency].append(row)
                results["pool"].append(row)
            save(args.output, results)
        if args.speed_size:
            print(f"controller cost at N={args.speed_size}: fast, ordinary and before issue 28 ...", flush=True)
            results["speed"] = speed(runner, args.speed_size, args.speed_repeats)
            save(args.output, results)
        for count in fleets:
            print(f"fleet of {count} appliances, N={args.fleet_members} each ...", flush=True)
            results["fleet"].append(
                {"appliances": count, "members": args.fleet_members,
                 "phases": fleet(runner, count, args.fleet_members)}
            )  # fmt: skip
            save(args.output, results)
        results["ansible_alone"] = floors(runner, results, args.speed_repeats)
        save(args.output, results)
        # netscaler.adc last and smallest first: by far the longest part, and an estimate can skip a size.
        last_official: tuple[int, float] | None = None  # (N, seconds for converge + no-op)
        for size, latency in sorted(runs, key=lambda run: (run[1], run[0])) if official is not None else []:
            estimate = last_official[1] * size / last_official[0] if last_official else None
            if latency and not args.official_latency:
                note = "not run (--official-latency)"
            elif not latency and size not in official_sizes:
                note = "not run (--official-sizes)"
                if estimate is not None and estimate > OFFICIAL_LIMIT_S:
                    note = f"skipped: about {estimate / 60:.0f} min (over {OFFICIAL_LIMIT_S // 60} min)"
            else:
                print(f"N={size} latency={latency:g}ms: netscaler.adc modules ...", flush=True)
                theirs = official_phases(runner, size, latency)
                for phase, run in theirs.items():
                    print(f"  {phase:<19} {fmt_run(run)}", flush=True)
                if not latency:
                    last_official = (size, theirs["converge"]["wall_s"] + theirs["no-op"]["wall_s"])
                for row in rows[size, latency]:
                    if row["phase"] in theirs:
                        row["official"] = theirs[row["phase"]]
                        row.pop("official_note", None)
                save(args.output, results)
                continue
            for row in rows[size, latency]:
                row["official_note"] = note
        results["targets"] = check_targets(results)
        results["total_s"] = round(time.monotonic() - started, 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    lines = table(results)
    lines += ["", "Targets (issue 17; [28]: issue 28):"]
    lines += [f"  {'met   ' if c['met'] else 'MISSED'} {c['target']}: {c['value']}" for c in results["targets"]]
    lines.append(f"\nbench finished in {results['total_s']:.0f} s; results in {args.output}")
    print("\n".join(lines))
    save(args.output, results)
    return 0


def save(path: str, results: dict[str, Any]) -> None:
    """Written after every scenario, so a long run that is stopped still leaves what it measured."""
    Path(path).write_text(json.dumps(results, indent=1) + "\n")
