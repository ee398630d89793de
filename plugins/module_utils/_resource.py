# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge a list of named NITRO objects with a constant number of requests.
PRIVATE to the adcops.netscaler collection.

One GET reads the existing set; :func:`plan` compares it with what the user wants;
:func:`apply` sends at most one bulk request per kind of change (add, update,
enable, disable, delete), so 500 services cost about as much as 5. Adds run with
``X-NITRO-ONERROR: rollback``, the only kind (with binds) NITRO can roll back
(nitro_api.md §1.5), so a failed add leaves nothing half-created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroClient
from ansible_collections.adcops.netscaler.plugins.module_utils._compare import differences, pick

# Admin-disabled objects read back as OUT OF SERVICE (curstate/svrstate, §2.1/§2.2); a graceful
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
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    after: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.add or self.update or self.delete or self.enable or self.disable or self.immutable)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.add),
            "updated": len(self.update),
            "deleted": len(self.delete),
            "enabled": len(self.enable),
            "disabled": len(self.disable),
        }


def index_by(objs: Iterable[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {str(obj[key]): dict(obj) for obj in objs if obj.get(key) is not None}


def plan(spec: ResourceSpec, desired: Sequence[Mapping[str, Any]], existing: Mapping[str, Mapping[str, Any]]) -> Plan:
    """Work out every change; nothing is sent. Each desired item carries ``state``."""
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
                # NITRO's add takes state DISABLED for service and lbvserver (CLI-REF "add service -state").
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
        if frozen:
            result.immutable[name] = frozen
        mutable = {key: managed[key] for key in diff.keys if key not in spec.immutable}
        before = spec.view(have)
        after = {**before, **{key: managed[key] for key in diff.keys}}
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
    return result


def apply(client: NitroClient, spec: ResourceSpec, todo: Plan) -> None:
    """Send the plan: adds (rollback), updates, enables, disables, deletes; one bulk call each."""
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
