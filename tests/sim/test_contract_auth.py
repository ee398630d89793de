"""Contract: authentication, sessions, nsversion, request log and control API (https://docs.citrix.com/ko-kr/netscaler/11-1/nitro-api/nitro-rest/nitro-rest-connecting.html)."""

from __future__ import annotations

import base64
import subprocess
import sys
import time

import requests

from tests.nitro_sim import Simulator
from tests.sim.conftest import assert_error

LOGIN = "/nitro/v1/config/login"


def _login(sim, **extra):
    body = {"login": {"username": sim.user, "password": sim.password, **extra}}
    return requests.post(sim.url + LOGIN, json=body, timeout=10)


def test_login_returns_201_sessionid_and_cookie(sim):
    resp = _login(sim)
    assert resp.status_code == 201
    body = resp.json()
    assert body["errorcode"] == 0 and body["message"] == "Done" and body["severity"] == "NONE"
    token = body["sessionid"]
    assert token.startswith("##")
    assert resp.cookies.get("NITRO_AUTH_TOKEN") == token


def test_session_cookie_authenticates(sim):
    token = _login(sim).json()["sessionid"]
    resp = requests.get(sim.url + "/nitro/v1/config/lbvserver", headers={"Cookie": f"NITRO_AUTH_TOKEN={token}"})
    assert resp.status_code == 200 and resp.json()["errorcode"] == 0


def test_go_sdk_set_cookie_request_header_authenticates(sim):
    token = _login(sim).json()["sessionid"]
    resp = requests.get(sim.url + "/nitro/v1/config/nsversion", headers={"Set-Cookie": f"NITRO_AUTH_TOKEN={token}"})
    assert resp.status_code == 200


def test_bad_login_is_401_354(sim):
    resp = requests.post(sim.url + LOGIN, json={"login": {"username": "nsroot", "password": "wrong"}})
    assert_error((resp.status_code, resp.json()), 401, 354)
    assert "Set-Cookie" not in resp.headers


def test_nitro_headers_authenticate_and_bad_headers_are_354(sim):
    ok = requests.get(
        sim.url + "/nitro/v1/config/lbvserver", headers={"X-NITRO-USER": "nsroot", "X-NITRO-PASS": "nsroot"}
    )
    assert ok.status_code == 200
    bad = requests.get(sim.url + "/nitro/v1/config/lbvserver", headers={"X-NITRO-USER": "nsroot", "X-NITRO-PASS": "x"})
    assert_error((bad.status_code, bad.json()), 401, 354)


def test_http_basic_auth(sim):
    ok = requests.get(sim.url + "/nitro/v1/config/nsip", auth=("nsroot", "nsroot"))
    assert ok.status_code == 200 and ok.json()["nsip"][0]["type"] == "NSIP"
    header = "Basic " + base64.b64encode(b"nsroot:bad").decode()
    bad = requests.get(sim.url + "/nitro/v1/config/nsip", headers={"Authorization": header})
    assert_error((bad.status_code, bad.json()), 401, 354)


def test_no_credentials_is_401_1027(sim):
    resp = requests.get(sim.url + "/nitro/v1/config/lbvserver")
    assert_error((resp.status_code, resp.json()), 401, 1027)


def test_unknown_token_is_401_444(sim):
    resp = requests.get(sim.url + "/nitro/v1/config/lbvserver", headers={"Cookie": "NITRO_AUTH_TOKEN=##DEADBEEF"})
    assert_error((resp.status_code, resp.json()), 401, 444)


def test_logout_invalidates_the_session(sim):
    token = _login(sim).json()["sessionid"]
    cookie = {"Cookie": f"NITRO_AUTH_TOKEN={token}"}
    out = requests.post(sim.url + "/nitro/v1/config/logout", json={"logout": {}}, headers=cookie)
    assert out.status_code == 200 and out.json()["errorcode"] == 0
    after = requests.get(sim.url + "/nitro/v1/config/lbvserver", headers=cookie)
    assert_error((after.status_code, after.json()), 401, 444)


def test_session_idle_timeout_from_login_timeout(sim):
    token = _login(sim, timeout=1).json()["sessionid"]
    cookie = {"Cookie": f"NITRO_AUTH_TOKEN={token}"}
    assert requests.get(sim.url + "/nitro/v1/config/nsversion", headers=cookie).status_code == 200
    time.sleep(1.3)
    resp = requests.get(sim.url + "/nitro/v1/config/nsversion", headers=cookie)
    assert_error((resp.status_code, resp.json()), 401, 444)


def test_session_timeout_is_configurable_and_time_scaled():
    with Simulator(session_timeout=1800, time_scale=0.0005) as simulator:  # 1800 s -> 0.9 s of wall time
        body = {"login": {"username": "nsroot", "password": "nsroot"}}
        token = requests.post(simulator.url + LOGIN, json=body).json()["sessionid"]
        cookie = {"Cookie": f"NITRO_AUTH_TOKEN={token}"}
        assert requests.get(simulator.url + "/nitro/v1/config/nsversion", headers=cookie).status_code == 200
        time.sleep(1.2)
        resp = requests.get(simulator.url + "/nitro/v1/config/nsversion", headers=cookie)
        assert (resp.status_code, resp.json()["errorcode"]) == (401, 444)


def test_custom_credentials():
    with Simulator(user="admin", password="s3cret") as simulator:
        ok = requests.get(simulator.url + "/nitro/v1/config/nsversion", auth=("admin", "s3cret"))
        assert ok.status_code == 200
        bad = requests.get(simulator.url + "/nitro/v1/config/nsversion", auth=("nsroot", "nsroot"))
        assert (bad.status_code, bad.json()["errorcode"]) == (401, 354)


def test_nsversion_singleton(api):
    status, body = api.call("GET", "nsversion")
    assert status == 200
    assert isinstance(body["nsversion"], dict)  # singletons are objects, not lists
    assert body["nsversion"]["version"].startswith("NetScaler NS13.1: Build ")


def test_request_log_records_without_passwords(sim):
    _login(sim)
    requests.get(sim.url + "/nitro/v1/config/lbvserver", params={"attrs": "name"},
                 headers={"X-NITRO-USER": "nsroot", "X-NITRO-PASS": "nsroot"})  # fmt: skip
    log = sim.requests()
    assert [r["method"] for r in log] == ["POST", "GET"]
    login, get = log
    assert login["path"] == LOGIN and login["status"] == 201 and login["errorcode"] == 0
    assert login["body"]["login"]["password"] == "***"
    assert 'nsroot"' not in str(login["body"]).replace("'username': 'nsroot'", "")
    assert get["query"] == {"attrs": "name"} and get["status"] == 200 and get["auth"] == "headers"
    assert log[0]["seq"] < log[1]["seq"] and log[0]["time"] <= log[1]["time"]
    assert sim.writes() == []  # login is not a write, GET is not a write


def test_writes_and_clear_requests(sim, api):
    api.add("server", name="s1", ipaddress="127.0.0.5")
    api.get("server")
    writes = sim.writes()
    assert [(w["method"], w["path"], w["status"]) for w in writes] == [("POST", "/nitro/v1/config/server", 201)]
    assert writes[0]["body"] == {"server": {"name": "s1", "ipaddress": "127.0.0.5"}}
    sim.clear_requests()
    assert sim.requests() == []


def test_reset_clears_state_log_and_sessions(sim, api):
    api.add("server", name="s1", ipaddress="127.0.0.5")
    token = _login(sim).json()["sessionid"]
    sim.reset()
    assert sim.requests() == []
    assert api.get("server") == []
    resp = requests.get(sim.url + "/nitro/v1/config/server", headers={"Cookie": f"NITRO_AUTH_TOKEN={token}"})
    assert resp.status_code == 401


def test_state_dump(sim, api):
    api.lb_setup()
    state = sim.state()
    assert state["lbvserver"]["vs1"]["ipv46"] == "127.0.0.10"
    assert state["service"]["svc1"]["ipaddress"] == "127.0.0.20"
    assert state["bindings"]["lbvserver_service_binding"][0]["servicename"] == "svc1"
    assert state["nsconfig"]["configchanged"] is True


def test_cli_prints_url_first_and_serves(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.nitro_sim", "--bind", "127.0.0.1:0", "--user", "u", "--password", "p"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        resp = requests.get(url + "/nitro/v1/config/nsversion", auth=("u", "p"), timeout=10)
        assert resp.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_keep_alive_reuses_one_connection(sim):
    with requests.Session() as http:
        http.auth = ("nsroot", "nsroot")
        for _ in range(3):
            assert http.get(sim.url + "/nitro/v1/config/nsversion").status_code == 200
        pool = http.get_adapter(sim.url).poolmanager
        conns = list(pool.pools._container.values())
        assert len(conns) == 1 and conns[0].num_connections == 1
