"""NitroClient against a real local HTTP server whose answers each test scripts."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._client import (
    NitroClient,
    NitroError,
    encode_name,
    redact,
)
from tests.unit.scripted_server import Answer, ScriptedServer, error, ok

PASSWORD = "S3cr3t-Pa55/w#rd"


@pytest.fixture
def server():
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def client_for(server: ScriptedServer, **kwargs) -> NitroClient:
    options = {"user": "nsroot", "password": PASSWORD, "protocol": "http", "backoff": 0.01, "timeout": 5}
    options.update(kwargs)
    return NitroClient(server.nsip, **options)


def test_logs_in_once_uses_cookie_and_logs_out(server):
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


def test_token_is_reused_without_login_or_logout(server):
    server.script(ok(nsversion={"version": "NetScaler NS14.1"}))
    with client_for(server, password=None, auth_token="given-token") as client:
        assert client.get("nsversion") == [{"version": "NetScaler NS14.1"}]
    assert [(s.method, s.path) for s in server.seen] == [("GET", "/nitro/v1/config/nsversion")]
    assert server.seen[0].headers["Cookie"] == "NITRO_AUTH_TOKEN=given-token"


def test_no_request_before_first_call_and_no_logout_without_login(server):
    client = client_for(server)
    client.close()
    assert server.seen == []


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("web vs", "web%2520vs"),
        ("a/b", "a%252Fb"),
        ("pool#1", "pool%25231"),
        ("x:y@z=1", "x%253Ay%2540z%253D1"),
    ],
)
def test_names_are_double_encoded_in_the_path(server, name, wire):
    assert encode_name(name) == wire
    server.script(server.login_answer(), ok(service=[{"name": name}]))
    with client_for(server) as client:
        assert client.get("service", name)[0]["name"] == name
    assert server.seen[1].path == f"/nitro/v1/config/service/{wire}"


def test_args_and_filter_values_are_encoded_once(server):
    server.script(server.login_answer(), ok(), ok())
    with client_for(server) as client:
        client.get("service_lbmonitor_binding", "svc 1", filter={"monitor_name": "hc/a b"})
        client.delete("lbmonitor", "mon 1", args={"type": "HTTP-ECV"})
    get, delete = server.seen[1], server.seen[2]
    assert get.path == "/nitro/v1/config/service_lbmonitor_binding/svc%25201?filter=monitor_name:hc%2Fa%20b"
    assert delete.method == "DELETE"
    assert delete.path == "/nitro/v1/config/lbmonitor/mon%25201?args=type:HTTP-ECV"


def test_missing_resource_and_empty_binding_read_as_empty(server):
    server.script(
        server.login_answer(),
        error(404, 258, "No such resource [name, nope]"),
        error(404, 344, "No Service"),
        ok(),  # binding with no members: no resource key at all (netscaler.adc common.get_resource)
        ok(nstcpparam={"downstaterst": "DISABLED"}),  # singleton: an object, not a list
    )
    with client_for(server) as client:
        assert client.get_one("lbvserver", "nope") is None
        assert client.get("service", "nope") == []
        assert client.get("lbvserver_service_binding", "vs") == []
        assert client.get("nstcpparam") == [{"downstaterst": "DISABLED"}]


def test_count_reads_dunder_count(server):
    server.script(server.login_answer(), ok(service=[{"__count": "1000"}]))
    with client_for(server) as client:
        assert client.count("service") == 1000
    assert server.seen[1].path == "/nitro/v1/config/service?count=yes"


def test_get_is_retried_on_503_with_backoff_then_succeeds(server):
    server.script(server.login_answer(), error(503, 0, "busy"), error(503, 0, "busy"), ok(lbvserver=[{"name": "a"}]))
    with client_for(server) as client:
        assert client.get("lbvserver", "a") == [{"name": "a"}]
    assert [s.method for s in server.seen] == ["POST", "GET", "GET", "GET", "POST"]


def test_retries_are_bounded(server):
    server.script(server.login_answer(), *[Answer(502, None)] * 4)
    with client_for(server, retries=3) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    assert caught.value.status == 502
    assert sum(1 for s in server.seen if s.method == "GET") == 4  # first try + 3 retries


def test_dropped_connection_is_retried_for_put(server):
    server.script(server.login_answer(), Answer(disconnect=True), ok())
    with client_for(server) as client:
        client.update("lbvserver", {"name": "a", "lbmethod": "ROUNDROBIN"})
    puts = [s for s in server.seen if s.method == "PUT"]
    assert len(puts) == 2
    assert puts[1].body == {"lbvserver": {"name": "a", "lbmethod": "ROUNDROBIN"}}


def test_timeout_is_the_budget_of_the_whole_operation(server):
    """A stall fails the call within nitro_timeout, retries included: they share one budget."""
    server.script(server.login_answer(), Answer(delay=2.0, body={"errorcode": 0}), ok(lbvserver=[]))
    started = time.monotonic()
    with client_for(server, timeout=0.5) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    assert time.monotonic() - started < 1.5
    assert "no complete answer within nitro_timeout=0.5 s" in str(caught.value)
    assert sum(1 for s in server.seen if s.method == "GET") == 1


def test_disconnect_is_retried_within_the_budget(server):
    server.script(server.login_answer(), Answer(disconnect=True), ok(lbvserver=[]))
    with client_for(server, timeout=2) as client:
        assert client.get("lbvserver") == []
    assert sum(1 for s in server.seen if s.method == "GET") == 2


def test_non_repeatable_action_is_not_retried(server):
    server.script(server.login_answer(), error(503, 0, "busy"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.action("lbvserver", "rename", {"name": "a", "newname": "b"})
    assert caught.value.status == 503
    assert sum(1 for s in server.seen if "action=rename" in s.path) == 1


def test_add_is_retried_only_after_a_get_shows_it_did_not_land(server):
    server.script(
        server.login_answer(),
        Answer(disconnect=True),  # POST add: no answer
        error(404, 258, "No such resource"),  # GET: it did not land
        Answer(201, {"errorcode": 0, "message": "Done", "severity": "NONE"}),  # POST again
    )
    with client_for(server) as client:
        client.add("lbvserver", {"name": "web", "servicetype": "HTTP"})
    assert [(s.method, s.path) for s in server.seen[1:4]] == [
        ("POST", "/nitro/v1/config/lbvserver"),
        ("GET", "/nitro/v1/config/lbvserver/web"),
        ("POST", "/nitro/v1/config/lbvserver"),
    ]


def test_add_that_landed_is_not_sent_twice_and_succeeds(server):
    """The answer was lost, the GET (after one 503) shows the object: the add is done, not failed."""
    server.script(server.login_answer(), Answer(disconnect=True), error(503, 0, "busy"), ok(lbvserver=[{"name": "w"}]))
    with client_for(server) as client:
        client.add("lbvserver", {"name": "w"})
        assert client.changed
    assert sum(1 for s in server.seen if s.method == "POST" and s.path.endswith("/lbvserver")) == 1


def test_relogin_once_when_the_session_expired(server):
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
def test_every_session_code_triggers_relogin(server, code):
    server.script(server.login_answer("t1"), error(401, code, "session"), server.login_answer("t2"), ok(lbvserver=[]))
    with client_for(server) as client:
        assert client.get("lbvserver") == []


def test_relogin_happens_only_once(server):
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


def test_token_sessions_are_not_relogged(server):
    server.script(error(401, 444, "expired"))
    with client_for(server, password=None, auth_token="t") as client, pytest.raises(NitroError):
        client.get("lbvserver")
    assert len(server.seen) == 1


def test_bad_login_is_reported_with_errorcode(server):
    server.script(error(401, 354, "Invalid username or password"))
    client = client_for(server)
    with pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    client.close()
    assert (caught.value.status, caught.value.errorcode, caught.value.operation) == (401, 354, "login")
    assert len(server.seen) == 1  # no logout of a session that never existed


def test_error_carries_operation_resource_status_code_and_message(server):
    server.script(server.login_answer(), error(400, 1097, "Invalid argument value [lbmethod]"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.add("lbvserver", {"name": "web"})
    err = caught.value
    assert (err.operation, err.resource, err.name, err.status, err.errorcode) == ("add", "lbvserver", "web", 400, 1097)
    text = str(err)
    for part in ("add", "lbvserver", "'web'", "HTTP 400", "errorcode 1097", "Invalid argument value"):
        assert part in text
    assert err.to_dict()["errorcode"] == 1097


def test_add_that_already_exists_is_converged_with_idempotent_yes(server):
    """Another run created it between our read and our add: make it what we want instead of failing."""
    server.script(
        server.login_answer(),
        error(409, 273, "Resource already exists [name, web]"),
        Answer(200, {"errorcode": 0, "message": "Done", "severity": "NONE"}),
    )
    with client_for(server) as client:
        client.add("lbvserver", {"name": "web", "lbmethod": "ROUNDROBIN"})
    first, second = server.seen[1], server.seen[2]
    assert (first.method, first.path) == ("POST", "/nitro/v1/config/lbvserver")
    assert (second.method, second.path) == ("POST", "/nitro/v1/config/lbvserver?idempotent=yes")
    assert second.body == first.body


def test_bulk_add_sends_array_with_onerror_and_maps_207(server):
    server.script(
        server.login_answer(),
        Answer(
            207,
            {
                "errorcode": 1243,
                "message": "Bulk operation failed",
                "severity": "ERROR",
                "response": [
                    {"errorcode": 0, "message": "Done", "severity": "NONE"},
                    {"errorcode": 1097, "message": "Invalid argument value [port]", "severity": "ERROR"},
                ],
            },
        ),
    )
    objs = [{"name": "s1", "ip": "127.0.0.1"}, {"name": "s2", "ip": "127.0.0.2"}, {"name": "s3", "ip": "127.0.0.3"}]
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.add_bulk("service", objs)
    sent = server.seen[1]
    assert sent.headers["X-NITRO-ONERROR"] == "rollback"
    assert sent.body == {"service": objs}
    err = caught.value
    assert (err.status, err.errorcode, err.operation) == (207, 1097, "bulk add")
    failed = {item["name"]: item for item in err.items}
    assert failed["s2"]["errorcode"] == 1097
    assert failed["s3"]["not_run"] is True
    assert "s1" not in failed
    assert "rolled back" in str(err)
    assert "failed at item 1 's2'" in str(err)
    assert (err.applied, err.not_applied) == ([], ["s1", "s2", "s3"])  # rollback kept nothing
    assert not client.changed


def test_bulk_remove_and_unbind_use_post_actions(server):
    server.script(server.login_answer(), ok(), ok())
    with client_for(server) as client:
        client.delete_bulk("service", [{"name": "a"}, {"name": "b"}])
        client.unbind_bulk("lbvserver_service_binding", [{"name": "vs", "servicename": "a"}])
    rm, unbind = server.seen[1], server.seen[2]
    assert (rm.method, rm.path) == ("POST", "/nitro/v1/config/service?action=rm")
    assert rm.body == {"service": [{"name": "a"}, {"name": "b"}]}
    assert (unbind.method, unbind.path) == ("POST", "/nitro/v1/config/lbvserver_service_binding?action=unbind")


def test_bulk_is_chunked(server):
    server.script(server.login_answer(), ok(), ok(), ok())
    with client_for(server, bulk_chunk=2) as client:
        client.update_bulk("service", [{"name": str(i), "comment": "x"} for i in range(5)])
    puts = [s for s in server.seen if s.method == "PUT"]
    assert [len(p.body["service"]) for p in puts] == [2, 2, 1]


def test_duplicate_bind_is_the_state_we_wanted(server):
    server.script(server.login_answer(), error(409, 273, "Resource already exists"))
    with client_for(server) as client:
        client.bind("lbvserver_service_binding", {"name": "vs", "servicename": "a"})
    assert server.seen[1].method == "PUT"


def test_error_text_without_json_body_is_kept_short(server):
    server.script(server.login_answer(), Answer(500, None))
    with client_for(server, retries=0) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    assert caught.value.status == 500


def test_password_never_appears_in_any_output(server, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    log_lines: list[str] = []
    errors: list[str] = []
    server.script(
        error(401, 354, "Invalid username or password"),
        server.login_answer("tok-secret-session"),
        error(599, 1097, "Invalid argument value"),
        Answer(disconnect=True),
        Answer(disconnect=True),
    )
    for attempt in range(3):
        client = client_for(server, log=log_lines.append, retries=1)
        try:
            client.get("lbvserver") if attempt != 1 else client.update("lbvserver", {"name": "a", "comment": PASSWORD})
        except NitroError as exc:
            errors.append(str(exc))
            errors.append(json.dumps(exc.to_dict()))
            errors.append(repr(exc))
        finally:
            client.close()
    captured = capsys.readouterr()
    haystack = "\n".join([*log_lines, *errors, captured.out, captured.err, caplog.text])
    assert errors, "the scripted failures must have produced errors"
    assert PASSWORD not in haystack
    assert "S3cr3t" not in haystack


def test_bulk_add_after_a_lost_answer_resends_only_what_did_not_land(server):
    server.script(
        server.login_answer(),
        Answer(disconnect=True),  # POST array: no answer
        ok(service=[{"name": "s1"}]),  # GET: s1 landed
        Answer(201, {"errorcode": 0, "message": "Done", "severity": "NONE"}),
    )
    objs = [{"name": "s1"}, {"name": "s2"}, {"name": "s3"}]
    with client_for(server) as client:
        client.add_bulk("service", objs)
    posts = [s for s in server.seen if s.method == "POST" and s.path == "/nitro/v1/config/service"]
    assert [p.body["service"] for p in posts] == [objs, [{"name": "s2"}, {"name": "s3"}]]
    assert server.seen[2].path == "/nitro/v1/config/service?attrs=name"


def test_bulk_add_is_not_repeated_on_a_nitro_error(server):
    server.script(server.login_answer(), error(599, 1097, "Invalid argument value"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.add_bulk("service", [{"name": "s1"}, {"name": "s2"}])
    assert caught.value.errorcode == 1097
    assert sum(1 for s in server.seen if s.method == "POST" and s.path.endswith("/service")) == 1


@pytest.mark.parametrize(
    "secret",
    ["tok-abc123\n", "pa ss/w#rd+%41", "quote'and\"double", "tab\there "],
    ids=["trailing-newline", "url-special", "quotes", "tab-and-space"],
)
def test_redact_covers_every_spelling(secret):
    """Raw, stripped, JSON- and Python-escaped (requests quotes a bad header with repr), URL-encoded once/twice."""
    spellings = [
        secret,
        secret.strip(),
        json.dumps(secret),
        repr(secret),
        quote(secret, safe=""),
        quote(quote(secret, safe=""), safe=""),
        quote_plus(secret),
        quote(secret.strip(), safe=""),
    ]
    text = " | ".join(f"[{s}]" for s in spellings)
    cleaned = redact(text, [secret])
    for spelling in spellings:
        assert spelling.strip("'\"") not in cleaned
    assert "********" in cleaned


def test_login_answered_without_a_session_fails_naming_the_url(server):
    server.script(Answer(200, "<html>proxy</html>"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    text = str(caught.value)
    assert f"http://{server.nsip}/nitro/v1/config/login" in text and "HTTP 200" in text and "proxy" in text
    assert not caught.value.not_found


def test_404_without_a_nitro_errorcode_is_not_absent(server):
    server.script(Answer(404, "<html>Not Found</html>"))
    with client_for(server, password=None, auth_token="tok") as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver", "web")
    assert caught.value.status == 404 and not caught.value.not_found


# -- connection failures that name their fix (issue 24) ----------------------------------------------------------


def test_https_to_a_plain_http_port_says_the_server_did_not_answer_tls(server):
    """Before: the certificate hint ("Give the CA ..."), the wrong diagnosis for a port that speaks plain HTTP."""
    server.script(server.login_answer())
    with client_for(server, protocol="https") as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    text = str(caught.value)
    assert "did not answer TLS" in text and "nitro_protocol: http" in text
    assert "certificate" not in text and "after 1 attempt(s)" in text


def test_http_to_a_tls_port_is_not_retried_and_names_https(server):
    """A connection closed without an answer before the server ever answered HTTP: a TLS port, not a transient
    fault. Before: four attempts with back-off (about 9.5 s with the defaults) and a bare RemoteDisconnected."""
    server.script(Answer(disconnect=True), server.login_answer())
    with client_for(server, backoff=0.5) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    text = str(caught.value)
    assert "closed the connection on a plain HTTP request" in text and "nitro_protocol: https" in text
    assert [s.path for s in server.seen] == ["/nitro/v1/config/login"]


def test_plain_http_refused_by_a_web_server_names_https(server):
    server.script(Answer(400, "Bad Request. You're speaking plain HTTP to an SSL-enabled server port."))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    assert "refused a plain HTTP request" in str(caught.value) and "nitro_protocol: https" in str(caught.value)


@pytest.mark.parametrize("code", [354, 355])
def test_rejected_credentials_name_nitro_user_and_nitro_pass(server, code):
    """Before: "Check nsip, nitro_protocol and ... proxies", although NITRO said what was wrong."""
    server.script(error(401, code, "Invalid username or password"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    text = str(caught.value)
    assert "check nitro_user and nitro_pass" in text and "AWX" in text
    assert "Check nsip" not in text and PASSWORD not in text


def test_rename_whose_answer_was_lost_is_settled_by_reading_both_names(server):
    """A rename is not repeatable (the old name is gone once it landed): a lost answer is settled by a GET of the
    new and the old name, never by sending it again."""
    server.script(
        server.login_answer(),
        error(503, 0, "busy"),
        ok(lbvserver=[{"name": "web"}]),
        error(404, 258, "No such resource [vServerName, web-recreate]"),
    )
    with client_for(server) as client:
        client.rename("lbvserver", "web-recreate", "web")
        assert client.changed is True
    assert [(s.method, s.path.split("?")[0].rsplit("/", 1)[-1]) for s in server.seen[1:4]] == [
        ("POST", "lbvserver"),
        ("GET", "web"),
        ("GET", "web-recreate"),
    ]


def test_add_that_must_not_converge_fails_on_already_exists(server):
    """The replacement of a recreate must not update an object of the same name that is not ours."""
    server.script(server.login_answer(), error(409, 273, "Resource already exists [name, web-recreate]"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.add("lbvserver", {"name": "web-recreate", "servicetype": "HTTP"}, converge=False)
    assert caught.value.errorcode == 273
    assert [s.method for s in server.seen] == ["POST", "POST", "POST"]  # login, the add, logout: no idempotent=yes
