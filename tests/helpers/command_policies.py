"""extensions/command_policies/policies.yml as data: the ALLOW regular expression and the CLI lines of each role's
command policy, derived from its `commands`, and the markdown of docs/permissions.md.

    python -m tests.helpers.command_policies            # print the derived cmdspec and cli of every role
    python -m tests.helpers.command_policies --write    # rewrite the derived parts of policies.yml's roles and
                                                        # the generated part of docs/permissions.md

tests/unit/test_command_policies.py checks that the file and the page hold exactly what this module derives.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
POLICIES = REPO / "extensions" / "command_policies" / "policies.yml"
DOC = REPO / "docs" / "permissions.md"
DOC_BEGIN = (
    "<!-- generated from extensions/command_policies/policies.yml: python -m tests.helpers.command_policies --write -->"
)
DOC_END = "<!-- end of generated part -->"
README = REPO / "README.md"
# The README shows the policy of the pool role, the one its quickstart runs, and the global-changes table.
README_ROLE = "healthchecked_pool"

# After its verb and object a command has a blank and its arguments, or ends: "show service" never allows "show
# servicegroup". [\s\S] rather than `.`: an HTTP monitor's custom headers carry line breaks, which `.` does not match.
# The empty alternative instead of `?` (which the CLI reads as a request for help) keeps to what PCRE and Python's re
# share; anchored at both ends, the expression means the same whether the command is searched or matched whole.
SUFFIX = r"(\s[\s\S]*|)$"


def load(path: Path = POLICIES) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


PLAIN = re.compile(r"-?[A-Za-z0-9_]+")


def plain(word: str) -> str:
    """A CLI word as itself: letters, digits, underscore and a leading '-' mean the same in every regex dialect."""
    if not PLAIN.fullmatch(word):
        raise ValueError(f"not a plain CLI word: {word!r}")
    return word


def words(text: str) -> str:
    """CLI words separated by any blanks: 'lb vserver' -> 'lb\\s+vserver'."""
    return r"\s+".join(plain(word) for word in text.split())


def fragment(command: dict[str, Any]) -> str:
    """One command of policies.yml as a regular expression (without the anchors and the common suffix)."""
    verbs = command["verbs"]
    verb = plain(verbs[0]) if len(verbs) == 1 else "(" + "|".join(plain(v) for v in verbs) + ")"
    text = verb + r"\s+" + words(command["object"])
    if command.get("args"):
        # exactly these arguments: "enable ns mode MBF L3" must not pass as "enable ns mode MBF"
        text += r"\s+" + words(str(command["args"])) + "$"
    if command.get("option"):
        # anywhere after the object, as a whole option (the suffix needs a blank or the end after it)
        text += r"\s.*" + plain(str(command["option"]))
    return text


def cmdspec(role: dict[str, Any]) -> str:
    return "^(" + "|".join(fragment(c) for c in role["commands"]) + ")" + SUFFIX


def cli(role: dict[str, Any], user: str) -> str:
    return (
        f'add system cmdPolicy {role["policy"]} ALLOW "{cmdspec(role)}"\n'
        f"add system user {user} <password> -externalAuth DISABLED\n"
        f"bind system user {user} {role['policy']} {role['priority']}\n"
    )


def expanded(command: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per verb: each must be sent by the role (tests/integration/test_command_policies.py)."""
    return [{**command, "verbs": [verb]} for verb in command["verbs"]]


def label(command: dict[str, Any]) -> str:
    parts = ["|".join(command["verbs"]), command["object"], command.get("args"), command.get("option")]
    return " ".join(str(p) for p in parts if p)


def markdown(data: dict[str, Any]) -> str:
    """The generated part of docs/permissions.md."""
    out = [DOC_BEGIN, ""]
    for name, role in data["roles"].items():
        used = ", ".join(f"`{u}`" for u in role["used_by"])
        out += [f"## {name}", "", f"Used by {used}. Commands it runs:", ""]
        out += [f"- `{label(c)}`" for c in role["commands"]]
        out += ["", "```text", cli(role, data["user"]).rstrip("\n"), "```", ""]
    out += ["## What the roles change beyond the objects they are given", ""]
    out += global_changes(data)
    out += ["", DOC_END]
    return "\n".join(out) + "\n"


def global_changes(data: dict[str, Any]) -> list[str]:
    """The table of what each role changes beyond the objects it names, and how to undo it."""
    out = ["| Role | Change | Scope | When | Undo |", "|---|---|---|---|---|"]
    for change in data["global_changes"]:
        undo = "; ".join(p for p in (f"`{change['undo']}`" if change.get("undo") else "", change.get("note")) if p)
        cells = [change["role"], change["change"], change["scope"], f"`{change['when']}`", undo]
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return out


def readme_markdown(data: dict[str, Any]) -> str:
    """The generated part of README.md: the pool role's CLI lines, then the global-changes section."""
    out = [DOC_BEGIN, "", "```text", cli(data["roles"][README_ROLE], data["user"]).rstrip("\n"), "```", ""]
    out += ["## What the roles change beyond the objects they name", ""]
    out += global_changes(data)
    out += ["", DOC_END]
    return "\n".join(out) + "\n"


def doc_part(text: str) -> str:
    """The generated part of a page (from DOC_BEGIN through DOC_END and its newline)."""
    start, end = text.index(DOC_BEGIN), text.index(DOC_END) + len(DOC_END)
    return text[start:end] + "\n"


def rewrite() -> None:
    """Write the derived cmdspec/cli into policies.yml (keeping its comments and layout) and the page's part."""
    data = load()
    text = POLICIES.read_text(encoding="utf-8")
    for name, role in data["roles"].items():
        block = re.search(rf"(?ms)^  {name}:\n.*?(?=^  \S|^\S|\Z)", text)
        assert block, name
        original = block.group(0)
        body = re.sub(r"(?ms)^    (cmdspec|cli):.*?(?=^    \S|^  \S|^\S|\Z)", "", original)
        blank = "\n" * (len(original) - len(original.rstrip("\n")) - 1)  # the blank lines before what follows
        body = body.rstrip("\n") + "\n" + derived_yaml(role, data["user"]) + blank
        text = text[: block.start()] + body + text[block.end() :]
    POLICIES.write_text(text, encoding="utf-8")
    page = DOC.read_text(encoding="utf-8")
    DOC.write_text(page.replace(doc_part(page), markdown(data)), encoding="utf-8")
    page = README.read_text(encoding="utf-8")
    README.write_text(page.replace(doc_part(page), readme_markdown(data)), encoding="utf-8")


def derived_yaml(role: dict[str, Any], user: str) -> str:
    spec = cmdspec(role)
    lines = "".join(f"      {line}\n" for line in cli(role, user).splitlines())
    return f"    cmdspec: '{spec}'\n    cli: |\n{lines}"


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        rewrite()
    else:
        policies = load()
        for role_name, entry in policies["roles"].items():
            print(f"# {role_name}\n{cli(entry, policies['user'])}")
