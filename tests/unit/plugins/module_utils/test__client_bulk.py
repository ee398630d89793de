"""_client_bulk: arrays, X-NITRO-ONERROR, chunks, HTTP 207 per item, what a lost answer resends (a scripted local HTTP
server)."""

from __future__ import annotations

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._client import (
    NitroError,
)
from tests.unit.scripted_server import Answer, error, ok


def test_bulk_add_sends_array_with_onerror_and_maps_207(server, client_for):
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


def test_bulk_remove_and_unbind_use_post_actions(server, client_for):
    server.script(server.login_answer(), ok(), ok())
    with client_for(server) as client:
        client.delete_bulk("service", [{"name": "a"}, {"name": "b"}])
        client.unbind_bulk("lbvserver_service_binding", [{"name": "vs", "servicename": "a"}])
    rm, unbind = server.seen[1], server.seen[2]
    assert (rm.method, rm.path) == ("POST", "/nitro/v1/config/service?action=rm")
    assert rm.body == {"service": [{"name": "a"}, {"name": "b"}]}
    assert (unbind.method, unbind.path) == ("POST", "/nitro/v1/config/lbvserver_service_binding?action=unbind")


def test_bulk_is_chunked(server, client_for):
    server.script(server.login_answer(), ok(), ok(), ok())
    with client_for(server, bulk_chunk=2) as client:
        client.update_bulk("service", [{"name": str(i), "comment": "x"} for i in range(5)])
    puts = [s for s in server.seen if s.method == "PUT"]
    assert [len(p.body["service"]) for p in puts] == [2, 2, 1]


def test_bulk_add_after_a_lost_answer_resends_only_what_did_not_land(server, client_for):
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


def test_bulk_add_is_not_repeated_on_a_nitro_error(server, client_for):
    server.script(server.login_answer(), error(599, 1097, "Invalid argument value"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.add_bulk("service", [{"name": "s1"}, {"name": "s2"}])
    assert caught.value.errorcode == 1097
    assert sum(1 for s in server.seen if s.method == "POST" and s.path.endswith("/service")) == 1
