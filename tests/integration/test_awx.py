"""AWX / Automation Platform: the credential type, the survey specs and the execution environment.

The credential type is rendered the way AWX renders it (awx/main/models/credential: an
ImmutableSandboxedEnvironment over the credential's non-empty inputs, an unset boolean as False; each file
injector written to a file of its own, named in the ``tower.filename`` namespace of the env injectors; at type
creation every field is 'EXAMPLE' and every file 'EXAMPLE_FILENAME' under StrictUndefined), and the playbooks
run under that environment alone.
Surveys are answered with the values AWX puts in extra_vars: strings for text, textarea and multiplechoice,
integers for integer questions.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile
import types
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tests.helpers.backends import backend_factory  # noqa: F401  (fixture)
from tests.helpers.fleet import run_inventory_playbook
from tests.helpers.runner import REPO, VENV_BIN, ansible_env, recap, run_module, run_playbook
from tests.nitro_sim import Simulator
from tests.nitro_sim.pytest_plugin import SimHandle

AWX = REPO / "extensions" / "awx"
CREDENTIAL_TYPE = AWX / "credential_types" / "netscaler_nitro.yml"
SURVEYS = AWX / "surveys"
EE_DEFINITION = REPO / "extensions" / "ee" / "execution-environment.yml"
# The NETSCALER_* variables the modules read (module_utils/_module.py), which netscaler.adc reads too.
MODULE_ENV = {
    "NETSCALER_NSIP",
    "NETSCALER_NITRO_USER",
    "NETSCALER_NITRO_PASS",
    "NETSCALER_NITRO_AUTH_TOKEN",
    "NETSCALER_NITRO_PROTOCOL",
    "NETSCALER_VALIDATE_CERTS",
    "NETSCALER_CA_BUNDLE",
    "NETSCALER_NITRO_TIMEOUT",
}
SECRET = "Awx-$ecret'\"\\42&x=1"
FIELD_KEYS = {
    "id",
    "label",
    "type",
    "help_text",
    "multiline",
    "secret",
    "ask_at_runtime",
    "default",
    "choices",
    "format",
}


def credential_type() -> dict[str, Any]:
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


_PRIVATE_DATA_DIRS: list[str] = []


def private_data_dir() -> Path:
    """Where AWX writes a job's credential files (<private_data_dir>/env), one per test session."""
    if not _PRIVATE_DATA_DIRS:
        _PRIVATE_DATA_DIRS.append(tempfile.mkdtemp(prefix="awx-private-data-"))
        atexit.register(shutil.rmtree, _PRIVATE_DATA_DIRS[0], True)
        os.mkdir(Path(_PRIVATE_DATA_DIRS[0]) / "env")
    return Path(_PRIVATE_DATA_DIRS[0])


def awx_inject(ctype: dict[str, Any], inputs: dict[str, Any]) -> dict[str, str]:
    """The environment AWX injects for a credential with ``inputs`` (CredentialType.inject_credential): the file
    injectors first, each written to a new file of mode 0600, then the env injectors with ``tower.filename.<name>``
    naming the file of ``template.<name>``."""
    namespace: dict[str, Any] = {}
    for name, value in inputs.items():
        if isinstance(value, bool) or len(value):
            namespace[name] = value
    for field in ctype["inputs"]["fields"]:
        if field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
    env = ImmutableSandboxedEnvironment()
    namespace["tower"] = types.SimpleNamespace(filename=types.SimpleNamespace())
    for label, template in ctype["injectors"].get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=private_data_dir() / "env")
        with os.fdopen(handle, "w") as out:
            out.write(env.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        setattr(namespace["tower"].filename, label.split(".")[1], path)
    return {name: env.from_string(tmpl).render(**namespace) for name, tmpl in ctype["injectors"]["env"].items()}


def test_credential_type_is_valid_for_awx():
    ctype = credential_type()
    assert ctype["kind"] in ("cloud", "net")
    assert ctype["name"] and ctype["description"]
    fields = ctype["inputs"]["fields"]
    ids = [f["id"] for f in fields]
    assert len(ids) == len(set(ids))
    for field in fields:
        assert set(field) <= FIELD_KEYS, field
        assert re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", field["id"]) and field["id"] != "tower"
        kind = field.get("type", "string")
        assert kind in ("string", "boolean")
        if kind != "string":
            assert not {"choices", "multiline", "format", "secret"} & set(field), field
        if "default" in field:
            assert type(field["default"]) is {"string": str, "boolean": bool}[kind], field
    assert set(ctype["inputs"].get("required", [])) <= set(ids)
    secrets = {f["id"] for f in fields if f.get("secret")}
    assert secrets == {"password", "auth_token"}  # a CA certificate is public
    assert {f["id"] for f in fields if f.get("multiline")} == {"ca_bundle"}
    # exactly the variables the modules read, nothing for Ansible itself
    env = ctype["injectors"]["env"]
    assert set(env) == MODULE_ENV
    assert set(ctype["injectors"]) == {"env", "file"}
    # AWX's multi-file syntax (template.<name>, not a bare template beside others), each named by a field
    files = ctype["injectors"]["file"]
    assert all(re.match(r"^template\.[a-zA-Z_]+[a-zA-Z0-9_]*$", label) for label in files), files
    assert {label.split(".")[1] for label in files} <= set(ids)
    # AWX renders every template at type creation with each field set to 'EXAMPLE', each file name to
    # 'EXAMPLE_FILENAME', and StrictUndefined (awx/main/fields.py, CredentialTypeInjectorField.validate)
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    filenames = types.SimpleNamespace(**{label.split(".")[1]: "EXAMPLE_FILENAME" for label in files})
    namespace = {**dict.fromkeys(ids, "EXAMPLE"), "tower": types.SimpleNamespace(filename=filenames)}
    for template in [*env.values(), *files.values()]:
        strict.from_string(template).render(namespace)
    # the environment variable names the modules fall back to are these
    module_utils = (REPO / "plugins" / "module_utils" / "_module.py").read_text()
    assert set(re.findall(r'"(NETSCALER_[A-Z_]+)"', module_utils)) >= MODULE_ENV


def password_credential(sim: SimHandle) -> dict[str, str]:
    """The environment AWX injects for a password credential of the simulator ``sim`` (NITRO over http)."""
    return awx_inject(
        credential_type(), {"host": sim.nsip, "username": sim.user, "password": SECRET, "protocol": "http"}
    )


def test_credential_injection_defaults_are_safe():
    ctype = credential_type()
    # created through the API with only the essentials: certificates are validated, protocol https
    env = awx_inject(ctype, {"username": "u", "password": SECRET})
    assert env["NETSCALER_VALIDATE_CERTS"] == "true"
    assert env["NETSCALER_NITRO_PROTOCOL"] == "https"
    assert env["NETSCALER_NSIP"] == "" and env["NETSCALER_NITRO_AUTH_TOKEN"] == ""
    assert env["NETSCALER_NITRO_PASS"] == SECRET
    env = awx_inject(ctype, {"host": "192.0.2.1", "protocol": "http", "skip_cert_validation": True})
    assert env["NETSCALER_VALIDATE_CERTS"] == "false" and env["NETSCALER_NITRO_PROTOCOL"] == "http"


PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----"


def test_credential_injects_the_ca_bundle_as_a_file_only_when_given():
    ctype = credential_type()
    # empty fields: both variables empty, which the modules read as unset (module_utils/_module.py env_fallback),
    # so the default trust store and the 60-second budget apply
    for inputs in ({"username": "u", "password": SECRET}, {"username": "u", "ca_bundle": "", "nitro_timeout": ""}):
        env = awx_inject(ctype, inputs)
        assert env["NETSCALER_CA_BUNDLE"] == "" and env["NETSCALER_NITRO_TIMEOUT"] == "", env
    env = awx_inject(ctype, {"username": "u", "password": SECRET, "ca_bundle": PEM, "nitro_timeout": "20"})
    bundle = Path(env["NETSCALER_CA_BUNDLE"])
    assert bundle.parent == private_data_dir() / "env" and bundle.read_text() == PEM
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    assert env["NETSCALER_NITRO_TIMEOUT"] == "20"
    assert SECRET not in bundle.read_text()


@pytest.fixture(scope="module")
def secret_sim():
    """A simulator whose password is SECRET (the shared one's password equals its user name)."""
    with Simulator(user="awx-user", password=SECRET, time_scale=0.05) as simulator:
        yield SimHandle(simulator.url, simulator.user, simulator.password, simulator)


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "ordinary-path"])
def test_credential_alone_converges_the_pool_and_hides_the_secret(secret_sim, backend_factory, in_process):  # noqa: F811
    sim = secret_sim
    sim.reset()
    backend = backend_factory()
    env = password_credential(sim)
    pool = {
        "healthchecked_pool_name": "awx",
        "healthchecked_pool_vip": "127.9.30.1",
        "healthchecked_pool_members": [{"ip": backend.host, "port": backend.port}],
        # both ways a NITRO module runs on the controller (plugins/plugin_utils/_in_process.py)
        "netscaler_in_process": in_process,
    }
    proc = run_inventory_playbook(
        REPO / "playbooks" / "healthchecked_pool.yml", "localhost,", extra_vars=pool, env=env, verbosity=4
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert recap(proc.stdout)["changed"] >= 3
    vservers = sim.state()["lbvserver"]
    assert vservers["awx"]["ipv46"] == "127.9.30.1"
    # really -vvvv: every module invocation with its arguments is printed, and on the ordinary path the commands
    # that run the modules; on the in-process path the reason it was taken
    assert '"module_args"' in output
    if in_process:
        assert "run in a fork of the controller's worker" in output and "AnsiballZ" not in output
    else:
        assert "EXEC /bin/sh -c" in output and "AnsiballZ_lb_service.py" in output
    for form in (SECRET, json.dumps(SECRET)[1:-1], quote(SECRET), quote(SECRET, safe=""),
                 base64.b64encode(SECRET.encode()).decode(), SECRET.replace("'", "\\'")):  # fmt: skip
        assert form not in output, f"secret leaked as {form!r}"
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output  # the password did reach the modules


def test_credential_ca_bundle_and_timeout_reach_the_modules(sim_tls, backend_factory):  # noqa: F811
    """The injected environment alone, as AWX runs a job: the pasted CA is trusted for an appliance with a private
    CA (and without it the certificate is not), and the timeout is each operation's budget."""
    ctype = credential_type()
    base = {"host": sim_tls.nsip, "username": sim_tls.user, "password": sim_tls.password, "protocol": "https"}
    trusted = awx_inject(ctype, {**base, "ca_bundle": Path(sim_tls.cert_path).read_text()})
    result = run_module("ns_hanode_info", {}, env=trusted)
    assert result.get("failed") is not True, result.get("msg")
    assert result["ha_role"] == "standalone"
    # an empty field: NETSCALER_CA_BUNDLE is empty, read as unset, and the default trust store refuses the sim's CA
    untrusted = awx_inject(ctype, {**base, "ca_bundle": ""})
    assert untrusted["NETSCALER_CA_BUNDLE"] == ""
    result = run_module("ns_hanode_info", {}, env=untrusted)
    assert result.get("failed") is True
    assert "certificate could not be verified" in result["msg"] and "CA bundle field" in result["msg"], result["msg"]
    stalled = backend_factory(mode="hang")
    env = awx_inject(
        ctype, {**base, "host": f"{stalled.host}:{stalled.port}", "protocol": "http", "nitro_timeout": "2"}
    )
    result = run_module("ns_hanode_info", {}, env=env)
    assert "no complete answer within nitro_timeout=2 s" in result.get("msg", ""), result


def test_token_credential_leaves_an_empty_password(secret_sim):
    sim = secret_sim
    sim.reset()
    status, body = sim.nitro("POST", "login", {"login": {"username": sim.user, "password": SECRET}})
    assert status == 201
    env = awx_inject(credential_type(), {"host": sim.nsip, "auth_token": body["sessionid"], "protocol": "http"})
    assert env["NETSCALER_NITRO_PASS"] == "" and env["NETSCALER_NITRO_USER"] == ""
    result = run_module("ns_hanode_info", {}, env=env)
    assert result.get("failed") is not True, result
    assert result["ha_role"] == "standalone"


def test_credential_without_address_fails_clearly_for_localhost():
    env = awx_inject(credential_type(), {"username": "u", "password": SECRET})
    proc = run_playbook(REPO / "playbooks" / "quiet_vip.yml", extra_vars={"quiet_vip_vservers": "web"}, env=env)
    assert proc.returncode != 0
    assert "no NetScaler address" in proc.stdout, proc.stdout[-3000:]
    assert SECRET not in proc.stdout + proc.stderr


# -- surveys -------------------------------------------------------------------------------------------------


def survey(name: str) -> dict[str, Any]:
    return json.loads((SURVEYS / f"{name}.json").read_text())


def role_options(role: str) -> dict[str, Any]:
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"]["main"]["options"]


# The role each survey's playbook runs.
SURVEY_ROLE = {"healthchecked_pool": "healthchecked_pool", "quiet_vip": "quiet_vip", "dsr": "dsr_vserver",
               "rolling_update": "pool_member"}  # fmt: skip
# Required role options a playbook sets itself rather than asking (rolling_update drains, then enables).
PLAYBOOK_SETS = {"rolling_update": {"pool_member_state"}}
# Playbook-level survey variables and the role option (or suboption) each one feeds.
FLAT = {
    "healthchecked_pool_member_list": ("healthchecked_pool_members", None),
    **{
        f"healthchecked_pool_healthcheck_{key}": ("healthchecked_pool_healthcheck", key)
        for key in ("ping_path", "response_time", "interval", "healthy_threshold", "unhealthy_threshold",
                    "expected_codes", "http_method", "monitor_type", "port", "host_header")
    },
    "dsr_vserver_member_list": ("dsr_vserver_members", None),
    **{
        f"dsr_vserver_healthcheck_{key}": ("dsr_vserver_healthcheck", key)
        for key in ("type", "port", "interval", "response_time", "healthy_threshold", "unhealthy_threshold")
    },
}  # fmt: skip
# Variables of the playbooks themselves, not of a role: which hosts each play targets.
PLAYBOOK_ONLY = {"netscaler_hosts", "dsr_backends_group", "rolling_update_hosts", "rolling_update_serial",
                 "rolling_update_tasks"}  # fmt: skip
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def test_every_playbook_has_a_survey():
    assert {p.stem for p in SURVEYS.glob("*.json")} == {p.stem for p in (REPO / "playbooks").glob("*.yml")}
    assert set(SURVEY_ROLE) == {p.stem for p in SURVEYS.glob("*.json")}


@pytest.mark.parametrize("name", sorted(SURVEY_ROLE))
def test_survey_matches_the_role_argument_spec(name):
    spec = survey(name)
    assert spec["name"] and spec["description"]
    options = role_options(SURVEY_ROLE[name])
    variables = [q["variable"] for q in spec["spec"]]
    assert len(variables) == len(set(variables))
    for question in spec["spec"]:
        assert question["type"] in SURVEY_TYPES and question["question_name"], question
        var = question["variable"]
        if var in PLAYBOOK_ONLY:
            continue
        if var in FLAT:
            parent, key = FLAT[var]
            option = options[parent] if key is None else options[parent]["options"][key]
        else:
            assert var in options, f"{name} survey variable {var} is not an option of the role"
            option = options[var]
        kind = option.get("type", "str")
        choices = question.get("choices") or []
        if question["type"] == "integer":
            assert kind in ("int", "raw"), (var, kind)
        elif question["type"] == "multiplechoice" and sorted(choices) == ["false", "true"]:
            assert kind == "bool", (var, kind)
        elif question["type"] == "multiplechoice":
            assert "choices" not in option or set(choices) <= set(option["choices"]), (var, choices)
        else:
            assert kind in ("str", "raw", "list"), (var, kind)
        if question.get("default") not in ("", None) and "choices" in option:
            assert question["default"] in option["choices"]
    # every required option of the role is asked
    for option_name, option in options.items():
        if option.get("required") and not option_name.startswith("netscaler_"):
            if option_name in PLAYBOOK_SETS.get(name, ()):
                continue
            assert option_name in variables, option_name


def answers(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """The extra_vars AWX builds from a survey: the answer or the default, typed as AWX types them."""
    extra: dict[str, Any] = {}
    for question in survey(name)["spec"]:
        var = question["variable"]
        value = given.get(var, question.get("default", ""))
        if value in ("", None) and not question["required"]:
            continue  # an optional question left empty is not sent
        if question["type"] == "integer":
            extra[var] = int(value)
        else:
            extra[var] = str(value)
    return extra


def test_healthchecked_pool_survey_converges(secret_sim, backend_factory):  # noqa: F811
    sim = secret_sim
    sim.reset()
    backends = [backend_factory() for _ in range(2)]
    env = password_credential(sim)
    extra = answers(
        "healthchecked_pool",
        {
            "healthchecked_pool_name": "survey",
            "healthchecked_pool_vip": "127.9.30.2",
            "healthchecked_pool_port": "8080",
            "healthchecked_pool_member_list": f"{backends[0].host}:{backends[0].port}\n"
            f"{backends[1].host}:{backends[1].port}=3, ",
            "healthchecked_pool_healthcheck_ping_path": "/ok",
            "healthchecked_pool_healthcheck_interval": 5,
            "healthchecked_pool_healthcheck_unhealthy_threshold": 2,
            "healthchecked_pool_wait": "true",
            "healthchecked_pool_wait_timeout": 20,
            "healthchecked_pool_save_config": "true",
        },
    )
    assert extra["healthchecked_pool_wait"] == "true" and extra["healthchecked_pool_port"] == "8080"
    proc = run_playbook(REPO / "playbooks" / "healthchecked_pool.yml", extra_vars=extra, env=env)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert re.search(r"healthchecked_pool : Validating arguments against arg spec '?main", proc.stdout)
    state = sim.state()
    assert state["lbvserver"]["survey"]["port"] in (8080, "8080")
    bound = {
        row["servicename"]: row for row in state["bindings"]["lbvserver_service_binding"] if row["name"] == "survey"
    }
    second = f"survey-{backends[1].host}-{backends[1].port}"
    assert set(bound) == {f"survey-{backends[0].host}-{backends[0].port}", second}
    assert int(bound[second]["weight"]) == 3
    assert state["lbmonitor"]["survey-hc"]["httprequest"] == "GET /ok"
    assert int(state["lbmonitor"]["survey-hc"]["retries"]) == 2  # unhealthy_threshold 2 (an integer question)
    assert state["nsconfig"]["configchanged"] in (False, "false")  # save_config "true" saved
    assert "Members of survey not UP: none" in proc.stdout  # wait "true" waited for both


def test_quiet_vip_survey_converges(secret_sim):
    sim = secret_sim
    sim.reset()
    # log in again: the handle keeps the session cookie of an earlier login, which reset() killed
    assert sim.nitro("POST", "login", {"login": {"username": sim.user, "password": SECRET}})[0] == 201
    for name, port in (("web", 80), ("api", 81)):
        body = {"lbvserver": {"name": name, "servicetype": "HTTP", "ipv46": "127.9.30.3", "port": port}}
        assert sim.nitro("POST", "lbvserver", body)[0] == 201
    env = password_credential(sim)
    extra = answers(
        "quiet_vip", {"quiet_vip_vservers": "web, api", "quiet_vip_save_config": "false", "quiet_vip_verify": "true"}
    )
    assert all(isinstance(value, str) for value in extra.values())
    proc = run_playbook(REPO / "playbooks" / "quiet_vip.yml", extra_vars=extra, env=env)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    state = sim.state()
    assert {state["lbvserver"][n]["icmpvsrresponse"] for n in ("web", "api")} == {"ACTIVE"}
    assert state["nsip"]["127.9.30.3"]["icmpresponse"] == "VSVR_CNTRLD"
    assert state["nstcpparam"]["downstaterst"] == "ENABLED"
    assert state["nsconfig"]["configchanged"] in (True, "true")  # save_config "false": not saved
    assert "answers_icmp" in proc.stdout  # verify "true" reported


def test_dsr_survey_converges(secret_sim):
    sim = secret_sim
    sim.reset()
    env = password_credential(sim)
    extra = answers(
        "dsr",
        {
            "dsr_vserver_name": "survey-dsr",
            "dsr_vserver_vip": "127.9.30.4",
            "dsr_vserver_port": "53",
            # loopback members answer the PING monitor, so they come UP
            "dsr_vserver_member_list": "127.9.30.41,\n127.9.30.42=3 ",
            "dsr_vserver_persistence_timeout": 5,
            "dsr_vserver_healthcheck_interval": 5,
            "dsr_vserver_healthcheck_unhealthy_threshold": 2,
            "dsr_vserver_wait": "true",
            "dsr_vserver_wait_timeout": 20,
            "dsr_vserver_save_config": "true",
        },
    )
    assert extra["dsr_vserver_port"] == "53" and extra["dsr_vserver_wait"] == "true"
    assert extra["dsr_vserver_healthcheck_type"] == "PING" and "dsr_vserver_healthcheck_port" not in extra
    proc = run_playbook(REPO / "playbooks" / "dsr.yml", extra_vars=extra, env=env)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert re.search(r"dsr_vserver : Validating arguments against arg spec '?main", proc.stdout)
    state = sim.state()
    vserver = state["lbvserver"]["survey-dsr"]
    assert (vserver["ipv46"], vserver["servicetype"], vserver["m"]) == ("127.9.30.4", "ANY", "MAC")
    assert int(vserver["port"]) == 53 and int(vserver["timeout"]) == 5
    bound = {
        row["servicename"]: row for row in state["bindings"]["lbvserver_service_binding"] if row["name"] == "survey-dsr"
    }
    assert set(bound) == {"survey-dsr-127.9.30.41-53", "survey-dsr-127.9.30.42-53"}
    assert int(bound["survey-dsr-127.9.30.42-53"]["weight"]) == 3
    assert state["service"]["survey-dsr-127.9.30.41-53"]["usip"] == "YES"
    monitor = state["lbmonitor"]["survey-dsr-hc"]
    assert monitor["type"] == "PING" and int(monitor["retries"]) == 2  # an integer question
    assert state["nsconfig"]["configchanged"] in (False, "false")  # save_config "true" saved
    assert "survey-dsr-127.9.30.42-53 127.9.30.42: UP" in proc.stdout  # wait "true" waited for both
    # the same strings again: nothing changes, nothing is written
    sim.clear_requests()
    proc = run_playbook(REPO / "playbooks" / "dsr.yml", extra_vars=extra, env=env)
    assert proc.returncode == 0 and recap(proc.stdout)["changed"] == 0, proc.stdout[-6000:]
    assert sim.writes() == []


def test_dsr_survey_member_list_refuses_a_port(secret_sim):
    sim = secret_sim
    sim.reset()
    env = password_credential(sim)
    extra = answers(
        "dsr", {"dsr_vserver_name": "d", "dsr_vserver_vip": "127.9.30.5", "dsr_vserver_member_list": "10.0.0.1:80"}
    )
    proc = run_playbook(REPO / "playbooks" / "dsr.yml", extra_vars=extra, env=env)
    assert proc.returncode != 0
    assert (
        "dsr_vserver_member_list: 10.0.0.1:80 has a port, and DSR members have none: each serves the vserver's port "
        "(dsr_vserver_port), which MAC redirection keeps; write 10.0.0.1 or 10.0.0.1=weight"
    ) in " ".join(proc.stdout.split()), proc.stdout[-3000:]
    assert sim.requests() == []


# -- execution environment --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_collection(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out), str(REPO)],
        capture_output=True, text=True, env=ansible_env(), check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tarball,) = out.glob("adcops-netscaler-*.tar.gz")
    return tarball


def test_built_collection_ships_its_ee_metadata_and_no_dev_pins(built_collection):
    with tarfile.open(built_collection) as tar:
        names = set(tar.getnames())
        ee = yaml.safe_load(tar.extractfile("meta/execution-environment.yml").read())
        assert ee["version"] in (1, 3)
        for kind, path in ee["dependencies"].items():
            assert path in names, f"meta/execution-environment.yml names {path} ({kind}), not in the tarball"
        python = tar.extractfile(ee["dependencies"]["python"]).read().decode()
        for name in ("extensions/awx/credential_types/netscaler_nitro.yml", "extensions/ee/execution-environment.yml",
                     "extensions/awx/surveys/healthchecked_pool.json", "extensions/awx/surveys/quiet_vip.json",
                     "extensions/awx/surveys/dsr.json",
                     "roles/netscaler_node/tasks/ha.yml", "plugins/modules/ns_hanode_info.py"):  # fmt: skip
            assert name in names, name
    packages = [line.split("#")[0].strip() for line in python.splitlines() if line.split("#")[0].strip()]
    assert packages == ["requests", "jmespath"]  # unpinned, no ansible-core
    for name in names:
        assert Path(name).name not in ("requirements.txt", "constraints.txt", "Makefile", "pyproject.toml"), name
        assert not name.startswith(("collections/", ".venv/", "tests/output", ".ruff_cache", ".pytest_cache")), name


def test_ansible_builder_creates_the_example_ee(tmp_path, built_collection):
    context = tmp_path / "context"
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-builder"), "create", "-f", str(EE_DEFINITION), "--context", str(context)],
        capture_output=True, text=True, env=ansible_env(), check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists()).read_text()
    assert "requirements.yml" in containerfile and "introspect" in containerfile
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert {c["name"] for c in galaxy["collections"]} == {"adcops.netscaler"}
    # what the build's introspection step computes from the installed collection: its Python requirements
    installed = tmp_path / "installed"
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--force", "-p", str(installed),
         str(built_collection)],
        capture_output=True, text=True, env=ansible_env(), check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (installed / "ansible_collections" / "adcops" / "netscaler" / "MANIFEST.json").exists(), proc.stdout
    requirements = tmp_path / "requirements.txt"
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-builder"), "introspect", "--sanitize", str(installed),
         "--write-pip", str(requirements)],
        capture_output=True, text=True, env=ansible_env(), check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    generated = [line.split("#")[0].strip() for line in requirements.read_text().splitlines()]
    assert {"requests", "jmespath"} <= set(generated), requirements.read_text()
    assert not any(line.startswith("ansible") for line in generated)
    shutil.rmtree(installed)
