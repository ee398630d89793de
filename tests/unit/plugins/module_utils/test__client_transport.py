"""_client_transport: login, session cookie, re-login, retries within the time budget, TLS hints, and the read-only
guard of check mode, against a real local HTTP server whose answers each test scripts."""

from __future__ import annotations

import time

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._client import (
    NitroError,
)
from tests.unit.scripted_server import PASSWORD, Answer, error, ok

# Every write the client offers: (call, HTTP method, resource named in the error).
WRITES = [
    (lambda c: c.add("lbvserver", {"name": "vs", "servicetype": "HTTP"}), "POST", "lbvserver"),
    (lambda c: c.update("lbvserver", {"name": "vs", "comment": "x"}), "PUT", "lbvserver"),
    (lambda c: c.delete("lbvserver", "vs"), "DELETE", "lbvserver"),
    (lambda c: c.action("lbvserver", "disable", {"name": "vs"}), "POST", "lbvserver"),
    (lambda c: c.bind("lbvserver_service_binding", {"name": "vs", "servicename": "s"}), "PUT",
     "lbvserver_service_binding"),
    (lambda c: c.unbind("lbvserver_service_binding", "vs", {"servicename": "s"}), "DELETE",
     "lbvserver_service_binding"),
    (lambda c: c.save_config(), "POST", "nsconfig"),
    (lambda c: c.add_bulk("service", [{"name": "s1"}, {"name": "s2"}]), "POST", "service"),
    (lambda c: c.update_bulk("service", [{"name": "s1", "comment": "x"}]), "PUT", "service"),
    (lambda c: c.delete_bulk("service", [{"name": "s1"}]), "POST", "service"),
    (lambda c: c.action_bulk("service", "enable", [{"name": "s1"}]), "POST", "service"),
    (lambda c: c.bind_bulk("lbvserver_service_binding", [{"name": "vs", "servicename": "s"}]), "PUT",
     "lbvserver_service_binding"),
    (lambda c: c.unbind_bulk("lbvserver_service_binding", [{"name": "vs", "servicename": "s"}]), "POST",
     "lbvserver_service_binding"),
]  # fmt: skip


def test_logs_in_once_uses_cookie_and_logs_out(server, client_for):
    server.script(server.login_answer("tok-abc"), ok(lbvserver=[{"name": "a"}]), ok(lbvserver=[]), ok())
    with client_for(server) as client:
        assert client.get("lbvserver", "a") == [{"name": "a"}]
        assert client.get("lbvserver") == []
    login, first, second, logout = server.seen
    assert (login.method, login.path) == ("POST", "/nitro/v1/config/login")
    assert login.body == {"login": {"username": "nsroot", "password": PASSWORD}}
    assert first.headers["Cookie"] == "NITRO_AUTH_TOKEN=tok-abc"
    assert second.headers["Cookie"] == "NITRO_AUTH_TOKEN=tok-abc"
    assert (logout.method, logout.path, logout.body) == ("POST", "/nitro/v1/config/logout", {"logout": {}})
    assert logout.headers["Cookie"] == "NITRO_AUTH_TOKEN=tok-abc"


def test_token_is_reused_without_login_or_logout(server, client_for):
    server.script(ok(nsversion={"version": "NetScaler NS14.1"}))
    with client_for(server, password=None, auth_token="given-token") as client:
        assert client.get("nsversion") == [{"version": "NetScaler NS14.1"}]
    assert [(s.method, s.path) for s in server.seen] == [("GET", "/nitro/v1/config/nsversion")]
    assert server.seen[0].headers["Cookie"] == "NITRO_AUTH_TOKEN=given-token"


def test_no_request_before_first_call_and_no_logout_without_login(server, client_for):
    client = client_for(server)
    client.close()
    assert server.seen == []


def test_get_is_retried_on_503_with_backoff_then_succeeds(server, client_for):
    server.script(server.login_answer(), error(503, 0, "busy"), error(503, 0, "busy"), ok(lbvserver=[{"name": "a"}]))
    with client_for(server) as client:
        assert client.get("lbvserver", "a") == [{"name": "a"}]
    assert [s.method for s in server.seen] == ["POST", "GET", "GET", "GET", "POST"]


def test_retries_are_bounded(server, client_for):
    server.script(server.login_answer(), *[Answer(502, None)] * 4)
    with client_for(server, retries=3) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    assert caught.value.status == 502
    assert sum(1 for s in server.seen if s.method == "GET") == 4  # first try + 3 retries


def test_dropped_connection_is_retried_for_put(server, client_for):
    server.script(server.login_answer(), Answer(disconnect=True), ok())
    with client_for(server) as client:
        client.update("lbvserver", {"name": "a", "lbmethod": "ROUNDROBIN"})
    puts = [s for s in server.seen if s.method == "PUT"]
    assert len(puts) == 2
    assert puts[1].body == {"lbvserver": {"name": "a", "lbmethod": "ROUNDROBIN"}}


def test_timeout_is_the_budget_of_the_whole_operation(server, client_for):
    """A stall fails the call within nitro_timeout, retries included: they share one budget."""
    server.script(server.login_answer(), Answer(delay=2.0, body={"errorcode": 0}), ok(lbvserver=[]))
    started = time.monotonic()
    with client_for(server, timeout=0.5) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    assert time.monotonic() - started < 1.5
    assert "no complete answer within nitro_timeout=0.5 s" in str(caught.value)
    assert sum(1 for s in server.seen if s.method == "GET") == 1


def test_disconnect_is_retried_within_the_budget(server, client_for):
    server.script(server.login_answer(), Answer(disconnect=True), ok(lbvserver=[]))
    with client_for(server, timeout=2) as client:
        assert client.get("lbvserver") == []
    assert sum(1 for s in server.seen if s.method == "GET") == 2


def test_non_repeatable_action_is_not_retried(server, client_for):
    server.script(server.login_answer(), error(503, 0, "busy"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.action("lbvserver", "rename", {"name": "a", "newname": "b"})
    assert caught.value.status == 503
    assert sum(1 for s in server.seen if "action=rename" in s.path) == 1


def test_relogin_once_when_the_session_expired(server, client_for):
    server.script(
        server.login_answer("old"),
        error(401, 444, "Session expired or killed. Please login again"),
        server.login_answer("new"),
        ok(lbvserver=[{"name": "a"}]),
        ok(),
    )
    with client_for(server) as client:
        assert client.get("lbvserver", "a") == [{"name": "a"}]
    methods = [(s.method, s.path.split("?")[0].rsplit("/", 1)[-1]) for s in server.seen]
    assert methods == [("POST", "login"), ("GET", "a"), ("POST", "login"), ("GET", "a"), ("POST", "logout")]
    assert server.seen[3].headers["Cookie"] == "NITRO_AUTH_TOKEN=new"


@pytest.mark.parametrize("code", [444, 1027, 451, 472])
def test_every_session_code_triggers_relogin(server, code, client_for):
    server.script(server.login_answer("t1"), error(401, code, "session"), server.login_answer("t2"), ok(lbvserver=[]))
    with client_for(server) as client:
        assert client.get("lbvserver") == []


def test_relogin_happens_only_once(server, client_for):
    server.script(
        server.login_answer("t1"),
        error(401, 444, "expired"),
        server.login_answer("t2"),
        error(401, 444, "expired"),
    )
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    assert caught.value.errorcode == 444
    assert sum(1 for s in server.seen if s.path.endswith("/login")) == 2


def test_token_sessions_are_not_relogged(server, client_for):
    server.script(error(401, 444, "expired"))
    with client_for(server, password=None, auth_token="t") as client, pytest.raises(NitroError):
        client.get("lbvserver")
    assert len(server.seen) == 1


def test_bad_login_is_reported_with_errorcode(server, client_for):
    server.script(error(401, 354, "Invalid username or password"))
    client = client_for(server)
    with pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    client.close()
    assert (caught.value.status, caught.value.errorcode, caught.value.operation) == (401, 354, "login")
    assert len(server.seen) == 1  # no logout of a session that never existed


def test_login_answered_without_a_session_fails_naming_the_url(server, client_for):
    server.script(Answer(200, "<html>proxy</html>"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    text = str(caught.value)
    assert f"http://{server.nsip}/nitro/v1/config/login" in text and "HTTP 200" in text and "proxy" in text
    assert not caught.value.not_found


def test_https_to_a_plain_http_port_says_the_server_did_not_answer_tls(server, client_for):
    """Before: the certificate hint ("Give the CA ..."), the wrong diagnosis for a port that speaks plain HTTP."""
    server.script(server.login_answer())
    with client_for(server, protocol="https") as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    text = str(caught.value)
    assert "did not answer TLS" in text and "nitro_protocol: http" in text
    assert "certificate" not in text and "after 1 attempt(s)" in text


def test_http_to_a_tls_port_is_not_retried_and_names_https(server, client_for):
    """A connection closed without an answer before the server ever answered HTTP: a TLS port, not a transient
    fault. Before: four attempts with back-off (about 9.5 s with the defaults) and a bare RemoteDisconnected."""
    server.script(Answer(disconnect=True), server.login_answer())
    with client_for(server, backoff=0.5) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    text = str(caught.value)
    assert "closed the connection on a plain HTTP request" in text and "nitro_protocol: https" in text
    assert [s.path for s in server.seen] == ["/nitro/v1/config/login"]


def test_plain_http_refused_by_a_web_server_names_https(server, client_for):
    server.script(Answer(400, "Bad Request. You're speaking plain HTTP to an SSL-enabled server port."))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    assert "refused a plain HTTP request" in str(caught.value) and "nitro_protocol: https" in str(caught.value)


@pytest.mark.parametrize("code", [354, 355])
def test_rejected_credentials_name_nitro_user_and_nitro_pass(server, code, client_for):
    """Before: "Check nsip, nitro_protocol and ... proxies", although NITRO said what was wrong."""
    server.script(error(401, code, "Invalid username or password"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    text = str(caught.value)
    assert "check nitro_user and nitro_pass" in text and "AWX" in text
    assert "Check nsip" not in text and PASSWORD not in text


def test_read_only_is_off_by_default(server, client_for):
    client = client_for(server)
    assert client.read_only is False
    client.close()


@pytest.mark.parametrize(("write", "method", "resource"), WRITES)
def test_read_only_client_refuses_every_write_before_sending_it(server, write, method, resource, client_for):
    server.script(server.login_answer("tok-ro"), ok(lbvserver=[{"name": "vs"}]), ok())
    with client_for(server, read_only=True) as client:
        assert client.get("lbvserver", "vs") == [{"name": "vs"}]
        with pytest.raises(RuntimeError) as caught:
            write(client)
        assert client.changed is False
    text = str(caught.value)
    assert f"{method} {resource}" in text
    assert "read-only" in text
    assert PASSWORD not in text
    # Login, the GET and logout reached the server; the write never did.
    assert [(s.method, s.path.split("?")[0]) for s in server.seen] == [
        ("POST", "/nitro/v1/config/login"),
        ("GET", "/nitro/v1/config/lbvserver/vs"),
        ("POST", "/nitro/v1/config/logout"),
    ]


def test_read_only_set_after_construction_guards_the_first_request_too(server, client_for):
    server.script(server.login_answer("tok-late"), ok())
    client = client_for(server)
    client.read_only = True
    with pytest.raises(RuntimeError, match="PUT nstcpparam"):
        client.update("nstcpparam", {"downstaterst": "ENABLED"})
    client.close()
    # The session was opened and closed; the PUT never left the client.
    assert [(s.method, s.path) for s in server.seen] == [
        ("POST", "/nitro/v1/config/login"),
        ("POST", "/nitro/v1/config/logout"),
    ]


def test_read_only_client_reads_and_can_be_switched_off(server, client_for):
    server.script(server.login_answer("tok-rw"), ok(), ok(), ok())
    with client_for(server, read_only=True) as client:
        assert client.count("lbvserver") == 0
        client.read_only = False
        client.update("lbvserver", {"name": "vs", "comment": "x"})
        assert client.changed is True
    assert [s.method for s in server.seen] == ["POST", "GET", "PUT", "POST"]
    assert server.seen[2].body == {"lbvserver": {"name": "vs", "comment": "x"}}


def test_read_only_token_session_opens_and_ends(server, client_for):
    """open_session/end_session are login and logout: a read-only client may do both (nitro_session in check mode)."""
    server.script(server.login_answer("tok-play"), ok())
    client = client_for(server, read_only=True)
    token = client.open_session()
    assert token == "tok-play"
    assert client.end_session() is True
    client.close()
    assert [s.path for s in server.seen] == ["/nitro/v1/config/login", "/nitro/v1/config/logout"]
