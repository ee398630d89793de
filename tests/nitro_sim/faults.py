"""Fault injection: make the next N matching NITRO requests misbehave.

Kinds (issue 4):
- ``status``: answer ``status`` (default 503) with the NITRO envelope ``errorcode``/``message`` without
  executing the request;
- ``disconnect``: execute the request, then send the status line, headers and half of the body and close
  the connection (the client sees a truncated response; the change IS applied);
- ``stall``: sleep ``seconds`` before handling the request normally;
- ``bulk_fail``: in the next matching bulk request (array body), item ``at_item`` (0-based) fails with
  ``errorcode`` (default 1097) / ``status`` (default 400), honouring X-NITRO-ONERROR.

``method`` (case-insensitive) and ``path`` (a regex searched in the request path, e.g. ``lbvserver``) narrow
the match; ``count`` is how many requests trigger it (-1: until cleared). The first matching fault wins.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("status", "disconnect", "stall", "bulk_fail")
DEFAULT_CODES = {503: 256, 500: 256, 599: 257}


@dataclass
class Fault:
    kind: str
    count: int = 1
    method: str | None = None
    path: str | None = None
    status: int | None = None
    errorcode: int | None = None
    message: str | None = None
    seconds: float | None = None
    at_item: int | None = None
    id: int = 0
    fired: int = 0
    _regex: re.Pattern[str] | None = field(default=None, repr=False)

    def matches(self, method: str, path: str, is_bulk: bool) -> bool:
        if self.count == 0:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        if self._regex is not None and not self._regex.search(path):
            return False
        return not (self.kind == "bulk_fail" and not is_bulk)

    def public(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("_regex", None)
        return out


class FaultRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> Fault:
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        known = {"kind", "count", "method", "path", "status", "errorcode", "message", "seconds", "at_item"}
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        fault = Fault(**{k: v for k, v in spec.items() if v is not None})
        if fault.path:
            fault._regex = re.compile(fault.path)
        if kind == "status":
            fault.status = int(fault.status or 503)
            code = fault.errorcode if fault.errorcode is not None else DEFAULT_CODES.get(fault.status, 0)
            fault.errorcode = int(code)
        elif kind == "stall":
            if fault.seconds is None or float(fault.seconds) < 0:
                raise ValueError("stall needs seconds >= 0")
            fault.seconds = float(fault.seconds)
        elif kind == "bulk_fail":
            fault.at_item = int(fault.at_item or 0)
            fault.errorcode = int(fault.errorcode if fault.errorcode is not None else 1097)
            fault.status = int(fault.status or 400)
        fault.count = int(fault.count)
        fault.id = next(self._ids)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str, is_bulk: bool) -> Fault | None:
        """Consume one firing of the first matching fault."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, is_bulk):
                    if fault.count > 0:
                        fault.count -= 1
                    fault.fired += 1
                    return fault
            return None

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.public() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
