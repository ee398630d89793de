# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of adcops.netscaler.role_plan: the roles' plan step, on the controller, with no request.

An action plugin rather than a module because only the controller sees every variable of the play, which finding
a misspelled role variable needs. The rules live in plugin_utils/role_plan.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from ansible.plugins.action import ActionBase

from ansible_collections.adcops.netscaler.plugins.module_utils._validate import InvalidOptions
from ansible_collections.adcops.netscaler.plugins.plugin_utils import role_plan

ROLES_DIR = Path(__file__).resolve().parents[2] / "roles"
# libyaml's parser when PyYAML has it (as Ansible's own loader does): the pure-Python one took about 40 ms a run
# to read the role's argument specs and task files.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=SafeLoader)


def role_variables(role: str) -> tuple[set[str], set[str]]:
    """The role's documented variables (meta/argument_specs.yml), and those plus the ones the role registers or
    sets itself (every name a play may hold with the role's prefix without a typo)."""
    root = ROLES_DIR / role
    spec = set(load_yaml(root / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"])
    names = set(spec)
    for path in [*(root / "tasks").glob("*.yml"), root / "vars" / "main.yml"]:
        if path.is_file():
            names |= set(produced(load_yaml(path)))
    return spec, names


def produced(node: Any) -> list[str]:
    """Names a task file registers or sets with set_fact, and a vars file's keys."""
    out: list[str] = []
    if isinstance(node, list):
        for item in node:
            out += produced(item)
    elif isinstance(node, dict):
        if isinstance(node.get("register"), str):
            out.append(node["register"])
        for key in ("ansible.builtin.set_fact", "set_fact"):
            if isinstance(node.get(key), dict):
                out += list(node[key])
        for key in ("block", "rescue", "always"):
            out += produced(node.get(key))
        if not any(k in node for k in ("name", "block")):
            out += [k for k in node if isinstance(k, str)]  # a vars file
    return out


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("role", "current", "planned", "group"))

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        role = self._task.args.get("role")
        if role not in role_plan.ROLES:
            return {**result, "failed": True, "msg": f"role: {role!r} is not one of {', '.join(role_plan.ROLES)}"}
        try:
            if "current" in self._task.args:
                planned = dict(self._task.args.get("planned") or {})
                planned["role"] = role
                current, group = self._task.args["current"] or {}, self._task.args.get("group")
                return {**result, "changed": False, **role_plan.leaving(planned, current, group)}
            prefix = f"{role}_"
            spec, known = role_variables(role)
            names = [name for name in task_vars if name.startswith(prefix)]
            # Only the documented inputs are templated: what the role registers or sets itself is not input, and
            # an unknown name is reported by its name alone.
            given = {name: self._templar.template(task_vars[name]) for name in names if name in spec}
            given.update({name: None for name in names if name not in known})
            # The connection variables the plan checks (role_plan.CONNECTION_VARIABLES), as set for this host; the
            # controller's environment, where the modules run, gives the NETSCALER_* fallbacks.
            connection = {
                name: self._templar.template(task_vars[name])
                for name in role_plan.CONNECTION_VARIABLES
                if name in task_vars
            }
            plan = role_plan.plan(role, given, known, connection, os.environ)
        except InvalidOptions as exc:
            return {**result, "failed": True, "changed": False,
                    "msg": f"{role} refused before any NITRO request: {exc}"}  # fmt: skip
        return {**result, "changed": False, "plan": plan}
