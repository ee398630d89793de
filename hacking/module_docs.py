"""Write each NITRO module's DOCUMENTATION ``options`` from its option table.

    .venv/bin/python hacking/module_docs.py          # rewrite the modules whose documentation differs
    .venv/bin/python hacking/module_docs.py --check  # list them and exit 1 (what tests/unit runs)

An option is declared once, in the module's ``OPTIONS`` table (``_options.Option``): its type, choices, default,
whether it is required, the elements of a list and the suboptions of its items. This script writes those keys into
the module's DOCUMENTATION, in the table's order, and writes the suboptions of a list of items (``lb_service``'s
``services``) entirely: an item key without a description of its own reads "See O(<key>)." The human parts stay
where a maintainer writes them, in ordinary YAML in the module file: the ``description`` of each option (and
``version_added``, ``aliases`` or any key the table does not own), and everything outside ``options``.
tests/unit/plugins/modules/test_documentation.py fails when a module file is not what this script writes, so the
documentation cannot drift from the table. ansible-doc and ansible-test see the module file as it is.

A new option: add it to the table, run the script, then replace the ``description`` it leaves empty.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "ansible_collections.adcops.netscaler.plugins.modules"
# The keys the table owns; every other key of an option is the maintainer's and is kept as written.
OWNED = ("type", "elements", "required", "choices", "default", "suboptions")
WIDTH = 120
DOC = re.compile(r'^DOCUMENTATION = r"""\n(.*?)^"""$', re.S | re.M)
TODO = "TODO - describe this option (hacking/module_docs.py added it from the table)."


def flow(value: Any) -> str:
    """A value as one line of YAML flow style (``['200']``, ``false``, ``/``)."""
    text = yaml.safe_dump([value], default_flow_style=True, width=10**6).strip()
    return text[1:-1]


def wrapped(prefix: str, items: list[str], indent: int) -> list[str]:
    """``prefix[a, b, ...]`` as a flow sequence, continued on lines indented by ``indent`` + 2."""
    lines, line = [], prefix + "["
    for index, item in enumerate(items):
        token = item + (", " if index < len(items) - 1 else "]")
        if len(line) + len(token.rstrip()) > WIDTH and line.strip() not in ("", prefix.strip() + "["):
            lines.append(line.rstrip())
            line = " " * (indent + 2) + token
        else:
            line += token
    lines.append(line.rstrip())
    return lines


def entries(lines: list[str], indent: int) -> Iterator[tuple[str, list[str]]]:
    """The entries of a block mapping at ``indent``: (key, the key's line and the lines under it)."""
    key, chunk = None, []
    pattern = re.compile(rf"^ {{{indent}}}([A-Za-z_][\w-]*):(.*)$")
    for line in lines:
        match = pattern.match(line)
        if match:
            if key is not None:
                yield key, chunk
            key, chunk = match.group(1), [line]
        elif key is not None:
            chunk.append(line)
    if key is not None:
        yield key, chunk


def render(options: Any, old: dict[str, list[str]], indent: int, item_of: str | None = None) -> list[str]:
    """The ``options`` (or ``suboptions``) block of a table. ``old``: the option's lines as the file has them."""
    pad, inner = " " * indent, " " * (indent + 2)
    out: list[str] = []
    for option in options:
        spec = option.argument()
        kept = dict(entries(old.get(option.name, [])[1:], indent + 2))
        out.append(f"{pad}{option.name}:")
        if "description" in kept:
            out += kept.pop("description")
        elif item_of is not None:
            out.append(f"{inner}description: See O({option.name}).")
        else:
            out.append(f"{inner}description: {TODO}")
        out.append(f"{inner}type: {spec['type']}")
        if "elements" in spec:
            out.append(f"{inner}elements: {spec['elements']}")
        if spec.get("required"):
            out.append(f"{inner}required: true")
        if "choices" in spec:
            out += wrapped(f"{inner}choices: ", [flow(choice) for choice in spec["choices"]], indent + 2)
        if "default" in spec:
            out.append(f"{inner}default: {flow(spec['default'])}")
        for key, lines in kept.items():
            if key not in OWNED:
                out += lines
        if option.suboptions is not None:
            sub = dict(entries(kept.get("suboptions", [])[1:], indent + 4))
            out.append(f"{inner}suboptions:")
            out += render(option.suboptions, sub, indent + 4, item_of=option.name)
    return out


def generate(text: str, options: Any) -> str:
    """``text`` (a DOCUMENTATION) with its ``options`` block written from ``options``."""
    lines = text.split("\n")
    start = lines.index("options:")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    old = dict(entries(lines[start + 1 : end], 2))
    return "\n".join([*lines[: start + 1], *render(options, old, 2), *lines[end:]])


def modules() -> list[str]:
    """The modules with an option table (the NITRO modules; DSR's host modules and role_plan have none)."""
    found = []
    for path in sorted((ROOT / "plugins/modules").glob("*.py")):
        if path.stem != "__init__" and re.search(r"^OPTIONS = Options\(", path.read_text(), re.M):
            found.append(path.stem)
    return found


def expected(name: str) -> tuple[Path, str, str]:
    """(the module file, its text, its text with the options written from the table)."""
    path = ROOT / "plugins/modules" / f"{name}.py"
    source = path.read_text()
    table = importlib.import_module(f"{PACKAGE}.{name}").OPTIONS
    match = DOC.search(source)
    if match is None:
        raise SystemExit(f'{path}: no DOCUMENTATION = r"""...""" block')
    body = generate(match.group(1).rstrip("\n"), table) + "\n"
    return path, source, source[: match.start(1)] + body + source[match.end(1) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only list the modules that differ")
    parser.add_argument("names", nargs="*", help="modules (default: every module with an OPTIONS table)")
    args = parser.parse_args(argv)
    differ = []
    for name in args.names or modules():
        path, source, text = expected(name)
        if text != source:
            differ.append(name)
            if not args.check:
                path.write_text(text)
        if TODO in text:
            print(f"{name}: an option has no description yet (search for 'TODO - describe')", file=sys.stderr)
    verb = "differ from their tables" if args.check else "rewritten"
    print(f"{len(differ)} module(s) {verb}: {', '.join(differ) or '-'}")
    return 1 if differ and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
