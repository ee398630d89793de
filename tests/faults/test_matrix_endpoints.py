"""Endpoints and TLS: a login not answered by NITRO fails (never "not found"); verification as configured, per
request, whatever REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE say; a CA bundle option; a fix hint when verification fails."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import certifi
import pytest

from tests.faults.conftest import Row, outcome, run


class Foreign(http.server.BaseHTTPRequestHandler):
    """Not NITRO: a web server or proxy answering on the port nsip points at."""

    status = 404
    seen: list[str] = []

    def _answer(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b"<html><body><h1>Not Found</h1></body></html>" if self.status == 404 else b"<html>Welcome</html>"
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def foreign(request: pytest.FixtureRequest) -> Iterator[tuple[str, type[Foreign]]]:
    handler = type("Handler", (Foreign,), {"status": getattr(request, "param", 404), "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


CASES = {
    "ns_save_config": ({}, False),
    "lb_healthcheck_info": ({}, False),
    "lb_service-check-mode": ({"name": "s1", "ip": "127.0.0.1", "servicetype": "HTTP", "port": 80}, True),
}


@pytest.mark.parametrize("foreign", [404, 200], indirect=True, ids=["login-404-html", "login-200-html"])
@pytest.mark.parametrize("case", list(CASES))
def test_login_not_answered_by_nitro_fails(msim, row: Row, foreign, case: str) -> None:
    nsip, handler = foreign
    args, check = CASES[case]
    module = case.removesuffix("-check-mode")
    row.expected = "fails naming the login URL and what came back; nothing reported as absent"
    result = run(msim, module, args, check=check, nsip=nsip)
    row.happened = outcome(result)
    assert result.get("failed") is True
    assert f"http://{nsip}/nitro/v1/config/login" in result["msg"]
    assert f"HTTP {handler.status}" in result["msg"] or f"(HTTP {handler.status}" in result["msg"]
    assert handler.seen == ["POST /nitro/v1/config/login"]  # nothing after the failed login
    assert not result["_leaked"]


def test_login_404_from_the_appliance_fails(msim, row: Row) -> None:
    msim.fault("status", method="POST", path="login$", status=404, errorcode=258, message="No such resource")
    row.expected = "fails naming the login URL; never 'nothing unsaved'"
    result = run(msim, "ns_save_config", {})
    row.happened = outcome(result)
    assert result.get("failed") is True and "/nitro/v1/config/login" in result["msg"]


# -- TLS ----------------------------------------------------------------------------------------------------------

TLS_CASES = {
    # name: (connection overrides, environment, expected to succeed)
    "verify-no-ca": ({}, {}, False),
    "verify-ca_bundle": ({"ca_bundle": "CERT"}, {}, True),
    "no-verify": ({"validate_certs": False}, {}, True),
    "no-verify+REQUESTS_CA_BUNDLE": ({"validate_certs": False}, {"REQUESTS_CA_BUNDLE": certifi.where()}, True),
    "no-verify+CURL_CA_BUNDLE": ({"validate_certs": False}, {"CURL_CA_BUNDLE": certifi.where()}, True),
    "verify+REQUESTS_CA_BUNDLE=sim-ca": ({}, {"REQUESTS_CA_BUNDLE": "CERT"}, True),
    "verify-ca_bundle+REQUESTS_CA_BUNDLE=other": ({"ca_bundle": "CERT"}, {"REQUESTS_CA_BUNDLE": certifi.where()}, True),
}


@pytest.mark.parametrize("case", list(TLS_CASES), ids=[f"tls:{c}" for c in TLS_CASES])
def test_tls(msim_tls, row: Row, case: str) -> None:
    overrides, env, succeeds = TLS_CASES[case]
    cert = msim_tls.cert_path
    overrides = {k: (cert if v == "CERT" else v) for k, v in overrides.items()}
    env = {k: (cert if v == "CERT" else v) for k, v in env.items()}
    row.expected = "ok" if succeeds else "fails fast with a fix hint (ca_bundle / validate_certs)"
    result = run(msim_tls, "ns_save_config", {}, nitro_protocol="https", env=env, **overrides)
    row.happened = outcome(result)
    if succeeds:
        assert not result.get("failed"), result.get("msg")
    else:
        assert result.get("failed") is True
        assert "ca_bundle" in result["msg"] and "validate_certs: false" in result["msg"]
        assert result["_elapsed"] < 10  # a certificate error is not retried
