"""_redact: no spelling of a secret in any output of the client."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.adcops.netscaler.plugins.module_utils._client import (
    NitroError,
    redact,
)
from tests.unit.scripted_server import PASSWORD, Answer, error


def test_password_never_appears_in_any_output(server, capsys, caplog, client_for):
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
