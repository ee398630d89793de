"""Every module's DOCUMENTATION options against the argument spec the module really builds.

``main()`` runs with AnsibleModule replaced by a recorder, so the spec compared is the one a task gets (the
module's own options plus the connection options NitroModule adds), and each DOCUMENTATION is merged with the
doc fragments it extends, as ansible-doc does.
"""

from __future__ import annotations

import importlib
import importlib.util
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


def module_docs() -> Any:
    """hacking/module_docs.py, the writer of every module's DOCUMENTATION options from its table."""
    spec = importlib.util.spec_from_file_location("module_docs", ROOT / "hacking/module_docs.py")
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


WRITER = module_docs()


@pytest.mark.parametrize("module_name", WRITER.modules())
def test_documentation_is_written_from_the_table(module_name: str) -> None:
    """Types, choices, defaults, required, elements and list-item suboptions come from the OPTIONS table; run
    `.venv/bin/python hacking/module_docs.py` after changing a table."""
    path, source, written = WRITER.expected(module_name)
    assert written == source, f"{path.name} differs from its OPTIONS table: run hacking/module_docs.py"
    assert WRITER.TODO not in source


def test_every_nitro_module_has_a_table() -> None:
    assert set(WRITER.modules()) == set(MODULES) - POWERSHELL - {"dsr_loopback", "role_plan", "win_dsr_loopback"}


def test_the_writer_owns_types_and_items_and_keeps_descriptions() -> None:
    from ansible_collections.adcops.netscaler.plugins.module_utils._options import Option, Options

    item = Options(Option("name"), Option("port", type="int"))
    table = Options(
        Option("port", type="int", choices=("80", "443"), default=80),
        Option("items", type="list", elements="dict", suboptions=item.item_options()),
        Option("new", type="bool", default=False),
    )
    text = (
        "module: x\noptions:\n  port:\n    description: The port.\n    type: str\n    version_added: 1.1.0\n"
        "  gone:\n    description: Not in the table.\n  items:\n    description: [Items.]\n    type: list\n"
        "    suboptions:\n      name:\n        description: Its name.\n        type: str\nnotes: [n]"
    )
    assert WRITER.generate(text, table).split("\n") == [
        "module: x",
        "options:",
        "  port:",
        "    description: The port.",
        "    type: int",  # the table's type, not the file's
        "    choices: ['80', '443']",
        "    default: 80",
        "    version_added: 1.1.0",  # a key the table does not own is kept
        "  items:",  # `gone` is dropped: not in the table
        "    description: [Items.]",
        "    type: list",
        "    elements: dict",
        "    suboptions:",
        "      name:",
        "        description: Its name.",  # kept
        "        type: str",
        "        required: true",
        "      port:",
        "        description: See O(port).",  # an item key without its own description
        "        type: int",
        "  new:",
        f"    description: {WRITER.TODO}",
        "    type: bool",
        "    default: false",
        "notes: [n]",
    ]
