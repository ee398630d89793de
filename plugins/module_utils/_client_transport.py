# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NITRO session and transport: login and logout, one request with its retries, time budget and
redaction. PRIVATE to the adcops.netscaler collection; :class:`NitroClient` (``_client``) builds on it."""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ansible_collections.adcops.netscaler.plugins.module_utils._client_errors import (
    BAD_CREDENTIALS_CODES,
    CREDENTIALS_HINT,
    LOGIN_HINT,
    LOGOUT_TIMEOUT,
    NOT_TLS_HINT,
    NOT_TLS_SIGNS,
    PLAIN_ON_TLS_HINT,
    PLAIN_REFUSED_HINT,
    RETRY_STATUSES,
    SESSION_EXPIRED_CODES,
    TLS_FAILED_HINT,
    TLS_HINT,
    NitroError,
    int_or_none,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._redact import redact

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by ansible-test sanity (import)
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

# login and logout are the only requests other than GET that a read-only client sends.
SESSION_RESOURCES = ("login", "logout")

_Self = TypeVar("_Self", bound="NitroTransport")


class NitroTransport:
    """A NITRO session on one appliance for the length of one module run.

    One keep-alive ``requests.Session``; one login (``POST /config/login``, then the
    ``NITRO_AUTH_TOKEN`` cookie) and one logout in :meth:`close`. With an auth token
    it neither logs in nor out: the token belongs to whoever issued it (a play-wide
    session of the ``nitro_session`` module). With the token *and* credentials, a
    token that has expired is replaced by one login of this client's own, which it
    logs out of in :meth:`close`.

    Time: ``timeout`` is the budget of one operation (a request, its retries and a
    re-login together), so a stalled appliance fails a call within ``timeout`` seconds
    whatever the retry count. TLS: ``verify`` is passed with every request, so
    REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE cannot turn ``validate_certs: false`` back on.

    Check mode: with ``read_only`` set, every request but a GET, login and logout raises
    RuntimeError (a bug of ours, not a NITRO failure) before anything is sent.
    """

    def __init__(
        self,
        nsip: str,
        *,
        user: str | None = None,
        password: str | None = None,
        auth_token: str | None = None,
        protocol: str = "https",
        validate_certs: bool = True,
        ca_bundle: str | None = None,
        timeout: float = 60,
        retries: int = 3,
        backoff: float = 0.5,
        bulk_chunk: int = 1000,
        log: Callable[[str], None] | None = None,
        read_only: bool = False,
    ) -> None:
        if not HAS_REQUESTS:
            raise NitroError("the Python library 'requests' is required", operation="connect")
        if not timeout or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.base_url = f"{protocol}://{nsip}/nitro/v1"
        self.protocol = protocol
        # Whether the server has answered any request with HTTP: until it has, a connection closed on a plain
        # HTTP request means a TLS port far more often than a transient fault.
        self._answered = False
        self.user = user
        self._password = password
        self._token = auth_token
        self._owns_session = auth_token is None
        self._logged_in = False
        self.timeout = float(timeout)
        self.retries = max(0, retries)
        self.backoff = backoff
        self.bulk_chunk = max(1, bulk_chunk)
        self._log = log
        self.request_count = 0
        # Check mode: any request but a GET, login or logout is a bug of ours, stopped before it is sent.
        self.read_only = read_only
        # Whether a write was applied (and not rolled back): a failed task reports changed=true then.
        self.changed = False
        self.verify: bool | str = (ca_bundle or True) if validate_certs else False
        self.session = requests.Session()
        self.session.verify = self.verify
        self.session.headers.update({"Content-Type": "application/json", "Accept": "application/json"})
        if auth_token:
            self._set_token(auth_token)

    # -- session -----------------------------------------------------------------

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _secrets(self) -> tuple[str | None, ...]:
        return (self._password, self._token)

    def _set_token(self, token: str) -> None:
        self._token = token
        self.session.headers["Cookie"] = f"NITRO_AUTH_TOKEN={token}"

    def login(self, deadline: float | None = None) -> None:
        """POST /config/login; only NITRO's answer (201, errorcode 0, a session id) counts as a login."""
        if not self._owns_session:
            return
        if not self.user or self._password is None:
            raise NitroError(
                "nitro_user and nitro_pass (or nitro_auth_token) are required to log in",
                operation="login",
            )
        self.session.headers.pop("Cookie", None)
        url = f"{self.base_url}/config/login"
        body = {"login": {"username": self.user, "password": self._password}}
        try:
            data, response = self._send(
                "POST", "/config/login", body=body, operation="login", resource="login", deadline=deadline
            )
        except NitroError as exc:
            if exc.status is None:
                raise
            exc.message = redact(f"{url} answered {exc.message}", self._secrets)
            bad_credentials = exc.status == 401 and (exc.errorcode in BAD_CREDENTIALS_CODES or exc.errorcode is None)
            exc.hint = CREDENTIALS_HINT if bad_credentials else login_hint(exc.message)
            raise
        # On-prem NITRO answers with a top-level sessionid and also sets the cookie (NITRO "Performing Basic
        # Operations", https://developer-docs.netscaler.com/en-us/adc-nitro-api/12-1/performing-basic-netscaler-operations);
        # the ADM proxy nests it in a "login" list (adc-nitro-go; inferred, not yet verified on an appliance).
        nested = data.get("login")
        first = nested[0] if isinstance(nested, list) and nested and isinstance(nested[0], dict) else {}
        token = data.get("sessionid") or response.cookies.get("NITRO_AUTH_TOKEN") or first.get("sessionid")
        if response.status_code not in (200, 201) or int_or_none(data.get("errorcode")) != 0 or not token:
            raise NitroError(
                redact(f"{url} did not return a NITRO session: {describe(response)}", self._secrets),
                operation="login",
                status=response.status_code,
                hint=login_hint(describe(response)),
            )
        self._set_token(str(token))
        self._logged_in = True

    def open_session(self, deadline: float | None = None) -> str:
        """Log in and hand the session over: the caller logs out of it, this client never does."""
        self._owns_session = True
        self._logged_in = False
        self.login(deadline)
        self._owns_session = False
        self._logged_in = False
        return str(self._token)

    def end_session(self, deadline: float | None = None) -> bool:
        """Log out of the session this client was given; False when it had already expired or been killed."""
        if self._token is None:
            return False
        try:
            self._post_logout(deadline)
        except NitroError as exc:
            if exc.status == 401 and exc.errorcode in SESSION_EXPIRED_CODES:
                return False
            raise
        finally:
            self.session.headers.pop("Cookie", None)
            self._token = None
        return True

    def _post_logout(self, deadline: float | None) -> None:
        """The logout request itself, never retried: a repeated logout of a closed session only errors."""
        self._send(
            "POST", "/config/logout", body={"logout": {}}, operation="logout", resource="logout", retry=False,
            deadline=deadline,
        )  # fmt: skip

    def _may_relogin(self) -> bool:
        """Our own session, or a given token with the credentials to replace it (one login of our own)."""
        if self._owns_session:
            return self._logged_in
        return bool(self.user) and self._password is not None

    def ensure_session(self, deadline: float | None = None) -> None:
        if self._owns_session and not self._logged_in:
            self.login(deadline)

    def logout(self) -> None:
        if not (self._owns_session and self._logged_in):
            return
        self._logged_in = False
        try:
            self._post_logout(time.monotonic() + min(self.timeout, LOGOUT_TIMEOUT))
        except NitroError:
            # The module's outcome is already decided; a failed logout only leaves a session
            # that the appliance expires on its own (30 min default, see LOGOUT_TIMEOUT).
            pass
        finally:
            self.session.headers.pop("Cookie", None)
            self._token = None

    def close(self) -> None:
        try:
            self.logout()
        finally:
            self.session.close()

    # -- transport ---------------------------------------------------------------

    def _debug(self, line: str) -> None:
        if self._log:
            self._log(redact(line, self._secrets))

    def deadline(self) -> float:
        """The end of one operation's time budget: ``timeout`` seconds from now."""
        return time.monotonic() + self.timeout

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        operation: str,
        resource: str,
        name: str | None = None,
        retry: bool = True,
        deadline: float | None = None,
    ) -> tuple[dict[str, Any], requests.Response]:
        """Send one request; retry transport failures and 502/503/504 when repeating is safe.

        ``retry`` says the request may be repeated as is (GET, PUT, DELETE, repeatable actions).
        Every attempt, the back-off sleeps and a re-login share the budget that ends at ``deadline``.
        """
        if self.read_only and method != "GET" and resource not in SESSION_RESOURCES:
            raise RuntimeError(
                f"internal error: {method} {resource} ({operation}) on a read-only NITRO client; "
                "check mode sends no write"
            )
        url = self.base_url + path
        payload = None if body is None else json.dumps(body)
        deadline = deadline if deadline is not None else self.deadline()
        attempt = 0
        relogged = False
        while True:
            attempt += 1
            started = time.monotonic()
            remaining = deadline - started
            try:
                if remaining <= 0:
                    raise requests.Timeout(f"no time left of the {self.timeout:g} s budget")
                self.request_count += 1
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=payload,
                    headers=headers,
                    timeout=remaining,
                    verify=self.verify,  # per request: the environment must not override it
                )
            except requests.RequestException as exc:
                self._debug(f"{method} {path} -> {type(exc).__name__}")
                hint = self._connection_hint(exc)
                # A TLS failure or a plain HTTP request that a TLS port refused repeats identically: no retry.
                if hint is None and retry and self._may_retry(attempt, deadline):
                    continue
                text = f"{method} {url}: {type(exc).__name__}: {exc} (after {attempt} attempt(s))"
                if isinstance(exc, requests.Timeout):
                    text = (
                        f"{method} {url}: no complete answer within nitro_timeout={self.timeout:g} s "
                        f"({attempt} attempt(s)): {type(exc).__name__}"
                    )
                raise NitroError(
                    redact(text, self._secrets),
                    operation=operation,
                    resource=resource,
                    name=name,
                    hint=hint,
                ) from None
            self._answered = True
            elapsed = time.monotonic() - started
            self._debug(f"{method} {path} -> {response.status_code} in {elapsed:.3f}s")
            data = self._json(response)
            status = response.status_code
            if status in RETRY_STATUSES and retry and self._may_retry(attempt, deadline):
                continue
            errorcode = int_or_none(data.get("errorcode"))
            if (
                status == 401
                and errorcode in SESSION_EXPIRED_CODES
                and not relogged
                and resource not in SESSION_RESOURCES
                and self._may_relogin()
            ):
                # One transparent re-login when the session expired (adc-nitro-go drops its session then). A given
                # token is replaced by a session of our own, which close() logs out of.
                relogged = True
                self._owns_session = True
                self._logged_in = False
                self.login(deadline)
                attempt -= 1
                continue
            if status >= 400 or (errorcode not in (None, 0) and status != 207):
                message = data.get("message") or response.reason or f"HTTP {status}"
                if not data:
                    message = f"{message} (not a NITRO answer: {describe(response)})"
                raise NitroError(
                    redact(str(message), self._secrets),
                    operation=operation,
                    resource=resource,
                    name=name,
                    status=status,
                    errorcode=errorcode,
                    severity=data.get("severity"),
                )
            if method != "GET" and resource not in SESSION_RESOURCES and status != 207:
                self.changed = True
            return data, response

    def _connection_hint(self, exc: Exception) -> str | None:
        """The fix for a failure that repeating cannot cure, or None (the failure may be transient)."""
        text = str(exc).lower()
        if isinstance(exc, requests.exceptions.SSLError):
            if "certificate" in text or "hostname" in text or "doesn't match" in text:
                return TLS_HINT
            if any(sign in text for sign in NOT_TLS_SIGNS):
                return NOT_TLS_HINT
            return TLS_FAILED_HINT
        closed = "connection aborted" in text or "remotedisconnected" in text or "connection reset" in text
        if (
            self.protocol == "http"
            and not self._answered
            and isinstance(exc, requests.exceptions.ConnectionError)
            and closed
        ):
            return PLAIN_ON_TLS_HINT
        return None

    def _may_retry(self, attempt: int, deadline: float) -> bool:
        """Sleep before the next attempt if the retry count and the time budget allow one."""
        if attempt > self.retries:
            return False
        pause = min(self.backoff * (2 ** (attempt - 1)), 10.0)
        if time.monotonic() + pause >= deadline:
            return False
        time.sleep(pause)
        return True

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        if not response.content:
            return {}
        try:
            data = response.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _call(self, method: str, path: str, *, deadline: float | None = None, **kwargs: Any) -> dict[str, Any]:
        deadline = deadline if deadline is not None else self.deadline()
        self.ensure_session(deadline)
        data, _response = self._send(method, path, deadline=deadline, **kwargs)
        return data


def login_hint(answer: str) -> str:
    """What to check when the login was answered, but not by NITRO (or not with a session)."""
    # A web server that got plain HTTP on its TLS port answers 400 with a text saying so (Apache: "You're speaking
    # plain HTTP to an SSL-enabled server port"; nginx: "The plain HTTP request was sent to HTTPS port").
    lowered = answer.lower()
    if "plain http" in lowered or "ssl-enabled" in lowered or "https port" in lowered:
        return PLAIN_REFUSED_HINT
    return LOGIN_HINT


def describe(response: requests.Response) -> str:
    """What came back, for a person: status, content type and the start of the body."""
    snippet = " ".join(response.text[:200].split())
    kind = response.headers.get("Content-Type", "no content type")
    return f"HTTP {response.status_code} {response.reason or ''}".rstrip() + f", {kind}, body {snippet!r}"
