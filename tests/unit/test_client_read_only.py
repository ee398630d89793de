"""NitroClient.read_only: check mode's last line of defence, against a real local HTTP server.

A read-only client sends GETs, login and logout; any other request is a bug of ours and must
raise before a byte of it reaches the appliance.
"""

from __future__ import annotations

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient
from tests.unit.scripted_server import ScriptedServer, ok

PASSWORD = "r3ad-0nly-Pa55"

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


@pytest.fixture
def server():
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def client_for(server: ScriptedServer, **kwargs) -> NitroClient:
    options = {"user": "nsroot", "password": PASSWORD, "protocol": "http", "backoff": 0.01, "timeout": 5}
    options.update(kwargs)
    return NitroClient(server.nsip, **options)


def test_read_only_is_off_by_default(server):
    client = client_for(server)
    assert client.read_only is False
    client.close()


@pytest.mark.parametrize(("write", "method", "resource"), WRITES)
def test_read_only_client_refuses_every_write_before_sending_it(server, write, method, resource):
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


def test_read_only_set_after_construction_guards_the_first_request_too(server):
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


def test_read_only_client_reads_and_can_be_switched_off(server):
    server.script(server.login_answer("tok-rw"), ok(), ok(), ok())
    with client_for(server, read_only=True) as client:
        assert client.count("lbvserver") == 0
        client.read_only = False
        client.update("lbvserver", {"name": "vs", "comment": "x"})
        assert client.changed is True
    assert [s.method for s in server.seen] == ["POST", "GET", "PUT", "POST"]
    assert server.seen[2].body == {"lbvserver": {"name": "vs", "comment": "x"}}


def test_read_only_token_session_opens_and_ends(server):
    """open_session/end_session are login and logout: a read-only client may do both (nitro_session in check mode)."""
    server.script(server.login_answer("tok-play"), ok())
    client = client_for(server, read_only=True)
    token = client.open_session()
    assert token == "tok-play"
    assert client.end_session() is True
    client.close()
    assert [s.path for s in server.seen] == ["/nitro/v1/config/login", "/nitro/v1/config/logout"]
