# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge a list of named NITRO objects with a constant number of requests.
PRIVATE to the adcops.netscaler collection.

One GET reads the existing set; :func:`plan` compares it with what the user wants (and plans the recreate of
objects whose immutable attributes differ); :func:`apply` sends at most one bulk request per kind of change
(recreate, add, update, enable, disable, delete), so 500 services cost about as much as 5. Adds run with
``X-NITRO-ONERROR: rollback``, which NITRO honours for adds and binds, so a failed add leaves nothing
half-created ("rollback is supported only on add and bind operations":
https://docs.citrix.com/ko-kr/netscaler/11-1/nitro-api/nitro-rest/nitro-rest-usage-scenarios/multiple-nitrocalls-single-request.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient, NitroError
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import differences, pick
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import ApplianceStateError

# Admin-disabled objects read back as OUT OF SERVICE (curstate of lbvserver, svrstate of service); a graceful
# disable shows GOING OUT OF SERVICE until its delay runs out.
DISABLED_STATES = frozenset({"OUT OF SERVICE", "GOING OUT OF SERVICE", "DOWN WHEN GOING OUT OF SERVICE", "DISABLED"})


@dataclass(frozen=True)
class ResourceSpec:
    """How one NITRO resource is managed: its key, managed options, and NITRO's spellings."""

    resource: str
    attributes: tuple[str, ...]
    key: str = "name"
    immutable: tuple[str, ...] = ()
    read_as: Mapping[str, str] = field(default_factory=dict)  # option -> attribute in GET answers
    update_as: Mapping[str, str] = field(default_factory=dict)  # option -> attribute in PUT bodies
    normalizers: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    state_attr: str | None = None  # read-only state that tells enabled from disabled
    disable_options: tuple[str, ...] = ()  # extra keys a disable takes (service: graceful, delay)
    carry_one_of: tuple[str, ...] = ()  # exclusive attributes: a recreate carries over the first one set
    bulk: bool = True  # False: one object per task, so a recreate deletes and restores it with plain calls

    def managed(self, want: Mapping[str, Any]) -> dict[str, Any]:
        return {key: want.get(key) for key in self.attributes if want.get(key) is not None}

    def is_disabled(self, obj: Mapping[str, Any]) -> bool:
        return str(obj.get(self.state_attr or "", "")).upper() in DISABLED_STATES

    def view(self, obj: Mapping[str, Any] | None) -> dict[str, Any]:
        """The managed attributes of a NITRO object under option names (diff, results)."""
        if not obj:
            return {}
        shown = pick(obj, (self.key, *self.attributes), self.read_as)
        if self.state_attr:
            shown["state"] = "disabled" if self.is_disabled(obj) else "enabled"
        return shown


@dataclass
class Plan:
    add: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    enable: list[dict[str, Any]] = field(default_factory=list)
    disable: list[dict[str, Any]] = field(default_factory=list)
    immutable: dict[str, list[str]] = field(default_factory=dict)  # name -> immutable options that differ
    recreate: list[dict[str, Any]] = field(default_factory=list)  # add bodies of the objects to recreate
    restore: list[dict[str, Any]] = field(default_factory=list)  # their add bodies as they are now
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    after: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.add or self.update or self.delete or self.enable or self.disable or self.recreate)

    @property
    def recreated(self) -> list[str]:
        return sorted(self.immutable)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.add),
            "updated": len(self.update),
            "deleted": len(self.delete),
            "enabled": len(self.enable),
            "disabled": len(self.disable),
            "recreated": len(self.recreate),
        }


def index_by(objs: Iterable[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {str(obj[key]): dict(obj) for obj in objs if obj.get(key) is not None}


def immutable_error(spec: ResourceSpec, name: str, keys: Iterable[str], have: Mapping[str, Any], want: Mapping) -> str:
    shown = ", ".join(
        f"{key} (current {have.get(spec.read_as.get(key, key))!r}, wanted {want.get(key)!r})" for key in keys
    )
    return (
        f"{spec.resource} {name!r}: cannot change {shown}: NITRO cannot update these attributes. "
        "Set recreate=true to delete and re-add the object (its bindings are restored)"
    )


def recreate_payload(spec: ResourceSpec, want: Mapping[str, Any], have: Mapping[str, Any]) -> dict[str, Any]:
    """The add body of a recreated object: the wanted values, every other attribute carried over from ``have``.
    With ``want`` naming only the key (state present), the body that puts ``have`` back as it is."""
    body: dict[str, Any] = {spec.key: want[spec.key], **spec.managed(want)}

    def current(key: str) -> Any:
        return have.get(spec.read_as.get(key, key))

    if not any(key in body for key in spec.carry_one_of):
        chosen = next((key for key in spec.carry_one_of if current(key) not in (None, "")), None)
        if chosen:
            body[chosen] = current(chosen)
    for key in spec.attributes:
        if key not in body and key not in spec.carry_one_of and current(key) not in (None, ""):
            body[key] = current(key)
    state = want.get("state", "present")
    if state == "disabled" or (state == "present" and spec.is_disabled(have)):
        body["state"] = "DISABLED"
    return body


def plan(
    spec: ResourceSpec,
    desired: Sequence[Mapping[str, Any]],
    existing: Mapping[str, Mapping[str, Any]],
    *,
    recreate: bool = False,
) -> Plan:
    """Work out every change; nothing is sent. Each desired item carries ``state``.

    An object whose immutable attributes differ is recreated when ``recreate`` is true (deleted and added
    again with the wanted values, the rest carried over); otherwise the plan fails with ApplianceStateError
    naming the attributes, their current and their wanted values.
    """
    result = Plan()
    for want in desired:
        name = str(want[spec.key])
        have = existing.get(name)
        state = want.get("state", "present")
        if state == "absent":
            if have is not None:
                result.delete.append(name)
                result.before[name] = spec.view(have)
                result.after[name] = {}
            continue
        managed = spec.managed(want)
        if have is None:
            payload = {spec.key: want[spec.key], **managed}
            if state == "disabled":
                # NITRO's add takes state DISABLED for service and lbvserver (the "state" attribute of both resources).
                payload["state"] = "DISABLED"
            result.add.append(payload)
            result.before[name] = {}
            result.after[name] = {
                spec.key: want[spec.key],
                **managed,
                **({"state": "disabled" if state == "disabled" else "enabled"} if spec.state_attr else {}),
            }
            continue
        diff = differences(managed, have, read_as=spec.read_as, normalizers=spec.normalizers)
        frozen = [key for key in diff.keys if key in spec.immutable]
        before = spec.view(have)
        after = {**before, **{key: managed[key] for key in diff.keys}}
        if frozen:
            result.immutable[name] = frozen
            body = recreate_payload(spec, want, have)
            result.recreate.append(body)
            result.restore.append(recreate_payload(spec, {spec.key: want[spec.key]}, have))
            if spec.state_attr:
                after["state"] = "disabled" if body.get("state") == "DISABLED" else "enabled"
            result.before[name], result.after[name] = before, after
            continue
        mutable = {key: managed[key] for key in diff.keys if key not in spec.immutable}
        if mutable:
            result.update.append(
                {spec.key: want[spec.key], **{spec.update_as.get(k, k): v for k, v in mutable.items()}}
            )
        if spec.state_attr and state in ("enabled", "disabled"):
            disabled = spec.is_disabled(have)
            if state == "enabled" and disabled:
                result.enable.append({spec.key: want[spec.key]})
                after["state"] = "enabled"
            elif state == "disabled" and not disabled:
                extra = {k: want[k] for k in spec.disable_options if want.get(k) is not None}
                result.disable.append({spec.key: want[spec.key], **extra})
                after["state"] = "disabled"
        if after != before:
            result.before[name] = before
            result.after[name] = after
    if result.immutable and not recreate:
        first, *others = result.recreated
        want = next(item for item in desired if str(item[spec.key]) == first)
        message = immutable_error(spec, first, result.immutable[first], existing[first], want)
        if others:
            message += f" ({len(others)} more {spec.resource}(s) have immutable changes: {', '.join(others)})"
        raise ApplianceStateError(message)
    return result


@dataclass
class Settings:
    """The planned change of a singleton (``nstcpparam``, ``nsmode``) or of chosen attributes of one object (an
    ``nsip``'s ICMP settings): which keys differ, their values before and after, and the object as it will read."""

    keys: list[str]  # the managed keys that differ, in the order given
    before: dict[str, Any]  # every managed key as it is now
    after: dict[str, Any]  # every managed key as it will be
    values: dict[str, Any]  # the differing keys' wanted values: what to send
    predicted: dict[str, Any]  # the object as read, the wanted values laid over it (check mode shows this)

    @property
    def changed(self) -> bool:
        return bool(self.keys)


def plan_settings(
    want: Mapping[str, Any],
    have: Mapping[str, Any] | None,
    *,
    keys: Sequence[str] | None = None,
    read_as: Mapping[str, str] | None = None,
) -> Settings:
    """Compare the wanted values of a singleton's (or one object's) managed keys with what NITRO shows; nothing is
    sent. ``keys`` (default: those of ``want``) are the managed keys, reported in ``before``/``after``."""
    have = dict(have or {})
    keys = list(want) if keys is None else list(keys)
    read_as = read_as or {}
    tracker = differences(want, have, keys=keys, read_as=read_as)
    values = tracker.after()
    predicted = {**have, **{read_as.get(key, key): value for key, value in values.items()}}
    before = {key: have.get(read_as.get(key, key)) for key in keys}
    after = {**before, **values}
    return Settings(keys=tracker.keys, before=before, after=after, values=values, predicted=predicted)


@dataclass
class Rebind:
    """What a recreate binds again after the re-add, and how it puts the original bindings back."""

    bind: Callable[[], Any]
    restore: Callable[[], Any]
    described: str  # the original bindings: "2 vserver binding(s) and 1 monitor binding(s)"
    listing: Any  # what to bind by hand when binding fails
    # Make-before-break: the temporary name the replacement is added under, beside the original, and what binds
    # the members to it. None: the original must go first (NetScaler cannot hold both, e.g. the same IP:port).
    beside: str | None = None
    bind_beside: Callable[[], Any] | None = None


def temporary_name(name: str, limit: int = 127) -> str:
    """The name a replacement is added under while the original still serves (renamed into place after)."""
    suffix = "-recreate"
    return name[: limit - len(suffix)] + suffix


def _recreate_beside(client: NitroClient, spec: ResourceSpec, todo: Plan, rebind: Rebind) -> None:
    """Make-before-break: add the replacement under a temporary name, bind its members, delete the original, rename
    the replacement into place (bindings follow a renamed object). Until the original's delete, a failure leaves the
    original serving as it was (the replacement is removed again); after it, the replacement serves under the
    temporary name and the message says how to finish."""
    body = todo.recreate[0]
    name, temp = str(body[spec.key]), str(rebind.beside)
    noun = f"{spec.resource} {name!r}"

    def restated(error: NitroError, message: str) -> NitroError:
        return error.restated(message, operation="recreate", name=name)

    def undo(step: str, exc: NitroError) -> NitroError:
        try:
            client.delete(spec.resource, temp)
        except NitroError as again:
            return restated(
                exc,
                f"recreate of {noun} failed at {step} ({exc}), and removing its replacement {temp!r} failed too "
                f"({again}). {noun} still serves, unchanged, with its {rebind.described}; delete {temp!r} by hand",
            )
        return restated(
            exc,
            f"recreate of {noun} failed at {step}, so nothing was changed in the end: {noun} kept serving, "
            f"unchanged, with its {rebind.described}, and its replacement {temp!r} was removed again. {exc}",
        )

    try:
        client.add(spec.resource, {**body, spec.key: temp}, key=spec.key, converge=False)
    except NitroError as exc:
        raise restated(
            exc,
            f"recreate of {noun} failed at the add of its replacement {temp!r}, so nothing was changed: {noun} "
            f"still serves, unchanged, with its {rebind.described}. The add failed with: {exc}",
        ) from None
    try:
        (rebind.bind_beside or (lambda: None))()
    except NitroError as exc:
        raise undo(f"binding the members of its replacement {temp!r}", exc) from None
    try:
        client.delete(spec.resource, name)
    except NitroError as exc:
        raise undo(f"the delete of the original {name!r}", exc) from None
    try:
        client.rename(spec.resource, temp, name, key=spec.key)
    except NitroError as exc:
        raise restated(
            exc,
            f"{noun} was replaced by {temp!r} with the new values and its members, but renaming {temp!r} to {name!r} "
            f"failed: {exc}. The replacement serves; rename it by hand to finish",
        ) from None


def _recreate(client: NitroClient, spec: ResourceSpec, todo: Plan, rebind: Rebind) -> None:
    """Delete, re-add with the new values, bind again. If the re-add fails, put back exactly what was removed
    (the objects as they were and their bindings); say what is lost if that fails too."""
    names = [str(body[spec.key]) for body in todo.recreate]
    shown = ", ".join(names)
    noun, them, be = (f"{spec.resource}(s)", "their", "were") if spec.bulk else (spec.resource, "its", "was")
    were = "they were" if spec.bulk else "it was"
    named = None if spec.bulk else names[0]

    def restated(error: NitroError, message: str) -> NitroError:
        return error.restated(message, operation="recreate", name=named)

    if spec.bulk:
        client.delete_bulk(spec.resource, [{spec.key: name} for name in names], key=spec.key)
    else:
        for name in names:
            client.delete(spec.resource, name)
    try:
        client.add_bulk(spec.resource, todo.recreate, key=spec.key, onerror="rollback")
    except NitroError as exc:
        try:
            if spec.bulk:
                client.add_bulk(spec.resource, todo.restore, key=spec.key, onerror="rollback")
            else:
                for body in todo.restore:
                    client.add(spec.resource, body, key=spec.key)
            rebind.restore()
        except NitroError as again:
            raise restated(
                again,
                f"recreate of {noun} {shown} failed ({exc}) and putting the original(s) back failed too "
                f"({again}). Removed and NOT restored: {noun} {todo.restore}; bindings {rebind.listing}",
            ) from None
        raise restated(
            exc,
            f"recreate of {noun} {shown} failed, so nothing was changed in the end: the {noun} {be} deleted and "
            f"restored exactly as {were}, with {them} {rebind.described}. The re-add failed with: {exc}",
        ) from None
    try:
        rebind.bind()
    except NitroError as exc:
        raise restated(
            exc,
            f"{noun} {shown} {be} recreated with the new values, but binding {them} members again failed: {exc}. "
            f"To bind by hand: {rebind.listing}",
        ) from None


def recreate_beside_bulk(
    client: NitroClient,
    spec: ResourceSpec,
    bodies: Sequence[Mapping[str, Any]],
    temps: Mapping[str, str],
    rebind: Rebind,
) -> None:
    """Make-before-break for many objects, one bulk call per step: add the replacements under their temporary names
    (``temps``: name -> temporary name), bind them (``rebind.bind_beside``), delete the originals, rename the
    replacements into place. Until the delete, a failure leaves every original as it was; a failed delete finishes
    the objects whose original is gone and removes the other replacements; a failed rename lists what to rename."""
    names = [str(body[spec.key]) for body in bodies]
    shown = ", ".join(names)
    replacements = [{spec.key: temps[name]} for name in names]

    def restated(error: NitroError, message: str) -> NitroError:
        return error.restated(message, operation="recreate")

    try:
        client.add_bulk(
            spec.resource, [{**body, spec.key: temps[str(body[spec.key])]} for body in bodies], key=spec.key,
            onerror="rollback", converge=False,
        )  # fmt: skip
    except NitroError as exc:
        raise restated(
            exc,
            f"recreate of {spec.resource}(s) {shown} failed at the add of their replacements, so nothing was "
            f"changed: they still serve, unchanged, with their {rebind.described}. The add failed with: {exc}",
        ) from None
    try:
        (rebind.bind_beside or (lambda: None))()
    except NitroError as exc:
        try:
            client.delete_bulk(spec.resource, replacements, key=spec.key)
        except NitroError as again:
            raise restated(
                exc,
                f"recreate of {spec.resource}(s) {shown} failed at binding their replacements ({exc}), and removing "
                f"the replacements failed too ({again}). The originals still serve, unchanged; delete "
                f"{', '.join(temps[n] for n in names)} by hand",
            ) from None
        raise restated(
            exc,
            f"recreate of {spec.resource}(s) {shown} failed at binding their replacements, so nothing was changed "
            f"in the end: they kept serving, unchanged, with their {rebind.described}, and the replacements were "
            f"removed again. {exc}",
        ) from None
    renames = names
    try:
        client.delete_bulk(spec.resource, [{spec.key: name} for name in names], key=spec.key)
    except NitroError as exc:
        kept = [str(name) for name in exc.not_applied] if exc.applied else names
        renames = [name for name in names if name not in kept]
        try:
            if kept:
                client.delete_bulk(spec.resource, [{spec.key: temps[name]} for name in kept], key=spec.key)
            if renames:
                _rename_bulk(client, spec, renames, temps)
        except NitroError as again:
            raise restated(
                exc,
                f"recreate of {spec.resource}(s) {shown}: deleting the originals failed ({exc}) and tidying up after "
                f"it failed too ({again}). Originals kept: {', '.join(kept) or 'none'}; check the objects named "
                f"{', '.join(temps[n] for n in names)}",
            ) from None
        if not renames:
            raise restated(
                exc,
                f"recreate of {spec.resource}(s) {shown} failed at the delete of the originals, so nothing was changed "
                f"in the end: they kept serving, unchanged, with their {rebind.described}, and the replacements were "
                f"removed again. {exc}",
            ) from None
        raise restated(
            exc,
            f"recreate of {spec.resource}(s) {shown} was applied only in part: the delete of the originals failed "
            f"for {', '.join(kept)} (kept unchanged, their replacements removed); {', '.join(renames)} replaced. "
            f"{exc}",
        ) from None
    try:
        _rename_bulk(client, spec, renames, temps)
    except NitroError as exc:
        raise restated(
            exc,
            f"{spec.resource}(s) {shown} were replaced with the new values and their bindings, but renaming the "
            f"replacements into place failed: {exc}. They serve under their temporary names; rename them by hand: "
            + ", ".join(f"{temps[n]} -> {n}" for n in renames),
        ) from None


def _rename_bulk(client: NitroClient, spec: ResourceSpec, names: Sequence[str], temps: Mapping[str, str]) -> None:
    client.action_bulk(
        spec.resource, "rename", [{spec.key: temps[name], "newname": name} for name in names], key=spec.key,
        onerror="continue",
    )  # fmt: skip


def apply(client: NitroClient, spec: ResourceSpec, todo: Plan, rebind: Rebind | None = None) -> None:
    """Send the plan: recreates, adds (rollback), updates, enables, disables, deletes; one bulk call each.
    Call it through ``ModuleManager.write``, the one place check mode stops writes."""
    if todo.recreate and rebind is not None and rebind.beside is not None and len(todo.recreate) == 1:
        _recreate_beside(client, spec, todo, rebind)
    elif todo.recreate:
        _recreate(client, spec, todo, rebind or Rebind(lambda: None, lambda: None, "bindings", []))
    if todo.add:
        client.add_bulk(spec.resource, todo.add, key=spec.key, onerror="rollback")
    if todo.update:
        client.update_bulk(spec.resource, todo.update, key=spec.key, onerror="exit")
    if todo.enable:
        client.action_bulk(spec.resource, "enable", todo.enable, key=spec.key)
    if todo.disable:
        client.action_bulk(spec.resource, "disable", todo.disable, key=spec.key)
    if todo.delete:
        client.delete_bulk(spec.resource, [{spec.key: name} for name in todo.delete], key=spec.key)
