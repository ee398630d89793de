"""Every module's DOCUMENTATION options against the argument spec the module really builds.

``main()`` runs with AnsibleModule replaced by a recorder, so the spec compared is the one a task gets (the
module's own options plus the connection options NitroModule adds), and each DOCUMENTATION is merged with the
doc fragments it extends, as ansible-doc does.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[4]
MODULES = sorted(path.stem for path in (ROOT / "plugins/modules").glob("*.py") if path.stem != "__init__")
PACKAGE = "ansible_collections.adcops.netscaler.plugins"
# Its spec lives in the PowerShell module; tests/unit/test_win_dsr_loopback.py compares that one with the docs.
POWERSHELL = {"win_dsr_loopback"}


class Built(Exception):
    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__("argument spec recorded")
        self.spec = spec


def built_spec(module_name: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from ansible.module_utils import basic

    def record(self: Any, argument_spec: dict[str, Any], **_kwargs: Any) -> None:
        raise Built(argument_spec)

    monkeypatch.setattr(basic.AnsibleModule, "__init__", record)
    module = importlib.import_module(f"{PACKAGE}.modules.{module_name}")
    with pytest.raises(Built) as built:
        module.main()
    return built.value.spec


def documented_options(module_name: str) -> dict[str, Any]:
    module = importlib.import_module(f"{PACKAGE}.modules.{module_name}")
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        name, _dot, variant = fragment.removeprefix("adcops.netscaler.").partition(".")
        frag = importlib.import_module(f"{PACKAGE}.doc_fragments.{name}").ModuleDocFragment
        text = getattr(frag, variant.upper() or "DOCUMENTATION")
        options.update((yaml.safe_load(text) or {}).get("options") or {})
    return options


def compare(where: str, documented: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """Differences in type, choices, default, required, elements and (recursively) suboptions."""
    problems = []
    for name in sorted(set(documented) | set(spec)):
        if name not in spec:
            problems.append(f"{where}{name}: documented but not in the argument spec")
            continue
        if name not in documented:
            problems.append(f"{where}{name}: in the argument spec but not documented")
            continue
        doc, arg = documented[name] or {}, spec[name]
        pairs = {
            "type": (doc.get("type", "str"), arg.get("type", "str")),
            "choices": (doc.get("choices"), arg.get("choices")),
            "default": (doc.get("default"), arg.get("default")),
            "required": (bool(doc.get("required")), bool(arg.get("required"))),
            "elements": (doc.get("elements"), arg.get("elements")),
        }
        for key, (left, right) in pairs.items():
            if left != (list(right) if isinstance(right, tuple) else right):
                problems.append(f"{where}{name}.{key}: documented {left!r}, argument spec {right!r}")
        if doc.get("suboptions") or arg.get("options"):
            problems += compare(f"{where}{name}.", doc.get("suboptions") or {}, arg.get("options") or {})
    return problems


@pytest.mark.parametrize("module_name", MODULES)
def test_documentation_matches_argument_spec(module_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if module_name in POWERSHELL:
        assert (ROOT / "tests/unit/test_win_dsr_loopback.py").is_file()
        pytest.skip("the argument spec is in the .ps1; tests/unit/test_win_dsr_loopback.py compares it")
    assert compare("", documented_options(module_name), built_spec(module_name, monkeypatch)) == []


def test_the_comparison_can_fail() -> None:
    documented = {"port": {"type": "raw"}, "state": {"choices": ["present"], "default": "present"}}
    spec = {"port": {"type": "int"}, "state": {"type": "str", "choices": ["present", "absent"]}}
    assert compare("", documented, spec) == [
        "port.type: documented 'raw', argument spec 'int'",
        "state.choices: documented ['present'], argument spec ['present', 'absent']",
        "state.default: documented 'present', argument spec None",
    ]
    assert compare("", {"items": {"type": "list", "suboptions": {"a": {}}}}, {"items": {"type": "list"}}) == [
        "items.a: documented but not in the argument spec"
    ]


def test_the_spec_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = built_spec("lb_service", monkeypatch)
    assert spec["services"]["options"]["name"] == {"type": "str", "required": True}
    assert spec["nsip"]["required"] is True  # the connection options NitroModule adds
    assert "nsip" in documented_options("lb_service")  # and the fragment that documents them
