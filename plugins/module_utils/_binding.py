# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NITRO bindings described by data, and their planner. PRIVATE to the adcops.netscaler collection.

A :class:`Binding` says which resource binds what: the binding resource (``lbvserver_service_binding``), its
parent resource and the field that names the parent, the fields that name a member (one, ``servicename``, or
several, ``ip`` and ``port`` of a service group member), the binding's own attributes (``weight``, ``order``) and
the module option that lists the members. From that alone the same code reads every binding of a parent with one
GET of the aggregate ``<parent>_binding/<name>``, plans the binds and unbinds (NITRO bindings have no update, so a
member whose attributes differ is unbound and bound again, as the official collection does), and applies them with
one bulk unbind and one bulk bind (rolled back on error) per binding resource, and one bulk update where NITRO
changes a member in place (a service group member's weight). Adding a parent resource (a
``cs_vserver``, a ``servicegroup``) is a few :class:`Binding` values, not new code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import to_number, values_equal

# A member's identity: its name for a binding with one key field; otherwise the (field, value) pairs of its key.
# (Union: ansible-test's pylint refuses `|` between types outside annotations.)
MemberId = Union[str, tuple[tuple[str, Any], ...]]  # noqa: UP007


@dataclass(frozen=True)
class Binding:
    """One NITRO binding resource, ``<parent>_<member>_binding``, as data."""

    resource: str  # the binding resource, e.g. "lbvserver_service_binding"
    parent: str  # the parent resource, e.g. "lbvserver"; its aggregate GET is "<parent>_binding/<name>"
    parent_key: str  # the field that names the parent in a row and a body, e.g. "name"
    key: tuple[str, ...]  # the fields that name a member, e.g. ("servicename",) or ("ip", "port")
    attributes: tuple[str, ...] = ()  # the binding's own attributes, compared and sent, e.g. ("weight", "order")
    option: str = ""  # the module option that lists the members, e.g. "services"
    # NITRO field -> the name the module's option gives it (lb_vserver's `services` items have `name`).
    names: Mapping[str, str] = field(default_factory=dict)
    # NITRO key field -> other fields a row may carry it in.
    read_as: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # A key field another field can stand in for (a service group member is given by ip or by servername).
    alternatives: Mapping[str, str] = field(default_factory=dict)
    normalizers: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    # Where NITRO changes a bound member's attributes in place, the resource whose update does it and the row fields
    # that name the member in that update (a service group member's weight: `set serviceGroup <name> <serverName>
    # <port> -weight`). Without, a member whose attributes differ is unbound and bound again.
    update_resource: str | None = None
    update_key: tuple[str, ...] = ()

    # -- identities ------------------------------------------------------------------------------------------------

    def _value(self, field_name: str, value: Any) -> Any:
        normalize = self.normalizers.get(field_name)
        return normalize(value) if normalize else value

    def _forms(self) -> list[tuple[str, ...]]:
        """Every spelling of the key: the key itself, then each with an alternative standing in for its field."""
        forms = [self.key]
        for index, name in enumerate(self.key):
            if name in self.alternatives:
                forms.append((*self.key[:index], self.alternatives[name], *self.key[index + 1 :]))
        return forms

    def member(self, values: Mapping[str, Any]) -> MemberId | None:
        """The identity of a member given by NITRO field values (a wanted member, or a row): the first spelling of
        the key whose fields are all set. None if none is."""
        ids = self.identities(values)
        return ids[0] if ids else None

    def identities(self, values: Mapping[str, Any]) -> list[MemberId]:
        """Every identity a row answers to (a service group member row carries both its ip and its servername)."""
        out: list[MemberId] = []
        for form in self._forms():
            found = [self._read(values, name) for name in form]
            if any(value in (None, "") for value in found):
                continue
            if len(form) == 1:
                out.append(str(found[0]))
            else:
                out.append(tuple((name, self._value(name, value)) for name, value in zip(form, found, strict=True)))
        return out

    def _read(self, values: Mapping[str, Any], name: str) -> Any:
        for candidate in (name, *self.read_as.get(name, ())):
            if values.get(candidate) not in (None, ""):
                return values[candidate]
        return None

    def fields(self, member: MemberId) -> dict[str, Any]:
        """The NITRO key fields of a member identity."""
        return {self.key[0]: member} if isinstance(member, str) else dict(member)

    # -- bodies and views ------------------------------------------------------------------------------------------

    def body(self, parent_name: str, member: MemberId, attrs: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A bind body (with ``attrs``) or an unbind body (without)."""
        return {self.parent_key: parent_name, **self.fields(member), **dict(attrs or {})}

    def bind_body(self, row: Mapping[str, Any]) -> dict[str, Any] | None:
        """The body that binds again what a row shows (its parent, key and attributes); None without a key."""
        member = self.member(row)
        if member is None or row.get(self.parent_key) in (None, ""):
            return None
        attrs = {key: to_number(row[key]) for key in self.attributes if row.get(key) not in (None, "")}
        return self.body(str(row[self.parent_key]), member, attrs)

    def view(self, member: MemberId, row: Mapping[str, Any]) -> dict[str, Any]:
        """A member in the module's terms (option names, numbers as numbers), for the diff."""
        # Key values as the identity holds them: a name stays text, a normalised port is a number already.
        item = {self.names.get(name, name): value for name, value in self.fields(member).items()}
        for key in self.attributes:
            if row.get(key) not in (None, ""):
                item[key] = to_number(row[key])
        return item

    def update_body(self, parent_name: str, row: Mapping[str, Any], attrs: Mapping[str, Any]) -> dict[str, Any]:
        """The in-place update of a bound member (see ``update_resource``), named by the fields of its row."""
        named = {key: self._value(key, row.get(key)) for key in self.update_key}
        return {self.parent_key: parent_name, **named, **dict(attrs)}

    def row(self, parent_name: str, item: Mapping[str, Any]) -> dict[str, Any]:
        """A member in the module's terms (a :meth:`view`) as NITRO would show its row: NITRO names, numbers as text.
        Check mode's prediction of a binding it did not make."""
        nitro = {option: name for name, option in self.names.items()}
        row: dict[str, Any] = {self.parent_key: parent_name}
        for key, value in item.items():
            row[nitro.get(key, key)] = value if isinstance(value, str) else str(value)
        return row

    def index(self, rows: Sequence[Any]) -> dict[MemberId, dict[str, Any]]:
        """Rows by member identity (the first spelling of the key each row has)."""
        out: dict[MemberId, dict[str, Any]] = {}
        for row in rows:
            if isinstance(row, dict):
                member = self.member(row)
                if member is not None:
                    out[member] = row
        return out


def read_bindings(
    client: NitroClient, parent: str, name: str, kinds: Sequence[Binding]
) -> dict[str, dict[MemberId, dict[str, Any]]]:
    """Every binding of the kinds ``kinds`` of one parent object with one GET of the aggregate
    ``<parent>_binding/<name>``, by option: member identity -> row."""
    found = client.get(f"{parent}_binding", name)
    entry = found[0] if found else {}
    return {kind.option: kind.index(entry.get(kind.resource) or []) for kind in kinds}


def binding_view(kind: Binding, rows: Mapping[MemberId, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [kind.view(member, row) for member, row in rows.items()]


@dataclass
class BindingPlan:
    bind: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # binding resource -> bodies
    unbind: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    update: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # resource -> in-place member updates
    after: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # option -> members (module terms)
    parent_keys: dict[str, str] = field(default_factory=dict)  # binding resource -> its parent's field

    @property
    def changed(self) -> bool:
        return any(self.bind.values()) or any(self.unbind.values()) or any(self.update.values())


def plan_bindings(
    parent_name: str,
    kinds: Sequence[Binding],
    wanted: Mapping[str, Mapping[MemberId, Mapping[str, Any]] | None],
    bound: Mapping[str, Mapping[MemberId, Mapping[str, Any]]],
    purge: Mapping[str, bool],
) -> BindingPlan:
    """Bind what is missing, unbind extras when purging (``purge[option]``, default true); a member whose
    attributes differ is updated in place where NITRO can (``Binding.update_resource``), else unbound and bound
    again. ``wanted[option]`` None leaves that kind alone. Nothing is sent."""
    result = BindingPlan()
    for kind in kinds:
        want = wanted.get(kind.option)
        have = bound.get(kind.option, {})
        if want is None:
            result.after[kind.option] = binding_view(kind, have)
            continue
        purging = purge.get(kind.option, True)
        # A wanted member matches a row under any spelling of the row's key (ip or servername).
        matches: dict[MemberId, MemberId] = {}
        for member, row in have.items():
            for identity in kind.identities(row) or [member]:
                matches.setdefault(identity, member)
        wanted_rows = {matches[member]: member for member in want if member in matches}
        binds, unbinds, updates = [], [], []
        final: dict[MemberId, Mapping[str, Any]] = {}
        for member, row in have.items():
            if member not in wanted_rows:
                if purging:
                    unbinds.append(kind.body(parent_name, member))
                else:
                    final[member] = row
                continue
            attrs = want[wanted_rows[member]]
            differs = [key for key, value in attrs.items() if not values_equal(value, row.get(key))]
            if differs and kind.update_resource:
                updates.append(kind.update_body(parent_name, row, {key: attrs[key] for key in differs}))
                final[member] = {**row, **attrs}
            elif differs:
                unbinds.append(kind.body(parent_name, member))
                binds.append(kind.body(parent_name, wanted_rows[member], attrs))
                final[member] = {**row, **attrs}
            else:
                final[member] = row
        for member, attrs in want.items():
            if member not in matches:
                binds.append(kind.body(parent_name, member, attrs))
                final[member] = attrs
        if binds:
            result.bind[kind.resource] = binds
        if unbinds:
            result.unbind[kind.resource] = unbinds
        if updates and kind.update_resource:
            result.update[kind.update_resource] = updates
            result.parent_keys[kind.update_resource] = kind.parent_key
        result.parent_keys[kind.resource] = kind.parent_key
        result.after[kind.option] = binding_view(kind, final)
    return result


def apply_bindings(client: NitroClient, todo: BindingPlan) -> None:
    """Unbind first (a rebind of a changed member needs the old one gone), then update members in place, then bind
    with rollback: one bulk request per resource and kind of change."""
    for binding, bodies in todo.unbind.items():
        if bodies:
            client.unbind_bulk(binding, bodies, key=todo.parent_keys.get(binding, "name"), onerror="exit")
    for resource, bodies in todo.update.items():
        if bodies:
            client.update_bulk(resource, bodies, key=todo.parent_keys.get(resource, "name"), onerror="exit")
    for binding, bodies in todo.bind.items():
        if bodies:
            client.bind_bulk(binding, bodies, key=todo.parent_keys.get(binding, "name"), onerror="rollback")
