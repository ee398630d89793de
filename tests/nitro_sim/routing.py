"""NITRO routing: `/nitro/v1/config/<resource>[/<name>]` and `/nitro/v1/stat/...` to the appliance operations.

Which operation a method means (NITRO API reference "Performing basic operations"): GET reads, POST adds (or
runs `?action=`), PUT updates a resource and binds a binding, DELETE removes or unbinds. Whether a resource is
a singleton, a binding or an aggregate comes from the resource registry (resources/), never from a list here.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import bulk
from . import errors as E
from .appliance import split_kv
from .errors import NitroError, Response, done
from .faults import Fault
from .resources import not_supported
from .stats import handle_stat

if TYPE_CHECKING:
    from .server import SimCore

CONFIG_PREFIX = "/nitro/v1/config/"
STAT_PREFIX = "/nitro/v1/stat/"
GET_ARGS_CONSUMED = ("td", "type", "includemembers")  # args= keys that select an object rather than filter rows


def resource_of(path: str) -> str:
    return path[len(CONFIG_PREFIX) :].partition("/")[0] if path.startswith(CONFIG_PREFIX) else ""


def decode_name(raw: str) -> str | None:
    # Names arrive double-URL-encoded from all official clients (netscaler.adc quotes them twice).
    return unquote(unquote(raw)) if raw else None


class Router:
    def __init__(self, core: SimCore) -> None:
        self.core = core
        self.app = core.appliance

    def nitro(
        self,
        h: BaseHTTPRequestHandler,
        method: str,
        path: str,
        *,
        query: dict[str, str],
        body: Any,
        entry: dict[str, Any],
        bulk_fault: Fault | None,
    ) -> Response:
        auth = self.core.auth
        if path.startswith(STAT_PREFIX):
            auth.authenticate(h, entry)
            self.authorize(method, path, query, body)
            res, _, raw_name = path[len(STAT_PREFIX) :].partition("/")
            status, payload = handle_stat(self.app, res, decode_name(raw_name), query)
            return Response(status, payload)
        if not path.startswith(CONFIG_PREFIX):
            raise NitroError(404, 258, "resource")
        res, _, raw_name = path[len(CONFIG_PREFIX) :].partition("/")
        name = decode_name(raw_name)
        if res == "login" and method == "POST":
            return auth.login(body, entry)
        _user, token = auth.authenticate(h, entry)
        if res == "logout" and method == "POST":
            return auth.logout(token)
        self.authorize(method, path, query, body)
        if method == "GET":
            return self.get(res, name, query)
        if method == "POST":
            return self.post(h, res, query, body, bulk_fault)
        if method == "PUT":
            return self.put(h, res, name, query=query, body=body, bulk_fault=bulk_fault)
        if method == "DELETE":
            return self.delete(res, name, query)
        raise NitroError(405, 301)

    def authorize(self, method: str, path: str, query: dict[str, str], body: Any) -> None:
        """The command policy of /sim/v1/cmdpolicy (cmdpolicy.py), before the request runs."""
        policy = self.core.cmd_policy
        if policy is not None:
            policy.check(method, path, query, body)

    # -- GET ---------------------------------------------------------------------------------------------------------
    def get(self, res: str, name: str | None, query: dict[str, str]) -> Response:
        app = self.app
        args = split_kv(query.get("args"))
        filters = split_kv(query.get("filter"))
        r = app.resources.get(res)
        if r is not None and r.singleton:
            # Singletons answer an object, not a one-element list.
            return Response(200, {**done(), res: app.get(res, None, args)})
        if res in app.bindings or res in app.aggregates:
            rows = app.get_binding(res, name)
        elif r is not None:
            rows = app.get(res, name, args)
            assert isinstance(rows, list)
            args = {k: v for k, v in args.items() if k not in GET_ARGS_CONSUMED}
        else:
            raise E.not_found(f"resource, {res}")
        if args:
            rows = [r for r in rows if all(k not in r or _match(r[k], v) for k, v in args.items())]
        if filters:
            rows = [r for r in rows if all(k in r and _match(r[k], v) for k, v in filters.items())]
        if query.get("count", "").lower() == "yes":
            # count=yes -> [{"__count": N}] (the Java SDK's count() reads it as a number)
            return Response(200, {**done(), res: [{"__count": len(rows)}]})
        if "pagesize" in query:
            size = _positive_int("pagesize", query["pagesize"])
            page = _positive_int("pageno", query.get("pageno", "1"))
            rows = rows[(page - 1) * size : page * size]
        if "attrs" in query:
            wanted = [a.strip() for a in query["attrs"].split(",") if a.strip()]
            rows = [{k: r[k] for k in wanted if k in r} for r in rows]
        if not rows:
            # An empty answer carries no resource key (netscaler.adc's get_resource handles that case).
            return Response(200, done())
        return Response(200, {**done(), res: rows})

    # -- writes -------------------------------------------------------------------------------------------------------
    def _run(self, h: Any, query: dict[str, str], items: tuple[Any, dict[str, Any]], op: Any, **how: Any) -> Response:
        payload, params = items
        return bulk.run(self.app, h, query, payload, params, op=op, **how)

    def post(
        self, h: BaseHTTPRequestHandler, res: str, query: dict[str, str], body: Any, bulk_fault: Fault | None
    ) -> Response:
        app = self.app
        action = query.get("action")
        r = app.resources.get(res)
        if r is not None and r.singleton:
            if not action:
                raise not_supported("add")
            if body is None and not r.attrs:  # an action on a singleton without attributes needs no body
                body = {res: {}}
        items = bulk.items(res, body)
        if action is None:
            if res in app.bindings:
                # POST binds like PUT, with the same checks and answers (409/273 duplicate, 404 missing parent):
                # the official collection's standalone binding modules POST (create_resource) and its CI runs them
                # against a NetScaler CPX; inline bindings PUT. 201 as for any add (inferred).
                return self._run(h, query, items, lambda it: app.bind(res, it, None), ok_status=201,
                                 rollbackable=True, bulk_fault=bulk_fault)  # fmt: skip
            idem = query.get("idempotent", "").lower() == "yes"
            return self._run(h, query, items, lambda it: app.add(res, it, idem), ok_status=201,
                             rollbackable=True, bulk_fault=bulk_fault)  # fmt: skip
        if action == "rm":
            # Bulk delete (the Java SDK's delete_bulk_request): item = keys + delete args.
            if r is None or r.key is None:
                raise not_supported("rm")
            key = r.key

            def rm(item: Any) -> None:
                if not isinstance(item, dict):
                    raise E.invalid_arg(res)
                args = {k: str(v) for k, v in item.items()}
                app.delete(res, args.pop(key, None), args)

            return self._run(h, query, items, rm, ok_status=200, rollbackable=False, bulk_fault=bulk_fault)
        if action == "unbind":
            b = app.bindings.get(res)
            if b is None:
                raise not_supported("unbind")

            def unbind(item: Any) -> None:
                if not isinstance(item, dict):
                    raise E.invalid_arg(res)
                args = dict(item)
                app.unbind(res, args.pop(b.parent_key, None), args)

            return self._run(h, query, items, unbind, ok_status=200, rollbackable=False,
                             bulk_fault=bulk_fault)  # fmt: skip
        return self._run(h, query, items, lambda it: app.action(res, action, it), ok_status=200,
                         rollbackable=False, bulk_fault=bulk_fault)  # fmt: skip

    def put(
        self,
        h: BaseHTTPRequestHandler,
        res: str,
        name: str | None,
        *,
        query: dict[str, str],
        body: Any,
        bulk_fault: Fault | None,
    ) -> Response:
        app = self.app
        items = bulk.items(res, body)
        if res in app.bindings:
            return self._run(h, query, items, lambda it: app.bind(res, it, name), ok_status=200,
                             rollbackable=True, bulk_fault=bulk_fault)  # fmt: skip
        if res in app.resources:
            return self._run(h, query, items, lambda it: app.update(res, it, name), ok_status=200,
                             rollbackable=False, bulk_fault=bulk_fault)  # fmt: skip
        raise not_supported("set")

    def delete(self, res: str, name: str | None, query: dict[str, str]) -> Response:
        args = split_kv(query.get("args"))
        if res in self.app.bindings:
            self.app.unbind(res, name, args)
        elif res in self.app.resources:
            self.app.delete(res, name, args)
        else:
            raise not_supported("rm")
        return Response(200, done())


def is_bulk(body: Any, path: str) -> bool:
    return isinstance(body, dict) and isinstance(body.get(resource_of(path)), list)


def _match(value: Any, wanted: str) -> bool:
    if isinstance(value, list):
        return any(_match(v, wanted) for v in value)
    return str(value).lower() == wanted.lower()


def _positive_int(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise E.invalid_value(f"{name}, {text}") from None
    if value < 1:
        raise E.invalid_value(f"{name}, {text}")
    return value
