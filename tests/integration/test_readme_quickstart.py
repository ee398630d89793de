"""README.md's quickstart, run as written: its inventory, credentials and pool files and its two commands.

The README is the one page a NetScaler engineer reads before pointing the collection at an appliance, so its
quickstart must work word for word. The simulator stands in for the appliance over HTTPS with certificate
verification on (the README's default), its certificate named by NETSCALER_CA_BUNDLE as the README says to for a
private CA; only the NSIP of the inventory is replaced by the simulator's. The recap and the refusal the README
quotes are checked against what the runs print.
"""

from __future__ import annotations

import re
import shlex
import subprocess

import yaml

from tests.helpers.runner import REPO, VENV_BIN, ansible_env

README = (REPO / "README.md").read_text(encoding="utf-8")
README_NSIP = "192.0.2.10"


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block, its indentation (inside a list item) removed."""
    blocks = []
    for match in re.finditer(r"^( *)```(\w*)\n(.*?)^\1```", text, re.S | re.M):
        indent = len(match.group(1))
        body = "\n".join(line[indent:] for line in match.group(3).splitlines())
        blocks.append((match.group(2), body + "\n"))
    return blocks


def quickstart() -> dict[str, str]:
    """The quickstart's files by name (a block whose first line is `# <name>`) and its commands."""
    section = README[README.index("## Quickstart") : README.index("## Permissions")]
    found: dict[str, str] = {}
    for language, body in fenced_blocks(section):
        first = body.splitlines()[0]
        if language == "yaml" and first.startswith("# "):
            found[first[2:].strip()] = body
        elif language == "sh" and "ansible-playbook" in body:
            found["commands"] = body
        elif language == "sh" and "export" in body:
            found["credentials"] = body
        elif language == "text":
            found["refusal"] = body
    return found


def run(command: str, cwd, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command)
    assert argv[0] == "ansible-playbook", command
    argv[0] = str(VENV_BIN / "ansible-playbook")
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_readme_is_short():
    # issue 27: a README a NetScaler engineer reads in full; the rest lives in docs/
    assert len(README.encode()) < 12 * 1024, len(README.encode())


def test_the_quickstart_converges_a_pool_as_the_readme_says(sim_tls, tmp_path):
    files = quickstart()
    assert {"inventory.yml", "pool.yml", "commands", "credentials", "refusal"} <= set(files), sorted(files)
    # the credentials the README exports, with this appliance's values
    exported = re.findall(r"export (NETSCALER_\w+)", files["credentials"])
    assert exported == ["NETSCALER_NITRO_USER", "NETSCALER_NITRO_PASS", "NETSCALER_CA_BUNDLE"], exported
    env = ansible_env(
        {
            "NETSCALER_NITRO_USER": sim_tls.user,
            "NETSCALER_NITRO_PASS": sim_tls.password,
            "NETSCALER_CA_BUNDLE": sim_tls.cert_path,
        }
    )
    assert README_NSIP in files["inventory.yml"]
    (tmp_path / "inventory.yml").write_text(files["inventory.yml"].replace(README_NSIP, sim_tls.nsip))
    (tmp_path / "pool.yml").write_text(files["pool.yml"])
    pool = yaml.safe_load(files["pool.yml"])
    check, apply = [line for line in files["commands"].splitlines() if line.startswith("ansible-playbook")]
    assert "--check" in check and "--check" not in apply

    sim_tls.clear_requests()
    proc = run(check, tmp_path, env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    writes = sim_tls.writes()
    assert writes == [], writes  # check mode: reads only
    assert "--- before" in proc.stdout  # and --diff shows what would change

    proc = run(apply, tmp_path, env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    recap = re.search(r"^adc01\s+: (.*)$", proc.stdout, re.M)
    assert recap, proc.stdout[-2000:]
    promised = re.search(r"`adc01 : ok=(\d+) changed=(\d+) \.\.\. failed=0`", README)
    assert promised, "the README no longer quotes the recap line"
    assert f"ok={promised.group(1)} " in recap.group(1) and f"changed={promised.group(2)} " in recap.group(1)
    assert "failed=0" in recap.group(1)
    vserver = sim_tls.nitro("GET", f"lbvserver/{pool['healthchecked_pool_name']}")[1]["lbvserver"][0]
    assert vserver["ipv46"] == pool["healthchecked_pool_vip"]
    bound = sim_tls.nitro("GET", f"lbvserver_service_binding/{pool['healthchecked_pool_name']}")[1]
    weights = sorted(int(b["weight"]) for b in bound["lbvserver_service_binding"])
    assert weights == sorted(m.get("weight", 1) for m in pool["healthchecked_pool_members"])

    sim_tls.clear_requests()
    proc = run(apply, tmp_path, env)
    assert proc.returncode == 0 and re.search(r"^adc01\s+: ok=\d+\s+changed=0 ", proc.stdout, re.M), proc.stdout[-3000:]
    writes = sim_tls.writes()
    assert writes == [], writes

    # The refusal the README quotes, from the two mistakes it names: nothing sent but the plan's refusal.
    sim_tls.clear_requests()
    proc = run(apply + " -e healthchecked_pool_lbmethod=LEASTCONECTION -e '{\"healthchecked_pool_member\": []}'",
               tmp_path, env)  # fmt: skip
    assert proc.returncode != 0
    quoted = " ".join(files["refusal"].split()).removesuffix("...").strip()
    assert quoted in " ".join(proc.stdout.split()), proc.stdout[-3000:]
    assert sim_tls.requests() == []
