"""extensions/command_policies/policies.yml is complete and consistent: an entry for every role that talks to NITRO
and every playbook that runs one, the derived ALLOW expression and CLI lines and docs/permissions.md exactly what
its `commands` give, expressions every regex dialect reads alike; and the NITRO-to-CLI translation
(tests/nitro_sim/cli_commands.py) the policy tests rely on, including its refusal of what it cannot name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.helpers import command_policies as cp
from tests.nitro_sim.cli_commands import UnmappedRequest, commands

REPO = cp.REPO
DATA = cp.load()
ROLES = DATA["roles"]
# Roles that send no NITRO request: the backend side of DSR (SSH/WinRM on the backends) and the connection
# resolver, whose HA read (show ha node) every policy carries.
NOT_NITRO = {"dsr_backend", "netscaler_node"}


def test_every_role_that_talks_to_nitro_has_a_policy():
    roles = {p.name for p in (REPO / "roles").iterdir() if (p / "tasks").is_dir()}
    assert set(ROLES) == roles - NOT_NITRO
    for name, role in ROLES.items():
        assert role["used_by"][0] == f"roles/{name}"
        for path in role["used_by"]:
            assert (REPO / path).exists(), path
        # every policy lets the HA gate read the nodes (roles/netscaler_node, tasks_from: session)
        assert {"verbs": ["show"], "object": "ha node"} in role["commands"], name


def test_every_playbook_that_runs_a_role_is_listed_with_it():
    for playbook in sorted((REPO / "playbooks").glob("*.yml")):
        text = playbook.read_text(encoding="utf-8")
        used = set(re.findall(r"adcops\.netscaler\.(\w+)", text)) & set(ROLES)
        assert used, playbook.name
        for role in used:
            assert f"playbooks/{playbook.name}" in ROLES[role]["used_by"], (playbook.name, role)


def test_the_derived_expression_and_cli_lines_are_what_commands_give():
    for name, role in ROLES.items():
        want = cp.cli(role, DATA["user"])
        assert role["cmdspec"] == cp.cmdspec(role), f"{name}: run python -m tests.helpers.command_policies --write"
        assert role["cli"] == want, f"{name}: expected cli:\n{want}"
        assert f'ALLOW "{role["cmdspec"]}"' in role["cli"]


def test_docs_permissions_is_rendered_from_the_file():
    page = (REPO / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert cp.doc_part(page) == cp.markdown(DATA), "run python -m tests.helpers.command_policies --write"
    for role in ROLES.values():
        assert role["cmdspec"] in page


def test_the_readme_shows_the_pool_policy_and_the_global_changes_from_the_file():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert cp.doc_part(readme) == cp.readme_markdown(DATA), "run python -m tests.helpers.command_policies --write"
    assert ROLES[cp.README_ROLE]["cli"].splitlines()[0] in readme


@pytest.mark.parametrize("name", sorted(ROLES))
def test_each_expression_reads_alike_in_every_dialect(name):
    spec = ROLES[name]["cmdspec"]
    # no '?': the CLI reads it as a request for help; no quote: the CLI line quotes the expression with '"'
    assert "?" not in spec and '"' not in spec and "'" not in spec
    # only groups, alternation, anchors, \s, \S and [\s\S], * and +, and plain words: what PCRE and Python share
    assert re.fullmatch(r"(\^|\$|\(|\)|\||\\s\+|\\s|\\S|\[\\s\\S\]\*|\.\*|\*|[A-Za-z0-9_ -])+", spec), spec
    assert spec.startswith("^(") and spec.endswith(cp.SUFFIX)
    re.compile(spec)


def test_policy_names_priorities_and_user_are_valid_cli_names():
    # "one to 31 letters, numbers, ..." (NetScaler 9.3 Administration Guide, command policy name); no blanks, so
    # the CLI lines need no quoting
    for value in [DATA["user"], *(r["policy"] for r in ROLES.values())]:
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.#@=:-]{0,30}", value), value
    priorities = [r["priority"] for r in ROLES.values()]
    assert len(set(priorities)) == len(priorities) and all(isinstance(p, int) and p > 0 for p in priorities)


def test_global_changes_name_real_role_variables():
    specs = {}
    for name in ROLES:
        loaded = yaml.safe_load((REPO / "roles" / name / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
        specs[name] = set(loaded["argument_specs"]["main"]["options"])
    for change in DATA["global_changes"]:
        for role in change["role"].split(", "):
            assert role in ROLES
        for variable in re.findall(r"\b(?:healthchecked_pool|dsr_vserver|quiet_vip|pool_member)_\w+", change["when"]):
            role = next(r for r in ROLES if variable.startswith(r + "_"))
            assert variable in specs[role], variable
        for key in ("change", "scope"):
            assert change[key].strip()
        assert change.get("undo") or change.get("note"), change


# -- the NITRO -> CLI translation ---------------------------------------------------------------------------------

CONFIG = "/nitro/v1/config/"


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "want"),
    [
        ("GET", "lbvserver/web", {}, None, ["show lb vserver web"]),
        ("GET", "lbvserver", {"attrs": "name", "filter": "ipv46:10.0.0.1"}, None, ["show lb vserver"]),
        ("GET", "nsip/10.0.0.1", {"args": "td:0"}, None, ["show ns ip 10.0.0.1 -td 0"]),
        ("GET", "lbvserver_service_binding/web", {}, None, ["show lb vserver web"]),
        ("GET", "service_lbmonitor_binding", {"bulkbindings": "yes"}, None, ["show service"]),
        ("GET", "lbmonitor_binding/web-hc", {}, None, ["show lb monitor web-hc"]),
        ("GET", "hanode", {}, None, ["show ha node"]),
        ("GET", "/nitro/v1/stat/service/web%25201", {}, None, ['stat service "web 1"']),
        ("POST", "lbvserver", {}, {"lbvserver": {"name": "web", "servicetype": "HTTP"}},
         ["add lb vserver web -servicetype HTTP"]),
        ("POST", "service", {}, {"service": [{"name": "a", "ip": "10.0.0.1"}, {"name": "b", "ip": "10.0.0.2"}]},
         ["add service a -ip 10.0.0.1", "add service b -ip 10.0.0.2"]),
        ("PUT", "nstcpparam", {}, {"nstcpparam": {"downstaterst": "ENABLED"}},
         ["set ns tcpParam -downstaterst ENABLED"]),
        ("PUT", "lbvserver/web", {}, {"lbvserver": {"name": "web", "lbmethod": "ROUNDROBIN"}},
         ["set lb vserver web -lbmethod ROUNDROBIN"]),
        ("DELETE", "lbmonitor/web-hc", {"args": "type:TCP"}, None, ["rm lb monitor web-hc -type TCP"]),
        ("POST", "server", {"action": "rm"}, {"server": [{"name": "10.0.0.1"}]}, ["rm server 10.0.0.1"]),
        ("PUT", "lbvserver_service_binding", {},
         {"lbvserver_service_binding": {"name": "web", "servicename": "a", "weight": 2}},
         ["bind lb vserver web a -weight 2"]),
        ("POST", "lbvserver_service_binding", {}, {"lbvserver_service_binding": {"name": "web", "servicename": "a"}},
         ["bind lb vserver web a"]),
        ("DELETE", "lbvserver_service_binding/web", {"args": "servicename:a"}, None, ["unbind lb vserver web a"]),
        ("PUT", "service_lbmonitor_binding", {},
         {"service_lbmonitor_binding": [{"name": "a", "monitor_name": "m", "monstate": "ENABLED"}]},
         ["bind service a -monitorName m -monstate ENABLED"]),
        ("POST", "service_lbmonitor_binding", {"action": "unbind"},
         {"service_lbmonitor_binding": [{"name": "a", "monitor_name": "m"}]}, ["unbind service a -monitorName m"]),
        ("PUT", "lbmonitor_service_binding", {},
         {"lbmonitor_service_binding": {"monitorname": "m", "servicename": "a"}}, ["bind lb monitor m a"]),
        ("POST", "service", {"action": "disable"}, {"service": {"name": "a", "graceful": "YES", "delay": 30}},
         ["disable service a -graceful YES -delay 30"]),
        ("POST", "lbmonitor", {"action": "unset"}, {"lbmonitor": {"monitorname": "m", "type": "HTTP",
                                                                   "customheaders": True}},
         ["unset lb monitor m -type HTTP -customheaders"]),
        ("POST", "service", {"action": "rename"}, {"service": {"name": "a-recreate", "newname": "a"}},
         ["rename service a-recreate a"]),
        ("POST", "nsconfig", {"action": "save"}, {"nsconfig": {}}, ["save ns config"]),
        ("POST", "nsmode", {"action": "enable"}, {"nsmode": {"mode": ["MBF"]}}, ["enable ns mode MBF"]),
        ("POST", "login", {}, {"login": {"username": "u", "password": "***"}}, []),
        ("POST", "logout", {}, {"logout": {}}, []),
    ],
)  # fmt: skip
def test_a_nitro_request_is_the_cli_command_it_runs_as(method, path, query, body, want):
    full = path if path.startswith("/") else CONFIG + path
    assert commands(method, full, query, body) == want


def test_a_value_with_blanks_or_line_breaks_is_quoted():
    (cmd,) = commands(
        "PUT", CONFIG + "lbmonitor", {}, {"lbmonitor": {"monitorname": "m", "customheaders": "Host: x\r\n"}}
    )
    assert cmd == 'set lb monitor m -customheaders "Host: x\r\n"'


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("GET", CONFIG + "systemuser", {}),  # a resource no module uses
        ("POST", CONFIG + "lbvserver", {"action": "kill"}),  # an action without a CLI verb mapped
        ("GET", CONFIG + "lbvserver", {"sortby": "name"}),  # a read option not mapped
        ("PUT", CONFIG + "lbvserver_binding", {}),  # an aggregate is read-only
        ("DELETE", "/nitro/v1/stat/lbvserver/web", {}),
        ("GET", "/nitro/v2/config/lbvserver", {}),
        ("GET", "/nitro/v1/stat/systemuser", {}),
    ],
)
def test_a_request_with_no_cli_command_mapped_raises(method, path, query):
    with pytest.raises(UnmappedRequest):
        commands(method, path, query, None)


def test_the_translation_module_is_shipped_with_the_simulator():
    # the simulator enforces a policy with it, and users load the simulator from the installed collection
    assert Path(commands.__code__.co_filename).parent.name == "nitro_sim"
