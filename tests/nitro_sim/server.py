"""HTTP(S) front end of the simulator: NITRO routing, authentication and sessions, the request log, faults,
bulk requests and the control API under /sim/v1/.

NITRO facts implemented here are cited from /work/shared/reference/nitro_api.md (§ numbers below).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import http.cookies
import itertools
import json
import os
import secrets
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

from . import errors as E
from .appliance import Appliance, split_kv
from .errors import NitroError, done
from .faults import Fault, FaultRegistry
from .hanode import HaNodes
from .runtime import SimClock
from .schema import AGGREGATES, BINDINGS, RESOURCES

CONFIG_PREFIX = "/nitro/v1/config/"
STAT_PREFIX = "/nitro/v1/stat/"
SINGLETONS = ("nsversion", "nstcpparam", "nsmode", "nsfeature", "nsconfig")
LOG_LIMIT = 20000
DEFAULT_ALLOW = ("127.0.0.0/8", "::1/128")


class Sessions:
    """NITRO sessions: token -> user and idle deadline in simulated time (nitro_api.md §1.2)."""

    def __init__(self, clock: SimClock, timeout: float) -> None:
        self.clock = clock
        self.default_timeout = timeout
        self._lock = threading.Lock()
        self._sessions: dict[str, dict[str, Any]] = {}

    def create(self, user: str, timeout: float | None) -> str:
        # Test stubs of several clients show session ids shaped "##<hex>" (nitro_api.md §1.2).
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


class RequestLog:
    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._seq = itertools.count(1)

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            entry["seq"] = next(self._seq)
            self._entries.append(entry)

    def list(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries if e["seq"] > since]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _mask(body: Any) -> Any:
    """Never keep a password in the log (login body, and any `password`-like attribute)."""
    if isinstance(body, dict):
        return {
            k: ("***" if k in ("password", "secondarypassword", "radkey", "secureargs") else _mask(v))
            for k, v in body.items()
        }
    if isinstance(body, list):
        return [_mask(v) for v in body]
    return body


class _Response:
    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.payload = payload
        self.headers = headers or {}


class SimCore:
    """Everything behind the sockets; one instance per Simulator."""

    def __init__(
        self,
        user: str,
        password: str,
        *,
        session_timeout: float,
        time_scale: float,
        probe_allow: Iterable[str],
        health_factory: Callable[[Appliance], Any] | None,
    ) -> None:
        self.user = user
        self.password = password
        self.default_time_scale = time_scale
        self.clock = SimClock(time_scale)
        self.probe_allow = tuple(probe_allow)
        if health_factory is None:
            health_factory = _optional_hook("health", "default_factory")
        self.appliance = Appliance(health_factory=health_factory, clock=self.clock, probe_allow=self.probe_allow)
        self.sessions = Sessions(self.clock, session_timeout)
        self.log = RequestLog()
        self.faults = FaultRegistry()
        self.ha = HaNodes(self.appliance.mgmt_ip)
        self.state_file: str | None = None
        self._dirty = False
        self._save_lock = threading.Lock()
        # Behaviour-engine extension points, picked up when those modules define them (README "Hooks").
        self.stat_handler: Callable[..., Any] | None = _optional_hook("stats", "handle_stat")
        self.vip_handler: Callable[[str], dict[str, Any]] | None = None

    # -- persistence ----------------------------------------------------------------------------------------------
    def attach_state_file(self, path: str) -> None:
        self.state_file = path
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path, encoding="utf-8") as fh:
                self.appliance.load(json.load(fh))
        self.appliance.on_write = self._mark_dirty

    def _mark_dirty(self) -> None:
        self._dirty = True

    def flush_state(self) -> None:
        if not self.state_file or not self._dirty:
            return
        with self._save_lock:
            self._dirty = False
            data = self.appliance.export()
            directory = os.path.dirname(os.path.abspath(self.state_file))
            fd, tmp = tempfile.mkstemp(prefix=".sim-state", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, self.state_file)

    # -- control ----------------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.appliance.reset()
        self.log.clear()
        self.faults.clear()
        self.ha.reset()
        self.sessions.kill_all()
        self.set_time_scale(self.default_time_scale)
        self._dirty = True
        self.flush_state()

    def set_time_scale(self, factor: float) -> None:
        self.clock.set_scale(factor)
        self.appliance.health.set_time_scale(factor)

    # -- request entry point ------------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        raw_path, _, qs = h.path.partition("?")
        length = int(h.headers.get("Content-Length") or 0)
        raw_body = h.rfile.read(length) if length > 0 else b""
        if raw_path.startswith("/sim/v1/"):
            resp = self._control(method, raw_path[len("/sim/v1/") :], raw_body)
            self._send(h, resp)
            return
        query = {k: v[-1] for k, v in parse_qs(qs, keep_blank_values=True).items()}
        entry: dict[str, Any] = {
            "method": method,
            "path": raw_path,
            "query": query,
            "body": None,
            "status": None,
            "errorcode": None,
            "time": time.time(),
            "auth": None,
            "onerror": h.headers.get("X-NITRO-ONERROR"),
        }
        fault: Fault | None = None
        try:
            body = self._parse_body(h, raw_body)
            entry["body"] = _mask(body)
            is_bulk = _is_bulk(body, raw_path)
            fault = self.faults.take(method, raw_path, is_bulk)
            if fault is not None and fault.kind == "status":
                status = int(fault.status or 503)
                raise NitroError(status, int(fault.errorcode or 0), message=fault.message)
            if fault is not None and fault.kind == "stall":
                time.sleep(float(fault.seconds or 0))
            bulk_fault = fault if fault is not None and fault.kind == "bulk_fail" else None
            resp = self._nitro(h, method, raw_path, query=query, body=body, entry=entry, bulk_fault=bulk_fault)
        except NitroError as exc:
            resp = _Response(exc.http_status, exc.envelope())
        except Exception:  # a simulator bug must still answer, loudly
            traceback.print_exc(file=sys.stderr)
            resp = _Response(500, {"errorcode": 256, "message": "Internal simulator error", "severity": "ERROR"})
        entry["status"] = resp.status
        if isinstance(resp.payload, dict):
            entry["errorcode"] = resp.payload.get("errorcode")
        entry["time_done"] = time.time()
        self.log.add(entry)
        self.flush_state()
        if fault is not None and fault.kind == "disconnect":
            self._send(h, resp, truncate=True)
        else:
            self._send(h, resp)

    # -- plumbing -------------------------------------------------------------------------------------------------
    def _send(self, h: BaseHTTPRequestHandler, resp: _Response, truncate: bool = False) -> None:
        data = json.dumps(resp.payload).encode() if resp.payload is not None else b""
        h.send_response(resp.status, E.REASONS.get(resp.status))
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        for key, value in resp.headers.items():
            h.send_header(key, value)
        h.end_headers()
        if truncate:
            # Cut the answer in the middle of the body and drop the connection (fault "disconnect").
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return
        h.wfile.write(data)

    def _parse_body(self, h: BaseHTTPRequestHandler, raw: bytes) -> Any:
        if not raw.strip():
            return None
        ctype = (h.headers.get("Content-Type") or "").lower()
        text = raw.decode("utf-8", errors="replace")
        if "x-www-form-urlencoded" in ctype:
            # Old form style: the JSON travels in an `object=` field (nitro_api.md §1.1).
            form = parse_qs(text, keep_blank_values=True)
            if "object" not in form:
                raise E.invalid_arg("object")
            text = form["object"][-1]
        try:
            return json.loads(text)
        except ValueError:
            raise E.invalid_arg("invalid JSON in request body") from None

    def _authenticate(self, h: BaseHTTPRequestHandler, entry: dict[str, Any]) -> tuple[str, str | None]:
        """Session cookie, X-NITRO-USER/PASS headers or HTTP Basic (nitro_api.md §1.2)."""
        token = _session_token(h)
        if token is not None:
            entry["auth"] = "session"
            return self.sessions.check(token), token
        user = h.headers.get("X-NITRO-USER")
        if user is not None:
            entry["auth"] = "headers"
            if user != self.user or h.headers.get("X-NITRO-PASS") != self.password:
                raise NitroError(401, 354)
            return user, None
        auth = h.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            entry["auth"] = "basic"
            try:
                user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except ValueError:
                raise NitroError(401, 354) from None
            if user != self.user or password != self.password:
                raise NitroError(401, 354)
            return user, None
        entry["auth"] = "none"
        raise NitroError(401, 1027)

    def _nitro(
        self,
        h: BaseHTTPRequestHandler,
        method: str,
        path: str,
        *,
        query: dict[str, str],
        body: Any,
        entry: dict[str, Any],
        bulk_fault: Fault | None,
    ) -> _Response:
        if path.startswith(STAT_PREFIX):
            self._authenticate(h, entry)
            return self._stat(path[len(STAT_PREFIX) :], query)
        if not path.startswith(CONFIG_PREFIX):
            raise NitroError(404, 258, "resource")
        rest = path[len(CONFIG_PREFIX) :]
        res, _, raw_name = rest.partition("/")
        # Names arrive double-URL-encoded from all official clients (nitro_api.md §1.8).
        name = unquote(unquote(raw_name)) if raw_name else None
        if res == "login" and method == "POST":
            return self._login(body, entry)
        _user, token = self._authenticate(h, entry)
        if res == "logout" and method == "POST":
            if token is not None:
                self.sessions.drop(token)
            return _Response(200, done())
        if res == "hanode":  # hanode.py: read-only, its state comes from the control API
            if method != "GET":
                raise self.ha.refuse_write()
            return _Response(200, {**done(), res: self.ha.rows(name)})
        if method == "GET":
            return self._get(res, name, query)
        if method == "POST":
            return self._post(h, res, query, body, bulk_fault)
        if method == "PUT":
            return self._put(h, res, name, query=query, body=body, bulk_fault=bulk_fault)
        if method == "DELETE":
            return self._delete(res, name, query)
        raise NitroError(405, 301)

    def _login(self, body: Any, entry: dict[str, Any]) -> _Response:
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
        return _Response(201, payload, {"Set-Cookie": f"NITRO_AUTH_TOKEN={token}; path=/nitro/v1; HttpOnly"})

    # -- GET ---------------------------------------------------------------------------------------------------------
    def _get(self, res: str, name: str | None, query: dict[str, str]) -> _Response:
        app = self.appliance
        args = split_kv(query.get("args"))
        filters = split_kv(query.get("filter"))
        if res in SINGLETONS:
            # Singletons answer an object, not a one-element list (nitro_api.md §1.3).
            return _Response(200, {**done(), res: app.get(res, None, args)})
        if res in BINDINGS or res in AGGREGATES:
            rows = app.get_binding(res, name)
        elif res in RESOURCES:
            rows = app.get(res, name, args)
            assert isinstance(rows, list)
            args = {k: v for k, v in args.items() if k not in ("td", "type", "includemembers")}
        else:
            raise E.not_found(f"resource, {res}")
        if args:
            rows = [r for r in rows if all(k not in r or _match(r[k], v) for k, v in args.items())]
        if filters:
            rows = [r for r in rows if all(k in r and _match(r[k], v) for k, v in filters.items())]
        if query.get("count", "").lower() == "yes":
            # count=yes -> [{"__count": N}] (JAVA-SDK count(), nitro_api.md §1.4)
            return _Response(200, {**done(), res: [{"__count": len(rows)}]})
        if "pagesize" in query:
            size = _positive_int("pagesize", query["pagesize"])
            page = _positive_int("pageno", query.get("pageno", "1"))
            rows = rows[(page - 1) * size : page * size]
        if "attrs" in query:
            wanted = [a.strip() for a in query["attrs"].split(",") if a.strip()]
            rows = [{k: r[k] for k in wanted if k in r} for r in rows]
        if not rows:
            # An empty answer carries no resource key (COLL common.get_resource comment, nitro_api.md §1.3).
            return _Response(200, done())
        return _Response(200, {**done(), res: rows})

    # -- writes -------------------------------------------------------------------------------------------------------
    def _items(self, res: str, body: Any) -> tuple[Any, dict[str, Any]]:
        if not isinstance(body, dict):
            raise E.required_missing(res)
        params = body.get("params") if isinstance(body.get("params"), dict) else {}
        if res not in body:
            raise E.required_missing(res)
        return body[res], params

    def _onerror(self, h: BaseHTTPRequestHandler, query: dict[str, str], params: dict[str, Any]) -> str:
        value = h.headers.get("X-NITRO-ONERROR") or params.get("onerror") or query.get("onerror") or "exit"
        value = str(value).lower()
        if value not in ("continue", "exit", "rollback"):
            raise E.invalid_value(f"onerror, {value}")
        return value

    def _run(
        self,
        h: BaseHTTPRequestHandler,
        query: dict[str, str],
        items: Any,
        params: dict[str, Any],
        op: Callable[[Any], int | None],
        *,
        ok_status: int,
        rollbackable: bool,
        bulk_fault: Fault | None,
    ) -> _Response:
        if not isinstance(items, list):
            status = op(items)
            return _Response(status or ok_status, done())
        # Bulk: one result per item; partial failure -> 207 + 1243 (nitro_api.md §1.5, DOC-ERR).
        onerror = self._onerror(h, query, params)
        app = self.appliance
        with app.lock:
            snapshot = app.export() if onerror == "rollback" and rollbackable else None
            results: list[dict[str, Any]] = []
            failed = False
            for index, item in enumerate(items):
                try:
                    if bulk_fault is not None and index == bulk_fault.at_item:
                        raise NitroError(int(bulk_fault.status or 400), int(bulk_fault.errorcode or 1097),
                                         message=bulk_fault.message)  # fmt: skip
                    op(item)
                    results.append(done())
                except NitroError as exc:
                    failed = True
                    results.append(exc.envelope())
                    if onerror in ("exit", "rollback"):
                        break
            if failed and snapshot is not None:
                # Rollback undoes adds and binds only (DOC-REST-11); other operations stay committed like exit.
                app.load(snapshot)
                app.on_write and app.on_write()
        if failed:
            return _Response(
                207,
                {"errorcode": 1243, "message": "Bulk operation failed", "severity": "ERROR", "response": results},
            )
        return _Response(ok_status, done())

    def _post(
        self, h: BaseHTTPRequestHandler, res: str, query: dict[str, str], body: Any, bulk_fault: Fault | None
    ) -> _Response:
        app = self.appliance
        action = query.get("action")
        if res in ("nsconfig", "nsmode", "nsfeature"):
            if not action:
                raise NitroError(400, 1074, "add command not present for this resource")
            items, params = self._items(res, body if body is not None else {res: {}})
            return self._run(
                h,
                query,
                items,
                params,
                lambda it: app.action(res, action, it),
                ok_status=200,
                rollbackable=False,
                bulk_fault=bulk_fault,
            )
        items, params = self._items(res, body)
        if action is None:
            if res in BINDINGS:
                # POST binds like PUT, with the same checks and answers (409/273 duplicate, 404 missing parent):
                # the official collection's standalone binding modules POST (create_resource) and its CI runs them
                # against a NetScaler CPX; inline bindings PUT. 201 as for any add (inferred).
                return self._run(
                    h,
                    query,
                    items,
                    params,
                    lambda it: app.bind(res, it, None),
                    ok_status=201,
                    rollbackable=True,
                    bulk_fault=bulk_fault,
                )
            idem = query.get("idempotent", "").lower() == "yes"
            return self._run(
                h,
                query,
                items,
                params,
                lambda it: app.add(res, it, idem),
                ok_status=201,
                rollbackable=True,
                bulk_fault=bulk_fault,
            )
        if action == "rm":
            # Bulk delete (JAVA-SDK delete_bulk_request, team fact base): item = keys + delete args.
            spec = RESOURCES.get(res)
            if spec is None or spec.key is None:
                raise NitroError(400, 1074, "rm command not present for this resource")

            def rm(item: Any) -> None:
                if not isinstance(item, dict):
                    raise E.invalid_arg(res)
                args = {k: str(v) for k, v in item.items()}
                app.delete(res, args.pop(spec.key, None), args)

            return self._run(h, query, items, params, rm, ok_status=200, rollbackable=False, bulk_fault=bulk_fault)
        if action == "unbind":
            spec_b = BINDINGS.get(res)
            if spec_b is None:
                raise NitroError(400, 1074, "unbind command not present for this resource")

            def unbind(item: Any) -> None:
                if not isinstance(item, dict):
                    raise E.invalid_arg(res)
                args = dict(item)
                app.unbind(res, args.pop(spec_b.parent_key, None), args)

            return self._run(h, query, items, params, unbind, ok_status=200, rollbackable=False, bulk_fault=bulk_fault)
        return self._run(
            h,
            query,
            items,
            params,
            lambda it: app.action(res, action, it),
            ok_status=200,
            rollbackable=False,
            bulk_fault=bulk_fault,
        )

    def _put(
        self,
        h: BaseHTTPRequestHandler,
        res: str,
        name: str | None,
        *,
        query: dict[str, str],
        body: Any,
        bulk_fault: Fault | None,
    ) -> _Response:
        app = self.appliance
        items, params = self._items(res, body)
        if res in BINDINGS:
            return self._run(
                h,
                query,
                items,
                params,
                lambda it: app.bind(res, it, name),
                ok_status=200,
                rollbackable=True,
                bulk_fault=bulk_fault,
            )
        if res in RESOURCES:
            return self._run(
                h,
                query,
                items,
                params,
                lambda it: app.update(res, it, name),
                ok_status=200,
                rollbackable=False,
                bulk_fault=bulk_fault,
            )
        raise NitroError(400, 1074, "set command not present for this resource")

    def _delete(self, res: str, name: str | None, query: dict[str, str]) -> _Response:
        args = split_kv(query.get("args"))
        if res in BINDINGS:
            self.appliance.unbind(res, name, args)
        elif res in RESOURCES:
            self.appliance.delete(res, name, args)
        else:
            raise NitroError(400, 1074, "rm command not present for this resource")
        return _Response(200, done())

    # -- stat ----------------------------------------------------------------------------------------------------------
    def _stat(self, rest: str, query: dict[str, str]) -> _Response:
        res, _, raw_name = rest.partition("/")
        name = unquote(unquote(raw_name)) if raw_name else None
        if self.stat_handler is not None:
            status, payload = self.stat_handler(self.appliance, res, name, query)
            return _Response(status, payload)
        app = self.appliance
        with app.lock:
            if res == "lbvserver":
                names = [name] if name else list(app.objects["lbvserver"])
                rows = []
                for n in names:
                    st = app.vserver_state(n)
                    rows.append({"name": n, "state": st["curstate"], "actsvcs": str(st["activeservices"]),
                                 "tothits": "0", "curclntconnections": "0"})  # fmt: skip
                return _Response(200, {**done(), res: rows} if rows else done())
            if res == "service":
                names = [name] if name else list(app.objects["service"])
                rows = []
                for n in names:
                    app._get_obj("service", n)
                    rows.append({"name": n, "state": app.health.service_state(n), "totalrequests": "0"})
                return _Response(200, {**done(), res: rows} if rows else done())
        raise E.not_found(f"resource, {res}")

    # -- control API -----------------------------------------------------------------------------------------------
    def _control(self, method: str, path: str, raw: bytes) -> _Response:
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return _Response(400, {"error": "invalid JSON"})
        path = path.strip("/")
        try:
            if path == "reset" and method == "POST":
                self.reset()
                return _Response(200, {"ok": True})
            if path == "requests":
                if method == "GET":
                    return _Response(200, {"requests": self.log.list()})
                if method == "DELETE":
                    self.log.clear()
                    return _Response(200, {"ok": True})
            if path == "state" and method == "GET":
                return _Response(200, self.appliance.state())
            if path == "faults":
                if method == "POST":
                    fault = self.faults.add(body)
                    return _Response(201, {"fault": fault.public()})
                if method == "GET":
                    return _Response(200, {"faults": self.faults.list()})
                if method == "DELETE":
                    self.faults.clear()
                    return _Response(200, {"ok": True})
            if path == "sessions" and method == "GET":
                return _Response(200, {"active": self.sessions.active()})
            if path == "sessions/expire" and method == "POST":
                return _Response(200, {"expired": self.sessions.expire_all()})
            if path == "sessions/kill" and method == "POST":
                return _Response(200, {"killed": self.sessions.kill_all()})
            if path == "hanode":
                if method == "POST":
                    return _Response(200, self.ha.set(body))
                if method == "GET":
                    return _Response(200, self.ha.control_view())
            if path.startswith("vips/") and method == "GET":
                return _Response(200, self.vip(unquote(path[len("vips/") :])))
            if path == "time-scale":
                if method == "POST":
                    self.set_time_scale(float(body["factor"]))
                return _Response(200, {"factor": self.clock.scale})
        except (ValueError, KeyError, TypeError) as exc:
            return _Response(400, {"error": str(exc)})
        return _Response(404, {"error": f"no control endpoint {method} /sim/v1/{path}"})

    def vip(self, ip: str) -> dict[str, Any]:
        """GET /sim/v1/vips/<ip>: VIP behaviour. Delegates to the health hook (``vip``), then vips.py."""
        hook = getattr(self.appliance.health, "vip", None)
        if hook is not None:
            return hook(ip)
        if self.vip_handler is not None:
            return self.vip_handler(ip)
        app = self.appliance
        with app.lock:
            vservers = []
            for vs in app.iter_vservers():
                if vs["ipv46"] == ip:
                    vservers.append({**vs, **app.vserver_state(vs["name"])})
            nsip = app.nsip_entry(ip)
            downstaterst = app.tcpparam().get("downstaterst")
        try:
            from .vips import vip_answer
        except ImportError:  # behaviour engine not present: a static view
            return {"ip": ip, "nsip": nsip, "vservers": vservers, "downstaterst": downstaterst}
        return vip_answer(ip, nsip, vservers, downstaterst)


def _optional_hook(module: str, attr: str) -> Any:
    """`tests.nitro_sim.<module>.<attr>` if that module exists and defines it, else None."""
    import importlib

    try:
        mod = importlib.import_module(f"{__package__}.{module}")
    except ImportError:
        return None
    return getattr(mod, attr, None)


def _session_token(h: BaseHTTPRequestHandler) -> str | None:
    # COLL: Cookie NITRO_AUTH_TOKEN; JAVA-SDK 10.x: Cookie sessionid; GO-SDK: the token in a request header named
    # Set-Cookie (nitro_api.md §1.2).
    for header in ("Cookie", "Set-Cookie"):
        raw = h.headers.get(header)
        if not raw:
            continue
        jar = http.cookies.SimpleCookie()
        with contextlib.suppress(http.cookies.CookieError):
            jar.load(raw)
        for key in ("NITRO_AUTH_TOKEN", "sessionid"):
            if key in jar and jar[key].value:
                return jar[key].value
        for part in raw.split(";"):
            key, _, value = part.strip().partition("=")
            if key in ("NITRO_AUTH_TOKEN", "sessionid") and value:
                return value
    return None


def _is_bulk(body: Any, path: str) -> bool:
    if not isinstance(body, dict):
        return False
    res = path[len(CONFIG_PREFIX) :].partition("/")[0] if path.startswith(CONFIG_PREFIX) else ""
    return isinstance(body.get(res), list)


def _match(value: Any, wanted: str) -> bool:
    if isinstance(value, list):
        return any(_match(v, wanted) for v in value)
    if isinstance(value, bool):
        return str(value).lower() == wanted.lower()
    return str(value).lower() == wanted.lower()


def _positive_int(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise E.invalid_value(f"{name}, {text}") from None
    if value < 1:
        raise E.invalid_value(f"{name}, {text}")
    return value


class NitroHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive with exact Content-Length
    server_version = "NetScaler-NITRO-Simulator"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per request.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _dispatch(self, method: str) -> None:
        core: SimCore = self.server.core  # type: ignore[attr-defined]
        core.handle(self, method)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        return None


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], core: SimCore, ssl_context: ssl.SSLContext | None) -> None:
        self.core = core
        self.ssl_context = ssl_context
        super().__init__(address, NitroHandler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS handshake in the per-connection thread, so one slow client never blocks accept().
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | ssl.SSLError | TimeoutError):
            return
        super().handle_error(request, client_address)


__all__ = ["SimCore", "SimHTTPServer", "copy"]
