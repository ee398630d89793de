"""Contract: the simulator's command policy (/sim/v1/cmdpolicy, nitro_sim/cmdpolicy.py). Every authenticated
request is checked, as the CLI command it runs as (nitro_sim/cli_commands.py), against one ALLOW expression matched
case-insensitively; a refused request does not run and answers 2138 naming the command; login and logout are not
checked; the request log says which policy each request ran under; reset lifts the policy."""

from __future__ import annotations

import requests

from tests.sim.conftest import assert_error

LB_ONLY = r"^(show|add|rm)\s+lb\s+vserver(\s[\s\S]*|)$"


def test_allowed_requests_run_and_refused_ones_do_not(sim):
    assert sim.set_cmd_policy(LB_ONLY, label="lb") == {"label": "lb", "cmdspec": LB_ONLY}
    status, _ = sim.nitro("POST", "lbvserver", {"lbvserver": {"name": "web", "servicetype": "HTTP"}})
    assert status == 201
    service = {"name": "s1", "ip": "127.0.0.1", "servicetype": "HTTP", "port": 80}
    body = assert_error(sim.nitro("POST", "service", {"service": service}), 403, 2138)
    assert body["message"] == (
        "Not authorized to execute this command [add service s1 -ip 127.0.0.1 -servicetype HTTP -port 80]"
    )
    # case-insensitive, as NetScaler matches command policies
    sim.set_cmd_policy(r"^SHOW\s+LB\s+VSERVER(\s[\s\S]*|)$")
    assert sim.nitro("GET", "lbvserver/web")[0] == 200
    assert_error(sim.nitro("PUT", "lbvserver", {"lbvserver": {"name": "web", "lbmethod": "ROUNDROBIN"}}), 403, 2138)
    sim.clear_cmd_policy()
    assert sim.nitro("GET", "service/s1")[0] == 404  # the refused add never ran
    # the refused set did not run either
    assert sim.nitro("GET", "lbvserver/web")[1]["lbvserver"][0]["lbmethod"] == "LEASTCONNECTION"


def test_a_bulk_request_is_refused_whole_when_one_item_is_not_allowed(sim):
    sim.set_cmd_policy(r"^add\s+lb\s+vserver\s+a(\s[\s\S]*|)$")
    items = [{"name": "a", "servicetype": "HTTP"}, {"name": "b", "servicetype": "HTTP"}]
    body = assert_error(sim.nitro("POST", "lbvserver", {"lbvserver": items}), 403, 2138)
    assert "[add lb vserver b -servicetype HTTP]" in body["message"]
    sim.clear_cmd_policy()
    assert sim.nitro("GET", "lbvserver/a")[0] == 404


def test_a_request_without_a_cli_command_is_refused(sim):
    sim.set_cmd_policy(r"^[\s\S]*$")
    body = assert_error(sim.nitro("GET", "systemuser"), 403, 2138)
    assert "no CLI command mapped" in body["message"]


def test_login_logout_are_not_checked_and_the_log_names_the_policy(sim):
    sim.set_cmd_policy(r"^show\s+ha\s+node(\s[\s\S]*|)$", label="ha-only")
    sim.clear_requests()
    login = requests.post(sim.url + "/nitro/v1/config/login",
                          json={"login": {"username": sim.user, "password": sim.password}}, timeout=10)  # fmt: skip
    assert login.status_code == 201
    token = login.json()["sessionid"]
    cookies = {"NITRO_AUTH_TOKEN": token}
    assert requests.get(sim.url + "/nitro/v1/config/hanode", cookies=cookies, timeout=10).status_code == 200
    assert requests.get(sim.url + "/nitro/v1/stat/lbvserver", cookies=cookies, timeout=10).status_code == 403
    logout = requests.post(sim.url + "/nitro/v1/config/logout", json={"logout": {}}, cookies=cookies, timeout=10)
    assert logout.status_code == 200
    log = sim.requests()
    assert [(r["path"].rsplit("/", 1)[-1], r["errorcode"], r["cmdpolicy"]) for r in log] == [
        ("login", 0, "ha-only"), ("hanode", 0, "ha-only"), ("lbvserver", 2138, "ha-only"), ("logout", 0, "ha-only"),
    ]  # fmt: skip


def test_reset_lifts_the_policy_and_a_bad_expression_is_refused(sim):
    sim.set_cmd_policy(r"^show\s+ha\s+node$")
    assert sim.nitro("GET", "lbvserver")[0] == 403
    sim.reset()
    assert sim.nitro("GET", "lbvserver")[0] == 200
    assert sim.requests()[-1]["cmdpolicy"] is None
    resp = requests.post(sim.url + "/sim/v1/cmdpolicy", json={"cmdspec": "(unclosed"}, timeout=10)
    assert resp.status_code == 400 and "cmdspec" in resp.json()["error"]
