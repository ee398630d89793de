"""_client_errors: NitroError's fields, short texts, a 404 that is not NITRO's (a scripted local HTTP server)."""

from __future__ import annotations

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._client import (
    NitroError,
)
from tests.unit.scripted_server import Answer, error


def test_error_carries_operation_resource_status_code_and_message(server, client_for):
    server.script(server.login_answer(), error(400, 1097, "Invalid argument value [lbmethod]"))
    with client_for(server) as client, pytest.raises(NitroError) as caught:
        client.add("lbvserver", {"name": "web"})
    err = caught.value
    assert (err.operation, err.resource, err.name, err.status, err.errorcode) == ("add", "lbvserver", "web", 400, 1097)
    text = str(err)
    for part in ("add", "lbvserver", "'web'", "HTTP 400", "errorcode 1097", "Invalid argument value"):
        assert part in text
    assert err.to_dict()["errorcode"] == 1097


def test_error_text_without_json_body_is_kept_short(server, client_for):
    server.script(server.login_answer(), Answer(500, None))
    with client_for(server, retries=0) as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver")
    assert caught.value.status == 500


def test_404_without_a_nitro_errorcode_is_not_absent(server, client_for):
    server.script(Answer(404, "<html>Not Found</html>"))
    with client_for(server, password=None, auth_token="tok") as client, pytest.raises(NitroError) as caught:
        client.get("lbvserver", "web")
    assert caught.value.status == 404 and not caught.value.not_found
