"""_client_encoding: names double-encoded in the path, args=/filter= values once (a scripted local HTTP server)."""

from __future__ import annotations

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._client import (
    encode_name,
)
from tests.unit.scripted_server import ok


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("web vs", "web%2520vs"),
        ("a/b", "a%252Fb"),
        ("pool#1", "pool%25231"),
        ("x:y@z=1", "x%253Ay%2540z%253D1"),
    ],
)
def test_names_are_double_encoded_in_the_path(server, name, wire, client_for):
    assert encode_name(name) == wire
    server.script(server.login_answer(), ok(service=[{"name": name}]))
    with client_for(server) as client:
        assert client.get("service", name)[0]["name"] == name
    assert server.seen[1].path == f"/nitro/v1/config/service/{wire}"


def test_args_and_filter_values_are_encoded_once(server, client_for):
    server.script(server.login_answer(), ok(), ok())
    with client_for(server) as client:
        client.get("service_lbmonitor_binding", "svc 1", filter={"monitor_name": "hc/a b"})
        client.delete("lbmonitor", "mon 1", args={"type": "HTTP-ECV"})
    get, delete = server.seen[1], server.seen[2]
    assert get.path == "/nitro/v1/config/service_lbmonitor_binding/svc%25201?filter=monitor_name:hc%2Fa%20b"
    assert delete.method == "DELETE"
    assert delete.path == "/nitro/v1/config/lbmonitor/mon%25201?args=type:HTTP-ECV"
