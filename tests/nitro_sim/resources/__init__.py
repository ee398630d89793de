"""The simulated NITRO resources: one file per resource, each registering itself by subclassing
``base.Resource`` (and ``base.Binding`` for the bindings whose storage it owns).

Importing this package imports every module in it, so a new file is picked up without editing anything else.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import BINDING_REGISTRY, REGISTRY, Binding, Resource, not_supported

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def aggregates() -> dict[str, tuple[str, tuple[str, ...]]]:
    """``<parent>_binding`` -> (parent resource, its bindings in declaration order): every binding of one parent
    object in one answer."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, cls in BINDING_REGISTRY.items():
        parent, parts = out.get(f"{cls.parent}_binding", (cls.parent, ()))
        out[f"{cls.parent}_binding"] = (parent, (*parts, name))
    return out


__all__ = ["BINDING_REGISTRY", "REGISTRY", "Binding", "Resource", "aggregates", "not_supported"]
