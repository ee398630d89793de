"""Run a NITRO module with its verbs traced: `python -m tests.helpers.verbs <module>` with ANSIBLE_MODULE_ARGS on
stdin, as tests.helpers.runner runs a module, and VERB_TRACE=<file>.

The wrapper records, in the order they happen, every verb of ``ModuleManager`` a run enters (read, plan, apply,
settle, report, returns) and every HTTP request the NITRO client sends, each with the outermost verb it was sent in and
whether it went through the write gate (``ModuleManager.write``). The module's code is not changed: the verbs and
``NitroTransport._send`` are wrapped in this process only. tests/integration/test_module_verbs.py reads the file.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import json
import os
import sys
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils import _client_transport, _module

VERBS = ("read", "plan", "apply", "settle", "report", "returns")
# verbs: those the run entered from outside any verb; nested: those called inside one (a read-back calling read).
trace: dict[str, list[Any]] = {"verbs": [], "nested": [], "requests": []}
stack: list[str] = []
gate: list[bool] = []


def traced(name: str, method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        trace["verbs" if not stack else "nested"].append(name)
        stack.append(name)
        try:
            return method(self, *args, **kwargs)
        finally:
            stack.pop()

    return wrapper


def install() -> None:
    manager = _module.ModuleManager
    for name in VERBS:
        # Wrap the verb wherever a manager defines it: the base class and every subclass.
        for cls in (manager, *all_subclasses(manager)):
            if name in vars(cls):
                setattr(cls, name, traced(name, vars(cls)[name]))

    write = manager.write

    def gated(self: Any, operation: Any, *args: Any, **kwargs: Any) -> Any:
        gate.append(True)
        try:
            return write(self, operation, *args, **kwargs)
        finally:
            gate.pop()

    manager.write = gated  # type: ignore[method-assign]
    send = _client_transport.NitroTransport._send

    def recorded(self: Any, method: str, path: str, **kwargs: Any) -> Any:
        trace["requests"].append(
            {"method": method, "path": path, "verb": stack[0] if stack else None, "gated": bool(gate),
             "resource": kwargs.get("resource"), "params": str(kwargs.get("params"))}
        )  # fmt: skip
        return send(self, method, path, **kwargs)

    _client_transport.NitroTransport._send = recorded  # type: ignore[method-assign]


def all_subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *all_subclasses(sub)]
    return out


def main() -> None:
    name = sys.argv[1]
    del sys.argv[1:]  # AnsibleModule reads its arguments from a file named in argv[1] when there is one
    module = importlib.import_module(f"ansible_collections.adcops.netscaler.plugins.modules.{name}")
    install()
    path = os.environ["VERB_TRACE"]

    def dump() -> None:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(trace, fh, default=str)

    atexit.register(dump)
    module.main()


if __name__ == "__main__":
    main()
