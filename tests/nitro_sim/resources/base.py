"""Base classes of the simulated NITRO resources and their registry.

A resource is one file in this package holding one ``Resource`` subclass (its attribute schema, its hooks and
its own storage) and the ``Binding`` subclasses whose storage it owns. Subclassing registers the class; the
package ``__init__`` imports every file, so adding a resource is adding a file (README "Add a resource").

Every hook has a working default here, so a resource that declares only ``name``, ``key`` and ``attrs`` is
already a full NITRO resource: add, get, update, delete, unset, enable/disable and rename (when listed in
``actions``). ``singleton = True`` is the only switch for a resource without names (GET answers an object, no
add and no delete).

All methods run under ``appliance.lock`` (the Appliance takes it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from .. import errors as E
from ..errors import NitroError
from ..schema import Attr, check_name, defaults, render_value

if TYPE_CHECKING:
    from ..appliance import Appliance

REGISTRY: dict[str, type[Resource]] = {}
BINDING_REGISTRY: dict[str, type[Binding]] = {}


def not_supported(op: str) -> NitroError:
    # By analogy with tf #155 "Invalid value [set command not present for this resource]" (1074).
    return NitroError(400, 1074, f"{op} command not present for this resource")


class Part:
    """What resources and bindings share: registration by subclassing, the appliance, storage reset, and the
    notifications about other objects (defaults: nothing to do)."""

    name: ClassVar[str] = ""  # the NITRO resource name (URL segment)
    registry: ClassVar[dict[str, Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            cls.registry[cls.name] = cls

    def __init__(self, app: Appliance) -> None:
        self.app = app
        self.reset()

    def reset(self) -> None:
        """Factory state of this part's storage."""

    def on_delete(self, res: str, name: str) -> None:
        """Another object was deleted: drop what refers to it."""

    def on_rename(self, res: str, old: str, new: str) -> None:
        """Another object was renamed: follow it."""

    def references(self, res: str, name: str) -> bool:
        """Does this part still use that object (an in-use object cannot be deleted)?"""
        return False


class Resource(Part):
    """One NITRO configuration resource; subclass it in a file of its own (see the module docstring)."""

    registry = REGISTRY
    key: ClassVar[str | None] = None  # the naming attribute; None for a singleton
    attrs: ClassVar[dict[str, Attr]] = {}
    singleton: ClassVar[bool] = False
    actions: ClassVar[frozenset[str]] = frozenset()  # among enable, disable, unset, rename (+ the resource's own)
    missing_code: ClassVar[int] = 258  # errorcode when the named object does not exist
    missing_label: ClassVar[str] = "name"
    check_names: ClassVar[bool] = False  # apply the object-name charset (check_name) to the key
    graceful_disable: ClassVar[bool] = False  # `disable` accepts graceful/delay
    # Attributes with no default of their own: an object added without one takes the global mode of that name
    # (nsmode), read when it is added (CLI reference "add service", usip).
    inherit_modes: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if cls.__dict__.get("name") and not cls.singleton and cls.key not in cls.attrs:
            # Fail at import, not with an HTTP 500 on the first request.
            raise TypeError(f"{cls.__name__}: declare `key` (one of `attrs`) or `singleton = True`")
        super().__init_subclass__(**kwargs)

    # -- storage ----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Factory state. Named resources keep ``objects`` (name -> stored attributes), singletons ``values``."""
        self.objects: dict[str, dict[str, Any]] = {}
        self.values: dict[str, Any] = {}

    def export(self) -> dict[str, Any]:
        """State beyond ``objects`` (which the appliance saves for every named resource), JSON-serialisable."""
        return {"values": self.values} if self.values else {}

    def load(self, data: dict[str, Any]) -> None:
        self.values.update(data.get("values", {}))

    # -- lookups ------------------------------------------------------------------------------------------------
    @classmethod
    def defaults(cls, obj: dict[str, Any]) -> dict[str, Any]:
        return defaults(cls.attrs, obj)

    def get_obj(self, name: str) -> dict[str, Any]:
        obj = self.objects.get(name)
        if obj is None:
            raise E.not_found(f"{self.missing_label}, {name}", self.missing_code)
        return obj

    def full(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Stored attributes over the schema defaults (for the behaviour engine's accessors)."""
        return {**self.defaults(obj), **obj}

    # -- validation ---------------------------------------------------------------------------------------------
    def validate(self, body: Any, mode: str) -> dict[str, Any]:
        """Check names, read-only, add-only/update-only and values; return canonical values.

        Unknown or read-only attribute: 400/278; add-only (immutable) attribute on update: 400/1090 (the CLI
        `set` command has no such argument); see README "deliberate choices"."""
        out = coerce_body(self.name, self.attrs, body, mode, self.key)
        if mode == "add":
            for attr in self.attrs.values():
                if attr.required and attr.name not in out:
                    raise E.required_missing(attr.name)
        if self.key and self.key in out and self.check_names:
            check_name(self.key, out[self.key])
        return out

    def name_of(self, body: dict[str, Any], url_name: str | None) -> str:
        """Key from the body or the URL (PUT works with or without the name in the URL)."""
        assert self.key is not None
        name = body.get(self.key)
        if name is None:
            if url_name is None:
                raise E.required_missing(self.key)
            return url_name
        if url_name is not None and str(name) != url_name:
            raise E.invalid_value(f"{self.key}, {name}")
        return str(name)

    # -- hooks (override what the resource needs) ---------------------------------------------------------------
    def prepare(self, vals: dict[str, Any]) -> None:
        """Before a new object is stored: cross-object checks, derived values."""

    def check(self, merged: dict[str, Any], vals: dict[str, Any], before: dict[str, Any] | None) -> None:
        """Cross-attribute rules on add (before is None), update and unset; may normalise ``merged``."""

    def added(self, obj: dict[str, Any]) -> None:
        """After a new object is stored."""

    def updated(self, obj: dict[str, Any], before: dict[str, Any]) -> None:
        """After an update or unset."""

    def after_unset(self, obj: dict[str, Any], before: dict[str, Any]) -> None:
        self.updated(obj, before)

    def identify(self, body: dict[str, Any], obj: dict[str, Any], name: str) -> dict[str, Any]:
        """Strip request keys that identify the object besides its name (e.g. lbmonitor `type`)."""
        return body

    def select(self, obj: dict[str, Any], name: str, args: dict[str, str]) -> None:
        """GET /<res>/<name>?args=...: raise not-found when the args name another object."""

    def as_added(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The stored object in add vocabulary (for ?idempotent=yes comparisons)."""
        return dict(obj)

    def render(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The GET view: defaults, then stored values; numbers as strings; secrets and _internal keys hidden."""
        out = {k: render_value(None, v) for k, v in self.defaults(obj).items()}
        for key, value in obj.items():
            if key.startswith("_"):
                continue
            attr = self.attrs.get(key)
            if attr is not None and attr.secret:
                continue
            out[key] = render_value(attr, value)
        return out

    def read(self) -> dict[str, Any]:
        """GET of a singleton."""
        return {k: render_value(None, v) for k, v in {**self.defaults({}), **self.values}.items()}

    def set_state(self, obj: dict[str, Any], name: str, state: str) -> None:
        obj["state"] = state

    # -- operations ---------------------------------------------------------------------------------------------
    def add(self, body: Any, idempotent: bool = False) -> int:
        """POST add; returns 201, or 200 when ?idempotent=yes turned it into an update (DOC-REST-11)."""
        if self.singleton:
            raise not_supported("add")
        if idempotent and isinstance(body, dict) and self.key:
            name = body.get(self.key)
            if name is not None and str(name) in self.objects:
                self.update(self._idempotent_update(str(name), body))
                return 200
        vals = self.validate(body, "add")
        assert self.key is not None
        name = vals[self.key]
        if name in self.objects:
            raise E.exists(f"{self.key}, {name}")
        for mode in self.inherit_modes:
            if mode not in vals:
                vals[mode] = self.app.resource("nsmode").mode_value(mode)
        self.prepare(vals)
        self.check(vals, vals, None)
        self.objects[name] = vals
        self.added(vals)
        return 201

    def _idempotent_update(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Nothing is unset; add-only values equal to the stored ones are tolerated so a repeated add succeeds."""
        current = self.as_added(self.objects[name])
        upd = {}
        for k, v in body.items():
            attr = self.attrs.get(k)
            if attr is not None and attr.add_only and k != self.key:
                if _safe_coerce(attr, v) != current.get(k, attr.default):
                    raise E.no_such_arg(k)
                continue
            upd[k] = v
        return upd

    def update(self, body: Any, url_name: str | None = None) -> None:
        if self.singleton:
            if not self.attrs:
                raise not_supported("set")
            self.values.update(self.validate(body, "update"))
            return
        if not isinstance(body, dict):
            raise E.invalid_arg(self.name)
        assert self.key is not None
        name = self.name_of(body, url_name)
        obj = self.get_obj(name)
        if obj.get("_builtin"):
            raise E.ns_error(257, name)
        body = self.identify(body, obj, name)
        vals = self.validate({**body, self.key: name}, "update")
        vals.pop(self.key, None)
        merged = {**obj, **vals}
        self.check(merged, vals, obj)
        before = dict(obj)
        obj.update(merged)
        self.updated(obj, before)

    def delete(self, name: str, args: dict[str, str]) -> None:
        self.get_obj(name)
        self.remove(name)

    def remove(self, name: str) -> None:
        """Forget an object and tell every resource and binding, so references go with it."""
        del self.objects[name]
        self.app.forget(self.name, name)

    def get(self, name: str | None, args: dict[str, str]) -> list[dict[str, Any]]:
        if name is not None:
            obj = self.get_obj(name)
            self.select(obj, name, args)
            return [self.render(obj)]
        return [self.render(o) for o in self.objects.values()]

    def dump(self) -> Any:
        """This resource in GET /sim/v1/state."""
        if self.singleton:
            return self.read()
        return {name: self.render(obj) for name, obj in self.objects.items()}

    # -- actions (POST ?action=) ----------------------------------------------------------------------------------
    def action(self, verb: str, body: dict[str, Any]) -> bool:
        """Run an action; return True when it changed the configuration."""
        if verb not in self.actions:
            raise not_supported(verb)
        if verb == "unset":
            self.unset(body)
        elif verb == "rename":
            self.rename(body)
        elif verb in ("enable", "disable"):
            self.enable_disable(verb, body)
        else:
            raise not_supported(verb)
        return True

    def unset(self, body: dict[str, Any]) -> None:
        if self.singleton:
            for key in body:
                attr = self.attrs.get(key)
                if attr is None or attr.readonly:
                    raise E.invalid_arg(key)
            for key in list(body):
                self.values.pop(key, None)
            return
        assert self.key is not None
        name = body.get(self.key)
        if name is None:
            raise E.required_missing(self.key)
        obj = self.get_obj(str(name))
        body = self.identify(body, obj, str(name))
        names = [k for k in body if k != self.key]
        for key in names:
            attr = self.attrs.get(key)
            if attr is None or attr.readonly:
                raise E.invalid_arg(key)
            if attr.add_only or attr.required or attr.update_only:
                raise E.no_such_arg(key)
        before = dict(obj)
        for key in names:
            obj.pop(key, None)
        self.after_unset(obj, before)

    def rename(self, body: dict[str, Any]) -> None:
        assert self.key is not None
        old, new = body.get(self.key), body.get("newname")
        if old is None:
            raise E.required_missing(self.key)
        if new is None:
            raise E.required_missing("newname")
        for key in body:
            if key not in (self.key, "newname"):
                raise E.invalid_arg(key)
        old, new = str(old), check_name("newname", new)
        obj = self.get_obj(old)
        if new in self.objects:
            raise E.exists(f"{self.key}, {new}")  # a repeated rename gives 409/273 (PR #532/#533)
        del self.objects[old]
        obj[self.key] = new
        self.objects[new] = obj
        self.app.renamed(self.name, old, new)

    def enable_disable(self, verb: str, body: dict[str, Any]) -> None:
        assert self.key is not None
        name = body.get(self.key)
        if name is None:
            raise E.required_missing(self.key)
        allowed = {"graceful", "delay"} if self.graceful_disable and verb == "disable" else set()
        for key, value in body.items():
            if key == self.key:
                continue
            if key not in allowed:
                raise E.invalid_arg(key)
            if key == "graceful":
                Attr("graceful", "enum", values=("YES", "NO")).coerce(value)
            else:
                Attr("delay", "int", min=0).coerce(value)
        obj = self.get_obj(str(name))
        self.set_state(obj, str(name), "ENABLED" if verb == "enable" else "DISABLED")


class Entity(Resource):
    """A named configuration object with a state (lbvserver, service, servicegroup, server): names follow the
    object-name charset, and it can be enabled, disabled, unset and renamed."""

    check_names = True
    actions = frozenset({"enable", "disable", "unset", "rename"})


class Binding(Part):
    """A NITRO binding resource (``<parent>_<member>_binding``), declared in the file of the resource whose
    storage it uses.

    The default storage links one parent object to member objects by name: ``links[parent][member] = attrs``,
    where ``member_attr`` names the member in requests and ``member_res`` is its resource (both sides must exist;
    a duplicate is 409/273, unbinding a missing link 599/1303). Override bind/unbind/rows for anything else."""

    registry = BINDING_REGISTRY
    parent: ClassVar[str] = ""  # parent resource
    parent_key: ClassVar[str] = ""  # the parent's naming attribute in requests and rows
    attrs: ClassVar[dict[str, Attr]] = {}
    member_attr: ClassVar[str] = ""
    member_res: ClassVar[str] = ""
    stored: ClassVar[tuple[str, ...]] = ()  # attributes kept with a link (default: every writable non-key one)

    # -- storage ----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.links: dict[str, dict[Any, dict[str, Any]]] = {}

    def export(self) -> list[list[Any]]:
        return [[p, list(m) if isinstance(m, tuple) else m, a] for p, ms in self.links.items() for m, a in ms.items()]

    def load(self, rows: list[list[Any]]) -> None:
        for parent, member, attrs in rows:
            self.links.setdefault(parent, {})[tuple(member) if isinstance(member, list) else member] = attrs

    def on_delete(self, res: str, name: str) -> None:
        if res == self.parent:
            self.links.pop(name, None)
        if res == self.member_res:
            for members in self.links.values():
                members.pop(name, None)

    def on_rename(self, res: str, old: str, new: str) -> None:
        if res == self.parent:
            _rekey(self.links, old, new)
        if res == self.member_res:
            for members in self.links.values():
                _rekey(members, old, new)

    def references(self, res: str, name: str) -> bool:
        return res == self.member_res and any(name in members for members in self.links.values())

    # -- validation ---------------------------------------------------------------------------------------------
    def validate(self, body: Any) -> dict[str, Any]:
        out = coerce_body(self.name, self.attrs, body, "bind")
        if self.parent_key not in out:
            raise E.required_missing(self.parent_key)
        return out

    def check_args(self, args: dict[str, Any]) -> None:
        for key in args:
            attr = self.attrs.get(key)
            if attr is None or attr.readonly:
                raise E.invalid_arg(key)

    def kept(self, vals: dict[str, Any]) -> dict[str, Any]:
        keep = self.stored or tuple(k for k in self.attrs if k not in (self.parent_key, self.member_attr))
        return {k: v for k, v in vals.items() if k in keep}

    # -- operations (defaults: the link storage above) ---------------------------------------------------------
    def bind(self, vals: dict[str, Any]) -> None:
        member = vals.get(self.member_attr)
        if member is None:
            raise E.required_missing(self.member_attr)
        parent = vals[self.parent_key]
        self.app.resource(self.parent).get_obj(parent)
        self.app.resource(self.member_res).get_obj(member)
        links = self.links.setdefault(parent, {})
        if member in links:
            raise E.exists(f"{self.member_attr}, {member}")  # duplicate binding: 409/273 (README deliberate choice)
        links[member] = self.kept(vals)

    def unbind(self, parent: str, args: dict[str, Any]) -> None:
        member = args.get(self.member_attr)
        if member is None:
            raise E.required_missing(self.member_attr)
        self.app.resource(self.parent).get_obj(parent)
        links = self.links.get(parent, {})
        if member not in links:
            raise E.ns_error(1303)  # unbind of a missing member: 599/1303 (README deliberate choice)
        del links[member]

    def rows(self, parent: str) -> list[dict[str, Any]]:
        out = []
        for member, attrs in self.links.get(parent, {}).items():
            row = {self.parent_key: parent, self.member_attr: member}
            row.update({k: render_value(None, v) for k, v in {**defaults(self.attrs, attrs), **attrs}.items()})
            out.append(row)
        return out


def coerce_body(res: str, attrs: dict[str, Attr], body: Any, mode: str, key: str | None = None) -> dict[str, Any]:
    """Canonical values of a request body: unknown or read-only attribute 400/278; on update an add-only one
    400/1090 (except the key), on add an update-only one 400/278; None values are left out."""
    if not isinstance(body, dict):
        raise E.invalid_arg(res)
    out: dict[str, Any] = {}
    for name, value in body.items():
        attr = attrs.get(name)
        if attr is None or attr.readonly:
            raise E.invalid_arg(name)
        if value is None:
            continue
        if mode == "update" and attr.add_only and name != key:
            raise E.no_such_arg(name)
        if mode == "add" and attr.update_only:
            raise E.invalid_arg(name)
        out[name] = attr.coerce(value)
    return out


def one_of(vals: dict[str, Any], first: str, second: str, *, both: str, missing: str) -> None:
    """Exactly one of two attributes (``ip`` or ``servername``...): both is 400/1092, neither 400/1095; ``both``
    and ``missing`` are the names NITRO's message gives."""
    if first in vals and second in vals:
        raise E.both_specified(both)
    if first not in vals and second not in vals:
        raise E.required_missing(missing)


def with_optional(row: dict[str, Any], attrs: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A binding row shows these attributes only when the link stores them (e.g. ``order``)."""
    for key in keys:
        if key in attrs:
            row[key] = render_value(None, attrs[key])
    return row


def _safe_coerce(attr: Attr, value: Any) -> Any:
    try:
        return attr.coerce(value)
    except NitroError:
        return value


def _rekey(table: dict[Any, Any], old: Any, new: Any) -> None:
    if old in table:
        table[new] = table.pop(old)
