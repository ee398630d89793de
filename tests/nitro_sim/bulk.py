"""Bulk requests: an array body runs one operation per item, with X-NITRO-ONERROR deciding what a failure does.

NITRO API reference "Performing bulk operations": `continue`, `exit` (the default here) or `rollback`; any
failure answers 207 with errorcode 1243 and one result per item run. Rollback undoes adds and binds only
(NITRO API reference); other operations stay committed, like exit.
"""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from . import errors as E
from .appliance import Appliance
from .errors import NitroError, Response, done
from .faults import Fault

ONERROR = ("continue", "exit", "rollback")


def items(res: str, body: Any) -> tuple[Any, dict[str, Any]]:
    """The payload under the resource key (one object or an array) and the optional `params`."""
    if not isinstance(body, dict):
        raise E.required_missing(res)
    params = body.get("params") if isinstance(body.get("params"), dict) else {}
    if res not in body:
        raise E.required_missing(res)
    return body[res], params


def onerror(h: BaseHTTPRequestHandler, query: dict[str, str], params: dict[str, Any]) -> str:
    value = h.headers.get("X-NITRO-ONERROR") or params.get("onerror") or query.get("onerror") or "exit"
    value = str(value).lower()
    if value not in ONERROR:
        raise E.invalid_value(f"onerror, {value}")
    return value


def run(
    app: Appliance,
    h: BaseHTTPRequestHandler,
    query: dict[str, str],
    payload: Any,
    params: dict[str, Any],
    *,
    op: Callable[[Any], int | None],
    ok_status: int,
    rollbackable: bool,
    bulk_fault: Fault | None,
) -> Response:
    """Run ``op`` on one item, or on each item of an array (bulk); a one-element array is bulk too."""
    if not isinstance(payload, list):
        status = op(payload)
        return Response(status or ok_status, done())
    mode = onerror(h, query, params)
    with app.lock:
        snapshot = app.export() if mode == "rollback" and rollbackable else None
        results: list[dict[str, Any]] = []
        failed = False
        for index, item in enumerate(payload):
            try:
                if bulk_fault is not None and index == bulk_fault.at_item:
                    raise NitroError(int(bulk_fault.status or 400), int(bulk_fault.errorcode or 1097),
                                     message=bulk_fault.message)  # fmt: skip
                op(item)
                results.append(done())
            except NitroError as exc:
                failed = True
                results.append(exc.envelope())
                if mode in ("exit", "rollback"):
                    break
        if failed and snapshot is not None:
            app.load(snapshot)
            if app.on_write is not None:
                app.on_write()
    if failed:
        return Response(
            207, {"errorcode": 1243, "message": "Bulk operation failed", "severity": "ERROR", "response": results}
        )
    return Response(ok_status, done())
