"""Authentication and NITRO sessions: login/logout, the session store, and the three ways a request proves who
it is (session cookie, X-NITRO-USER/PASS headers, HTTP Basic).

Sources: NITRO API reference "Connecting to the NetScaler appliance" (login, NITRO_AUTH_TOKEN cookie, session
timeout) and the public SDKs (the Java SDK sends `Cookie: sessionid=`, the Go SDK a request header named
`Set-Cookie`).
"""

from __future__ import annotations

import base64
import contextlib
import http.cookies
import secrets
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from . import errors as E
from .errors import NitroError, Response, done
from .runtime import SimClock

TOKEN_COOKIES = ("NITRO_AUTH_TOKEN", "sessionid")


class Sessions:
    """NITRO sessions: token -> user and idle deadline in simulated time."""

    def __init__(self, clock: SimClock, timeout: float) -> None:
        self.clock = clock
        self.default_timeout = timeout
        self._lock = threading.Lock()
        self._sessions: dict[str, dict[str, Any]] = {}

    def create(self, user: str, timeout: float | None) -> str:
        # Test stubs of several clients show session ids shaped "##<hex>".
        token = "##" + secrets.token_hex(32).upper()
        with self._lock:
            self._sessions[token] = {
                "user": user,
                "timeout": float(timeout or self.default_timeout),
                "last": self.clock.now(),
                "expired": False,
            }
        return token

    def check(self, token: str) -> str:
        """Return the user of a live session and refresh its idle timer; 401/444 otherwise (README choice: an
        unknown, killed or expired token all answer 444 "Session expired or killed")."""
        with self._lock:
            sess = self._sessions.get(token)
            now = self.clock.now()
            if sess is None or sess["expired"] or now - sess["last"] > sess["timeout"]:
                if sess is not None:
                    sess["expired"] = True
                raise NitroError(401, 444)
            sess["last"] = now
            return sess["user"]

    def drop(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def expire_all(self) -> int:
        with self._lock:
            for sess in self._sessions.values():
                sess["expired"] = True
            return len(self._sessions)

    def kill_all(self) -> int:
        with self._lock:
            n = len(self._sessions)
            self._sessions.clear()
            return n

    def active(self) -> int:
        now = self.clock.now()
        with self._lock:
            return sum(1 for s in self._sessions.values() if not s["expired"] and now - s["last"] <= s["timeout"])


class Auth:
    """The one account of the simulated appliance and its sessions."""

    def __init__(self, user: str, password: str, sessions: Sessions) -> None:
        self.user = user
        self.password = password
        self.sessions = sessions

    def login(self, body: Any, entry: dict[str, Any]) -> Response:
        entry["auth"] = "login"
        login = body.get("login") if isinstance(body, dict) else None
        if not isinstance(login, dict):
            raise E.required_missing("login")
        if login.get("username") != self.user or login.get("password") != self.password:
            raise NitroError(401, 354)  # README: bad login answers 401/354
        timeout = login.get("timeout")
        if timeout is not None:
            try:
                timeout = int(timeout)
            except (TypeError, ValueError):
                raise E.invalid_value(f"timeout, {timeout}") from None
            if timeout <= 0:
                raise E.invalid_value(f"timeout, {timeout}")
        token = self.sessions.create(self.user, timeout)
        payload = {**done(), "sessionid": token}
        return Response(201, payload, {"Set-Cookie": f"NITRO_AUTH_TOKEN={token}; path=/nitro/v1; HttpOnly"})

    def logout(self, token: str | None) -> Response:
        if token is not None:
            self.sessions.drop(token)
        return Response(200, done())

    def authenticate(self, h: BaseHTTPRequestHandler, entry: dict[str, Any]) -> tuple[str, str | None]:
        """Session cookie (checked first), X-NITRO-USER/PASS headers or HTTP Basic: (user, token or None)."""
        token = session_token(h)
        if token is not None:
            entry["auth"] = "session"
            return self.sessions.check(token), token
        user = h.headers.get("X-NITRO-USER")
        if user is not None:
            entry["auth"] = "headers"
            self._check(user, h.headers.get("X-NITRO-PASS"))
            return user, None
        auth = h.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            entry["auth"] = "basic"
            try:
                user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except ValueError:
                raise NitroError(401, 354) from None
            self._check(user, password)
            return user, None
        entry["auth"] = "none"
        raise NitroError(401, 1027)

    def _check(self, user: str, password: str | None) -> None:
        if user != self.user or password != self.password:
            raise NitroError(401, 354)


def session_token(h: BaseHTTPRequestHandler) -> str | None:
    # netscaler.adc: Cookie NITRO_AUTH_TOKEN; Java SDK 10.x: Cookie sessionid; Go SDK: the token in a request
    # header named Set-Cookie.
    for header in ("Cookie", "Set-Cookie"):
        raw = h.headers.get(header)
        if not raw:
            continue
        jar = http.cookies.SimpleCookie()
        with contextlib.suppress(http.cookies.CookieError):
            jar.load(raw)
        for key in TOKEN_COOKIES:
            if key in jar and jar[key].value:
                return jar[key].value
        for part in raw.split(";"):
            key, _, value = part.strip().partition("=")
            if key in TOKEN_COOKIES and value:
                return value
    return None
