"""PowerShell (and C#) read structurally, without pwsh: tree-sitter parse trees, literals, commands, functions.

ansible-test's validate-modules and pslint need pwsh, which no package registry this project uses ships; these
helpers let pytest check the Windows module's syntax, argument spec and check-mode discipline on Linux.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import tree_sitter_c_sharp
import tree_sitter_powershell
from tree_sitter import Language, Node, Parser, Tree


@cache
def _parser(language: str) -> Parser:
    module = {"powershell": tree_sitter_powershell, "csharp": tree_sitter_c_sharp}[language]
    return Parser(Language(module.language()))


def parse(source: str | bytes, language: str = "powershell") -> Tree:
    data = source.encode() if isinstance(source, str) else source
    return _parser(language).parse(data)


def parse_file(path: Path) -> Tree:
    return parse(path.read_bytes(), "csharp" if path.suffix == ".cs" else "powershell")


@dataclass(frozen=True)
class SyntaxProblem:
    kind: str  # "ERROR" or "MISSING <type>"
    line: int
    column: int
    text: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.line}:{self.column}: {self.text!r}"


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from walk(child)


def syntax_problems(tree: Tree) -> list[SyntaxProblem]:
    """Every ERROR node and every node the parser had to invent (MISSING)."""
    problems = []
    for node in walk(tree.root_node):
        if node.type == "ERROR" or node.is_missing:
            kind = "ERROR" if node.type == "ERROR" else f"MISSING {node.type}"
            row, column = node.start_point
            problems.append(SyntaxProblem(kind, row + 1, column + 1, node.text.decode(errors="replace")[:80]))
    return problems


def text(node: Node) -> str:
    return node.text.decode()


def unwrap(node: Node) -> Node:
    """Skip the grammar's single-child precedence layers (pipeline -> ... -> unary_expression)."""
    while node.child_count == 1:
        node = node.children[0]
    return node


class NotALiteral(ValueError):
    pass


def literal(node: Node) -> Any:
    """The Python value of a PowerShell literal: hashtable, array, string, integer, $true/$false/$null."""
    node = unwrap(node)
    kind = node.type
    if kind == "hash_literal_expression":
        body = next((c for c in node.named_children if c.type == "hash_literal_body"), None)
        result: dict[str, Any] = {}
        for entry in body.named_children if body else []:
            key_node, value_node = unwrap(entry.named_children[0]), entry.named_children[-1]
            key = text(key_node) if key_node.type == "simple_name" else literal(key_node)
            result[str(key)] = literal(value_node)
        return result
    if kind == "array_literal_expression":
        return [literal(c) for c in node.named_children]
    if kind == "array_expression":
        items: list[Any] = []
        for statement_list in node.named_children:
            for statement in statement_list.named_children:
                value = literal(statement)
                items.extend(value if isinstance(value, list) else [value])
        return items
    if kind == "verbatim_string_characters":
        return text(node)[1:-1].replace("''", "'")
    if kind == "expandable_string_literal":
        raw = text(node)[1:-1]
        if "$" in raw or "`" in raw:
            raise NotALiteral(f"expandable string with substitutions: {text(node)}")
        return raw
    if kind == "decimal_integer_literal":
        return int(text(node))
    if kind == "variable":
        constants = {"$true": True, "$false": False, "$null": None}
        if text(node).lower() in constants:
            return constants[text(node).lower()]
    raise NotALiteral(f"{kind}: {text(node)[:60]}")


def assignments(tree: Tree, variable: str) -> list[Node]:
    """Right-hand sides of top-level `$variable = ...` statements."""
    found = []
    for node in walk(tree.root_node):
        if node.type != "assignment_expression":
            continue
        left = node.named_children[0]
        if text(left).lower() == variable.lower():
            found.append(node.named_children[-1])
    return found


def functions(tree: Tree) -> dict[str, Node]:
    result = {}
    for node in walk(tree.root_node):
        if node.type == "function_statement":
            name = next(c for c in node.named_children if c.type == "function_name")
            result[text(name)] = node
    return result


@dataclass(frozen=True)
class Command:
    name: str
    node: Node
    line: int


def commands(node: Node) -> list[Command]:
    """Every command invocation (cmdlet or function call by name) under node."""
    found = []
    for child in walk(node):
        if child.type == "command":
            name_node = child.child_by_field_name("command_name") or next(
                (c for c in child.named_children if c.type == "command_name"), None
            )
            if name_node is not None:
                found.append(Command(text(name_node), child, child.start_point[0] + 1))
    return found


def static_calls(node: Node) -> list[tuple[str, Node]]:
    """`[Type]::Member` and `$var::Member` invocations under node, as 'Type::Member' text."""
    found = []
    for child in walk(node):
        if child.type in {"invokation_expression", "member_access"}:
            value = text(child)
            if "::" in value:
                found.append((re.sub(r"\(.*", "", value, flags=re.DOTALL), child))
    return found


def enclosing(node: Node, kind: str) -> Iterator[Node]:
    parent = node.parent
    while parent is not None:
        if parent.type == kind:
            yield parent
        parent = parent.parent


def requires_lines(source: str) -> list[tuple[str, str]]:
    """`#AnsibleRequires -Kind Value` lines as (kind, value)."""
    return re.findall(r"(?im)^#AnsibleRequires\s+-(\w+)\s+(\S+)\s*$", source)


AUTOMATIC_VARIABLES = {"$true", "$false", "$null", "$_", "$args", "$psscriptroot", "$matches", "$lastexitcode"}


def _variable_name(node: Node) -> str:
    name = text(node).lower()
    if name.startswith("@"):  # splatting: @arguments reads $arguments
        name = "$" + name[1:]
    return "$" + name[len("$script:") :] if name.startswith("$script:") else name


def undefined_variables(tree: Tree) -> list[tuple[int, str]]:
    """Variables read somewhere in the file but never assigned, looped over or declared as a parameter in it.

    Modules run under Set-StrictMode -Version 2.0, where reading an unset variable is an error: this finds
    the typos. It is file-wide (not per scope), so it can miss a variable used outside the scope that sets it.
    """
    assigned: set[str] = set()
    for node in walk(tree.root_node):
        if node.type == "assignment_expression":
            left = unwrap(node.named_children[0])
            targets = left.named_children if left.type == "array_literal_expression" else [left]
            assigned.update(_variable_name(unwrap(t)) for t in targets if unwrap(t).type == "variable")
        elif node.type == "foreach_statement":
            loop_variable = next(c for c in node.named_children if c.type == "variable")
            assigned.add(_variable_name(loop_variable))
        elif node.type == "script_parameter":
            assigned.update(_variable_name(c) for c in node.named_children if c.type == "variable")
    problems = []
    for node in walk(tree.root_node):
        if node.type != "variable":
            continue
        name = _variable_name(node)
        if name in AUTOMATIC_VARIABLES or name.startswith("$env:") or name in assigned:
            continue
        problems.append((node.start_point[0] + 1, text(node)))
    return problems


COMMON_PARAMETERS = {"erroraction", "warningaction", "verbose", "debug", "errorvariable", "outvariable"}


def function_parameters(function: Node) -> set[str]:
    """Lower-case names of a function's declared parameters."""
    names = set()
    for node in walk(function):
        if node.type == "script_parameter":
            names.update(text(c)[1:].lower() for c in node.named_children if c.type == "variable")
    return names


def unknown_parameters(call_sites: Node, definitions: dict[str, Node]) -> list[str]:
    """`-Name` arguments passed to a function defined in `definitions` that it does not declare."""
    known = {name.lower(): function_parameters(node) for name, node in definitions.items()}
    problems = []
    for command in commands(call_sites):
        declared = known.get(command.name.lower())
        if declared is None:
            continue
        for node in _own_nodes(command.node):
            if node.type == "command_parameter":
                name = text(node)[1:].rstrip(":").lower()
                if name not in declared and name not in COMMON_PARAMETERS:
                    problems.append(f"line {command.line}: {command.name} -{name}")
    return problems


def _own_nodes(command: Node) -> Iterator[Node]:
    """The nodes of a command without those of commands nested in its arguments."""
    stack = list(command.children)
    while stack:
        node = stack.pop()
        if node.type == "command":
            continue
        yield node
        stack.extend(node.children)


def csharp_public_static_methods(tree: Tree, class_name: str) -> dict[str, list[str]]:
    """Public static methods of a C# class: name -> parameter texts (e.g. 'out bool rebootRequired')."""
    methods: dict[str, list[str]] = {}
    for node in walk(tree.root_node):
        if node.type != "class_declaration" or text(node.child_by_field_name("name")) != class_name:
            continue
        for member in walk(node):
            if member.type != "method_declaration":
                continue
            modifiers = {text(c) for c in member.named_children if c.type == "modifier"}
            if {"public", "static"} <= modifiers:
                parameters = member.child_by_field_name("parameters")
                methods[text(member.child_by_field_name("name"))] = [
                    text(p) for p in parameters.named_children if p.type == "parameter"
                ]
    return methods


def static_call_arguments(tree: Tree, receiver: str) -> list[tuple[str, list[str]]]:
    """`receiver::Method(args)` calls as (Method, [argument texts])."""
    calls = []
    for node in walk(tree.root_node):
        if node.type != "invokation_expression" or not text(node).startswith(f"{receiver}::"):
            continue
        method = next(c for c in node.named_children if c.type in {"simple_name", "member_name"})
        argument_list = next((c for c in node.named_children if c.type == "argument_list"), None)
        expressions = next((c for c in argument_list.named_children), None) if argument_list else None
        arguments = [text(a) for a in expressions.named_children] if expressions else []
        calls.append((text(method), arguments))
    return calls


def mandatory_parameters(function: Node) -> set[str]:
    names = set()
    for node in walk(function):
        if node.type != "script_parameter":
            continue
        attributes = [text(a) for a in walk(node) if a.type == "attribute"]
        if any(re.match(r"\[Parameter\(.*\bMandatory\b(\s*=\s*\$true)?", a, re.IGNORECASE) for a in attributes):
            names.update(text(c)[1:].lower() for c in node.named_children if c.type == "variable")
    return names


def missing_mandatory_parameters(call_sites: Node, definitions: dict[str, Node]) -> list[str]:
    """Calls by name only (no positional argument) that leave out a mandatory parameter: PowerShell would prompt."""
    required = {name.lower(): mandatory_parameters(node) for name, node in definitions.items()}
    problems = []
    for command in commands(call_sites):
        mandatory = required.get(command.name.lower())
        if not mandatory:
            continue
        elements = next((c for c in command.node.named_children if c.type == "command_elements"), None)
        own = list(_own_nodes(elements)) if elements else []
        named = {text(n)[1:].rstrip(":").lower() for n in own if n.type == "command_parameter"}
        items = [n for n in (elements.named_children if elements else []) if n.type != "command_argument_sep"]
        parameters = [n for n in items if n.type == "command_parameter"]
        values = [n for n in items if n.type != "command_parameter"]
        if len(values) > len(parameters):
            continue  # positional arguments: not checked
        for name in sorted(mandatory - named):
            problems.append(f"line {command.line}: {command.name} without -{name}")
    return problems
