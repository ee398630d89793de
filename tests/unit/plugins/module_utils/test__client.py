"""_client: NitroClient's reads and single-object writes against a real local HTTP server whose answers each test
scripts."""

from __future__ import annotations

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._client import (
    NitroError,
)
from tests.unit.scripted_server import Answer, error, ok


def test_missing_resource_and_empty_binding_read_as_empty(server, client_for):
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


def test_count_reads_dunder_count(server, client_for):
    server.script(server.login_answer(), ok(service=[{"__count": "1000"}]))
    with client_for(server) as client:
        assert client.count("service") == 1000
    assert server.seen[1].path == "/nitro/v1/config/service?count=yes"


def test_add_is_retried_only_after_a_get_shows_it_did_not_land(server, client_for):
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


def test_add_that_landed_is_not_sent_twice_and_succeeds(server, client_for):
    """The answer was lost, the GET (after one 503) shows the object: the add is done, not failed."""
    server.script(server.login_answer(), Answer(disconnect=True), error(503, 0, "busy"), ok(lbvserver=[{"name": "w"}]))
    with client_for(server) as client:
        client.add("lbvserver", {"name": "w"})
        assert client.changed
    assert sum(1 for s in server.seen if s.method == "POST" and s.path.endswith("/lbvserver")) == 1


def test_add_that_already_exists_is_converged_with_idempotent_yes(server, client_for):
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


def test_duplicate_bind_is_the_state_we_wanted(server, client_for):
    server.script(server.login_answer(), error(409, 273, "Resource already exists"))
    with client_for(server) as client:
        client.bind("lbvserver_service_binding", {"name": "vs", "servicename": "a"})
    assert server.seen[1].method == "PUT"


def test_rename_whose_answer_was_lost_is_settled_by_reading_both_names(server, client_for):
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


def test_add_that_must_not_converge_fails_on_already_exists(server, client_for):
    """The replacement of a recreate must not update an object of the same name that is not ours."""
    server.script(server.login_answer(), error(409, 273, "Resource already exists [name, web-recreate]"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.add("lbvserver", {"name": "web-recreate", "servicetype": "HTTP"}, converge=False)
    assert caught.value.errorcode == 273
    assert [s.method for s in server.seen] == ["POST", "POST", "POST"]  # login, the add, logout: no idempotent=yes
