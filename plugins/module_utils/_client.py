# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NITRO v1 REST client. PRIVATE to the adcops.netscaler collection; not a public API.

Every NITRO specific lives here: URL forms, name encoding, authentication and
sessions, retries, bulk requests and error mapping. Modules never build HTTP
requests themselves. Facts are cited against ../shared/reference/nitro_api.md
(section numbers) and the sources it names (JAVA-SDK, GO-SDK, COLL, DOC-ERR...).
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, quote_plus

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by ansible-test sanity (import)
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

# 401 bodies carrying one of these mean "log in again" (§1.2: GO-SDK clears its
# session on 444/1027; ERRLIST lists 451 and 472 as invalid/expired session).
SESSION_EXPIRED_CODES = frozenset({444, 1027, 451, 472})
# Status codes worth retrying: a proxy or the appliance's web server is briefly unavailable.
RETRY_STATUSES = frozenset({502, 503, 504})
# "Does not exist" answers of a GET or DELETE (§1.6: 258 No such resource, 344 No Service, 351 No such server).
NOT_FOUND_CODES = frozenset({258, 344, 351})
# 409/273 "Resource already exists" (§1.6).
ALREADY_EXISTS_CODE = 273
BULK_FAILED_CODE = 1243  # DOC-ERR: HTTP 207, per-item results in "response"
ONERROR_CHOICES = ("exit", "continue", "rollback")
# Actions whose repetition leaves the appliance as one run would, so a retry is safe.
REPEATABLE_ACTIONS = frozenset({"enable", "disable", "unset", "save"})
REDACTED = "********"
# "Not bound" answers of an unbind: lbvserver member (1303), monitor (2170); the member or parent is gone (258, 344).
NOT_BOUND_CODES = frozenset({1303, 2170, 258, 344})
# Logout must not hold a failed task back: a session left behind expires on its own (§1.2).
LOGOUT_TIMEOUT = 3.0


class NitroError(Exception):
    """Every failure of a NITRO call: transport, HTTP or NITRO errorcode.

    Carries what a person needs to act: the operation and resource, the HTTP status,
    the NITRO errorcode and message, and for bulk calls the per-item results.
    Secrets are never part of it: messages are built from NITRO's answer only and
    redacted again before they are stored.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        resource: str | None = None,
        name: str | None = None,
        status: int | None = None,
        errorcode: int | None = None,
        severity: str | None = None,
        items: list[dict[str, Any]] | None = None,
        applied: list[Any] | None = None,
        not_applied: list[Any] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.resource = resource
        self.name = name
        self.status = status
        self.errorcode = errorcode
        self.severity = severity
        self.items = items or []
        # Bulk calls: names of the items the appliance kept and of those it did not (after any rollback).
        self.applied = applied or []
        self.not_applied = not_applied or []
        self.hint = hint

    @property
    def not_found(self) -> bool:
        """NITRO said the object does not exist. Only a NITRO answer (an errorcode) counts: a 404 from a
        proxy or a wrong port is a failure, never "absent" (a login failure never is either)."""
        if self.operation == "login" or self.errorcode is None:
            return False
        return self.status == 404 or self.errorcode in NOT_FOUND_CODES

    @property
    def transient(self) -> bool:
        """No answer, or a gateway/availability answer: the request may not have been applied."""
        return self.status is None or self.status in RETRY_STATUSES

    @property
    def already_exists(self) -> bool:
        return self.errorcode == ALREADY_EXISTS_CODE

    def __str__(self) -> str:
        target = "" if self.resource in (None, self.operation) else self.resource
        if self.name is not None:
            target = f"{target} {self.name!r}"
        head = f"NITRO {self.operation or 'request'} {target}".rstrip() + " failed"
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.errorcode is not None:
            details.append(f"errorcode {self.errorcode}")
        text = f"{head} ({', '.join(details)})" if details else head
        text = f"{text}: {self.message.rstrip('.')}"
        failed = [item for item in self.items if item.get("errorcode")]
        if failed:
            shown = "; ".join(
                f"item {item['index']}"
                + (f" {item['name']!r}" if item.get("name") is not None else "")
                + f": errorcode {item['errorcode']} {item.get('message', '')}".rstrip()
                for item in failed[:10]
            )
            more = f" (and {len(failed) - 10} more)" if len(failed) > 10 else ""
            text = f"{text}. Failed items: {shown}{more}"
        if self.applied:
            text = f"{text}. Applied: {_names(self.applied)}"
        if self.not_applied and self.applied:
            text = f"{text}. Not applied: {_names(self.not_applied)}"
        if self.hint:
            text = f"{text}. {self.hint}"
        return text

    def restated(
        self, message: str, *, operation: str, resource: str | None = None, name: str | None = None
    ) -> NitroError:
        """The same failure told at a higher level (a recreate): keeps status, errorcode and the item lists."""
        return NitroError(
            message,
            operation=operation,
            resource=resource or self.resource,
            name=name,
            status=self.status,
            errorcode=self.errorcode,
            severity=self.severity,
            items=self.items,
            applied=self.applied,
            not_applied=self.not_applied,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "resource": self.resource,
            "name": self.name,
            "http_status": self.status,
            "errorcode": self.errorcode,
            "message": self.message,
            "severity": self.severity,
            "items": self.items,
            "applied": self.applied,
            "not_applied": self.not_applied,
        }


def encode_name(name: Any) -> str:
    """Resource names go into the path double-URL-encoded, as all three official clients do (§1.8)."""
    return quote(quote(_scalar(name), safe=""), safe="")


def encode_pairs(pairs: Mapping[str, Any] | None) -> str | None:
    """`args=`/`filter=` values are encoded once (§1.8); booleans become lowercase words (COLL url_builder)."""
    if not pairs:
        return None
    return ",".join(f"{key}:{quote(_scalar(value), safe='')}" for key, value in pairs.items())


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        # `nd6ravariables/1.0` fails where `/1` works (§1.8)
        return str(int(value))
    return str(value)


def secret_forms(secret: str) -> set[str]:
    """Every spelling a secret takes in text: raw and stripped, JSON/Python-escaped (a trailing newline
    becomes ``\\n``), quoted, and URL-encoded once or twice (``%0A``, ``+`` for spaces)."""
    forms: set[str] = set()
    for value in dict.fromkeys((secret, secret.strip())):
        if not value:
            continue
        escaped = {value, json.dumps(value)[1:-1], repr(value)[1:-1], value.encode("unicode_escape").decode("ascii")}
        for form in escaped:
            once = quote(form, safe="")
            forms.update({form, once, quote_plus(form, safe=""), quote(once, safe=""), quote(form)})
    return {form for form in forms if form}


def redact(text: str, secrets: Iterable[str | None]) -> str:
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms |= secret_forms(secret)
    # Longest first, so an escaped form is not half-replaced by its raw prefix.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


class NitroClient:
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
    ) -> None:
        if not HAS_REQUESTS:
            raise NitroError("the Python library 'requests' is required", operation="connect")
        if not timeout or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.base_url = f"{protocol}://{nsip}/nitro/v1"
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
        # Whether a write was applied (and not rolled back): a failed task reports changed=true then.
        self.changed = False
        self.verify: bool | str = (ca_bundle or True) if validate_certs else False
        self.session = requests.Session()
        self.session.verify = self.verify
        self.session.headers.update({"Content-Type": "application/json", "Accept": "application/json"})
        if auth_token:
            self._set_token(auth_token)

    # -- session -----------------------------------------------------------------

    def __enter__(self) -> NitroClient:
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
            exc.hint = LOGIN_HINT
            raise
        # On-prem NITRO answers with a top-level sessionid and also sets the cookie (§1.2); the ADM proxy
        # nests it in a "login" list.
        nested = data.get("login")
        first = nested[0] if isinstance(nested, list) and nested and isinstance(nested[0], dict) else {}
        token = data.get("sessionid") or response.cookies.get("NITRO_AUTH_TOKEN") or first.get("sessionid")
        if response.status_code not in (200, 201) or _int_or_none(data.get("errorcode")) != 0 or not token:
            raise NitroError(
                redact(f"{url} did not return a NITRO session: {describe(response)}", self._secrets),
                operation="login",
                status=response.status_code,
                hint=LOGIN_HINT,
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
            # that the appliance expires on its own (§1.2, 30 min default).
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
                tls = isinstance(exc, requests.exceptions.SSLError)
                if not tls and retry and self._may_retry(attempt, deadline):
                    continue
                text = f"{method} {url}: {type(exc).__name__}: {exc}"
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
                    hint=TLS_HINT if tls else None,
                ) from None
            elapsed = time.monotonic() - started
            self._debug(f"{method} {path} -> {response.status_code} in {elapsed:.3f}s")
            data = self._json(response)
            status = response.status_code
            if status in RETRY_STATUSES and retry and self._may_retry(attempt, deadline):
                continue
            errorcode = _int_or_none(data.get("errorcode"))
            if (
                status == 401
                and errorcode in SESSION_EXPIRED_CODES
                and not relogged
                and resource not in ("login", "logout")
                and self._may_relogin()
            ):
                # One transparent re-login when the session expired (GO-SDK, JAVA-SDK on 444). A given
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
            if method != "GET" and resource not in ("login", "logout") and status != 207:
                self.changed = True
            return data, response

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

    # -- reads -------------------------------------------------------------------

    def get(
        self,
        resource: str,
        name: Any = None,
        *,
        attrs: Sequence[str] | None = None,
        filter: Mapping[str, Any] | None = None,
        args: Mapping[str, Any] | None = None,
        stat: bool = False,
        bulkbindings: bool = False,
    ) -> list[dict[str, Any]]:
        """GET one or all; a missing resource or an empty binding is an empty list.

        ``bulkbindings`` reads a binding resource for every parent at once
        (``GET /config/<binding>?bulkbindings=yes``, NITRO reference "get (all)" of bindings).
        """
        path = f"/{'stat' if stat else 'config'}/{resource}"
        if name is not None:
            path += "/" + encode_name(name)
        params = {}
        if attrs:
            params["attrs"] = ",".join(attrs)  # attrs is not encoded (§1.8)
        if filter:
            params["filter"] = encode_pairs(filter)
        if args:
            params["args"] = encode_pairs(args)
        if bulkbindings:
            params["bulkbindings"] = "yes"
        try:
            data = self._call(
                "GET", path, params=_raw_query(params), operation="get", resource=resource, name=_opt_str(name)
            )
        except NitroError as exc:
            if exc.not_found:
                return []
            raise
        # Singletons come back as an object, lists as arrays; a binding with no members
        # has no resource key at all (§1.3).
        found = data.get(resource)
        if found is None:
            return []
        if isinstance(found, dict):
            return [found]
        return [item for item in found if isinstance(item, dict)]

    def get_one(self, resource: str, name: Any, **kwargs: Any) -> dict[str, Any] | None:
        found = self.get(resource, name, **kwargs)
        return found[0] if found else None

    def count(self, resource: str, *, filter: Mapping[str, Any] | None = None) -> int:
        params = {"count": "yes"}
        if filter:
            params["filter"] = encode_pairs(filter)
        try:
            data = self._call(
                "GET", f"/config/{resource}", params=_raw_query(params), operation="count", resource=resource
            )
        except NitroError as exc:
            if exc.not_found:
                return 0
            raise
        found = data.get(resource) or [{}]
        first = found[0] if isinstance(found, list) else found
        return int(float(first.get("__count", 0)))

    # -- writes ------------------------------------------------------------------

    def add(
        self,
        resource: str,
        obj: Mapping[str, Any],
        *,
        key: str | None = "name",
        idempotent: bool = False,
    ) -> None:
        """POST add. A lost answer is settled by a GET: an add that landed is done, one that did not is sent
        again. "Already exists" (273, another run created it since our read) is converged with
        ``?idempotent=yes``, which turns the add into an update (DOC-REST-11, §1.3)."""
        name = obj.get(key) if key else None
        deadline = self.deadline()
        attempt = 0
        while True:
            attempt += 1
            try:
                self._call(
                    "POST",
                    f"/config/{resource}",
                    params={"idempotent": "yes"} if idempotent else None,
                    body={resource: dict(obj)},
                    operation="add",
                    resource=resource,
                    name=_opt_str(name),
                    retry=idempotent,  # idempotent=yes turns a repeated add into an update (§1.3)
                    deadline=deadline,
                )
                return
            except NitroError as exc:
                if exc.already_exists and not idempotent and name is not None:
                    self._debug(f"add {resource} {name}: already exists; converging it with idempotent=yes")
                    idempotent = True
                    continue
                if not exc.transient or idempotent or name is None:
                    raise
                if self.get_one(resource, name) is not None:
                    self._debug(f"add {resource} {name}: the answer was lost but the object is there")
                    self.changed = True
                    return
                if not self._may_retry(attempt, deadline):
                    raise

    def update(self, resource: str, obj: Mapping[str, Any], *, name: Any = None) -> None:
        """PUT without the name in the URL, as COLL does; singletons (nstcpparam) have none (§1.3)."""
        self._call(
            "PUT",
            f"/config/{resource}",
            body={resource: dict(obj)},
            operation="update",
            resource=resource,
            name=_opt_str(name),
        )

    def delete(self, resource: str, name: Any, *, args: Mapping[str, Any] | None = None) -> bool:
        """DELETE; returns False when it was already gone (a retried DELETE that landed, or absent)."""
        params = {"args": encode_pairs(args)} if args else None
        try:
            self._call(
                "DELETE",
                f"/config/{resource}/{encode_name(name)}",
                params=_raw_query(params) if params else None,
                operation="delete",
                resource=resource,
                name=_opt_str(name),
            )
        except NitroError as exc:
            if exc.not_found:
                return False
            raise
        return True

    def action(
        self,
        resource: str,
        action: str,
        obj: Mapping[str, Any] | None = None,
        *,
        name: Any = None,
    ) -> dict[str, Any]:
        """``POST /config/<res>?action=<verb>`` (enable, disable, unset, rename, save...)."""
        return self._call(
            "POST",
            f"/config/{resource}",
            params={"action": action},
            body={resource: dict(obj or {})},
            operation=action,
            resource=resource,
            name=_opt_str(name),
            retry=action in REPEATABLE_ACTIONS,
        )

    def bind(self, binding: str, obj: Mapping[str, Any]) -> None:
        """Bind is a PUT on the binding resource (§1.3, COLL and CITRIX-OLD)."""
        self.bind_bulk(binding, [obj])

    def unbind(self, binding: str, parent: Any, args: Mapping[str, Any]) -> bool:
        return self.delete(binding, parent, args=args)

    def save_config(self) -> None:
        self.action("nsconfig", "save", {})

    # -- bulk --------------------------------------------------------------------

    def add_bulk(
        self, resource: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "rollback"
    ) -> list[dict[str, Any]]:
        """POST an array. After a transport failure only the items a GET shows missing are sent again;
        items another run created meanwhile (273) are converged with ``?idempotent=yes``."""
        results: list[dict[str, Any]] = []
        for offset, chunk in self._chunks(objs):
            pending = list(chunk)
            deadline = self.deadline()
            idempotent = False
            attempt = 0
            while pending:
                attempt += 1
                try:
                    results += self._converge(
                        "POST",
                        resource,
                        pending,
                        onerror=onerror,
                        operation="add",
                        offset=offset,
                        key=key,
                        retry=idempotent,
                        query={"idempotent": "yes"} if idempotent else None,
                        deadline=deadline,
                    )
                    break
                except NitroError as exc:
                    exists = [i for i in exc.items if i.get("errorcode") == ALREADY_EXISTS_CODE]
                    if exists and not idempotent and len(exists) == len([i for i in exc.items if i.get("errorcode")]):
                        self._debug(f"bulk add {resource}: {len(exists)} item(s) already exist; idempotent=yes")
                        idempotent = True
                        pending = [obj for obj in pending if str(obj.get(key)) not in set(map(str, exc.applied))]
                        continue
                    if not exc.transient or idempotent:
                        raise
                    present = {str(obj.get(key)) for obj in self.get(resource, attrs=[key])}
                    pending = [obj for obj in pending if str(obj.get(key)) not in present]
                    if len(pending) < len(chunk):
                        self.changed = True
                    if pending and not self._may_retry(attempt, deadline):
                        raise
        return results

    def update_bulk(
        self, resource: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "exit"
    ) -> list[dict[str, Any]]:
        return self._bulk_chunks("PUT", resource, objs, onerror=onerror, operation="update", key=key, retry=True)

    def delete_bulk(
        self, resource: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "continue"
    ) -> list[dict[str, Any]]:
        """Bulk remove is ``POST ?action=rm`` with an array (JAVA-SDK base_resource.delete_bulk_request).
        Repeating it is safe: what is already gone answers "not found", which counts as done."""
        return self._bulk_chunks(
            "POST",
            resource,
            objs,
            onerror=onerror,
            operation="rm",
            key=key,
            action="rm",
            retry=True,
            tolerate=NOT_FOUND_CODES,
        )

    def action_bulk(
        self, resource: str, action: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "exit"
    ) -> list[dict[str, Any]]:
        return self._bulk_chunks(
            "POST",
            resource,
            objs,
            onerror=onerror,
            operation=action,
            key=key,
            action=action,
            retry=action in REPEATABLE_ACTIONS,
        )

    def bind_bulk(
        self, binding: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "rollback"
    ) -> list[dict[str, Any]]:
        # "Already bound" (273: a repeated PUT that landed, or another run) is the state we wanted.
        return self._bulk_chunks(
            "PUT",
            binding,
            objs,
            onerror=onerror,
            operation="bind",
            key=key,
            retry=True,
            tolerate=frozenset({ALREADY_EXISTS_CODE}),
        )

    def unbind_bulk(
        self, binding: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "continue"
    ) -> list[dict[str, Any]]:
        """Bulk unbind is ``POST ?action=unbind`` with an array (JAVA-SDK delete_bulk_request on a binding).
        "Not bound" (a repeated unbind that landed, or another run) is the state we wanted."""
        return self._bulk_chunks(
            "POST",
            binding,
            objs,
            onerror=onerror,
            operation="unbind",
            key=key,
            action="unbind",
            retry=True,
            tolerate=NOT_BOUND_CODES,
        )

    def _chunks(self, objs: Sequence[Mapping[str, Any]]) -> Iterable[tuple[int, Sequence[Mapping[str, Any]]]]:
        for start in range(0, len(objs), self.bulk_chunk):
            yield start, objs[start : start + self.bulk_chunk]

    def _bulk_chunks(
        self,
        method: str,
        resource: str,
        objs: Sequence[Mapping[str, Any]],
        *,
        onerror: str,
        operation: str,
        **options: Any,
    ) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        done: list[Any] = []
        for offset, chunk in self._chunks(objs):
            try:
                found = self._converge(
                    method, resource, chunk, onerror=onerror, operation=operation, offset=offset, **options
                )
            except NitroError as exc:
                # Earlier chunks were applied: say so, and that later chunks were not sent.
                key = options.get("key", "name")
                later = [obj.get(key) for obj in objs[offset + len(chunk) :]]
                exc.applied = done + exc.applied
                exc.not_applied = exc.not_applied + later
                raise
            done += [r["name"] for r in found if r["applied"]]
            results += found
        return results

    def _converge(
        self,
        method: str,
        resource: str,
        objs: Sequence[Mapping[str, Any]],
        *,
        key: str = "name",
        tolerate: frozenset[int] = frozenset(),
        **options: Any,
    ) -> list[dict[str, Any]]:
        """Send one array until every item is applied or in the wanted state already (``tolerate``).

        A tolerated answer (already bound, already gone) still stops an ``exit`` run and rolls back a
        ``rollback`` one, so the items NITRO did not keep are sent again: their state is what counts.
        """
        pending = list(objs)
        index_of = {id(obj): options.get("offset", 0) + i for i, obj in enumerate(objs)}
        settled: dict[int, dict[str, Any]] = {}
        applied: list[Any] = []
        for _round in range(len(pending) + 1):
            try:
                results = self._bulk(method, resource, pending, key=key, tolerate=tolerate, **options)
            except NitroError as exc:
                exc.applied = applied + exc.applied
                raise
            redo = []
            for obj, result in zip(pending, results, strict=True):
                result["index"] = index_of[id(obj)]
                if result["applied"] or result["errorcode"] in tolerate:
                    settled[result["index"]] = result
                    if result["applied"]:
                        applied.append(result["name"])
                else:
                    redo.append(obj)
            if not redo:
                break
            pending = redo
        return [settled[index] for index in sorted(settled)]

    def _bulk(
        self,
        method: str,
        resource: str,
        objs: Sequence[Mapping[str, Any]],
        *,
        onerror: str,
        operation: str,
        offset: int = 0,
        key: str = "name",
        action: str | None = None,
        retry: bool = False,
        tolerate: frozenset[int] = frozenset(),
        query: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> list[dict[str, Any]]:
        """Send one array request and map the 207 per-item answer (DOC-ERR, §1.5).

        Every result says whether NITRO kept the item (``applied``): after a failure, ``rollback``
        undoes the adds and binds that had run; ``exit`` leaves them and does not run the rest.
        Raises when an item failed with a code not in ``tolerate``, listing what was and was not applied.
        """
        if not objs:
            return []
        if onerror not in ONERROR_CHOICES:
            raise ValueError(f"onerror must be one of {ONERROR_CHOICES}")
        params = dict(query or {})
        if action:
            params["action"] = action
        items = list(objs)
        names = [obj.get(key) for obj in items]
        try:
            data = self._call(
                method,
                f"/config/{resource}",
                params=params or None,
                body={resource: [dict(o) for o in items]},
                headers={"X-NITRO-ONERROR": onerror},
                operation=operation,
                resource=resource,
                retry=retry,
                deadline=deadline,
            )
        except NitroError as exc:
            # An array of one may be answered like a single request (plain 4xx/599).
            if len(items) == 1 and exc.errorcode is not None:
                result = {
                    "index": offset,
                    "name": names[0],
                    "errorcode": exc.errorcode,
                    "message": exc.message,
                    "not_run": False,
                    "applied": False,
                }
                if exc.errorcode in tolerate:
                    return [result]
                exc.items = [result]
            exc.operation = f"bulk {operation}"
            exc.not_applied = names
            raise
        answers = data.get("response") if data.get("errorcode") == BULK_FAILED_CODE else None
        # NITRO undoes adds and binds only; for other operations rollback acts like exit (§1.5).
        rolled_back = answers is not None and onerror == "rollback" and operation in ("add", "bind")
        results = []
        for index, obj in enumerate(items):
            answer = answers[index] if answers and index < len(answers) else None
            if answers is not None and answer is None:
                # onerror=exit/rollback stops at the failed item: what follows was not run.
                answer = {"errorcode": None, "message": "not run"}
            code = _int_or_none((answer or {}).get("errorcode")) or 0
            not_run = answer is not None and answer.get("errorcode") is None
            results.append(
                {
                    "index": offset + index,
                    "name": obj.get(key),
                    "errorcode": code,
                    "message": (answer or {}).get("message", "Done"),
                    "not_run": not_run,
                    "applied": not code and not not_run and not rolled_back,
                }
            )
        if any(r["applied"] for r in results):
            self.changed = True
        failed = [r for r in results if r["errorcode"] and r["errorcode"] not in tolerate]
        if failed:
            first = failed[0]
            applied = [r["name"] for r in results if r["applied"]]
            rolled = (
                f" NITRO rolled back the {sum(1 for r in results if not r['errorcode'] and not r['not_run'])}"
                " item(s) that had run before it."
                if rolled_back
                else ""
            )
            raise NitroError(
                f"bulk {operation} of {len(items)} item(s) failed at item {first['index']}"
                + (f" {first['name']!r}" if first["name"] is not None else "")
                + f": errorcode {first['errorcode']} {first['message']}".rstrip()
                + f" ({len(failed)} item(s) failed).{rolled}",
                operation=f"bulk {operation}",
                resource=resource,
                status=207,
                errorcode=first["errorcode"],
                items=[r for r in results if (r["errorcode"] and r["errorcode"] not in tolerate) or r["not_run"]],
                applied=applied,
                not_applied=[r["name"] for r in results if not r["applied"]],
            )
        return results


LOGIN_HINT = (
    "Check nsip (host or host:port of the NetScaler management address, no path), nitro_protocol and that "
    "nothing (a proxy, another web server) answers in NITRO's place"
)
TLS_HINT = (
    "The appliance's TLS certificate could not be verified. Give the CA that signed it with ca_bundle (or the "
    "NETSCALER_CA_BUNDLE, REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE environment variable), use the name the "
    "certificate was issued for in nsip, or, on a trusted management network only, set validate_certs: false"
)


def describe(response: requests.Response) -> str:
    """What came back, for a person: status, content type and the start of the body."""
    snippet = " ".join(response.text[:200].split())
    kind = response.headers.get("Content-Type", "no content type")
    return f"HTTP {response.status_code} {response.reason or ''}".rstrip() + f", {kind}, body {snippet!r}"


def _raw_query(params: Mapping[str, Any] | None) -> str | None:
    """Build the query by hand: values are already encoded and NITRO wants ':' and ',' as they are."""
    if not params:
        return None
    return "&".join(f"{key}={value}" for key, value in params.items() if value is not None)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _names(names: Sequence[Any], limit: int = 20) -> str:
    shown = ", ".join(str(n) for n in names[:limit])
    return shown + (f" (and {len(names) - limit} more)" if len(names) > limit else "")


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
