"""win_dsr_loopback without Windows: syntax, argument spec against the docs, utilities, check-mode discipline.

No pwsh here, so ansible-test's validate-modules cannot read the PowerShell argument spec (make sanity excludes it)
and pslint cannot run. These tests do the structural half of that work from tree-sitter parse trees. The
behaviour of the pure decision functions is tested by tests/windows/DsrLoopbackPlan.Tests.ps1 (Pester), which
test_pester_plan_functions runs when pwsh is on PATH; the module's effect on a host is tested by the
ansible-test target tests/integration/targets/win_dsr_loopback on a Windows host.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import powershell as ps

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "plugins/modules/win_dsr_loopback.ps1"
DOC_STUB = ROOT / "plugins/modules/win_dsr_loopback.py"
PLAN_UTIL = ROOT / "plugins/module_utils/DsrLoopbackPlan.psm1"
DEVICE_UTIL = ROOT / "plugins/module_utils/DsrLoopbackDevice.cs"
COLLECTION_PREFIX = "ansible_collections.adcops.netscaler.plugins.module_utils."

POWERSHELL_FILES = sorted(
    p for pattern in ("*.ps1", "*.psm1") for base in ("plugins", "tests", "roles") for p in (ROOT / base).rglob(pattern)
)
CSHARP_FILES = sorted((ROOT / "plugins").rglob("*.cs"))

# Every command the module runs is classified, so a new one cannot slip in unexamined.
WRITE_COMMANDS = {
    "New-NetIPAddress",
    "Set-NetIPAddress",
    "Remove-NetIPAddress",
    "Rename-NetAdapter",
    "Set-DnsClient",
    "Set-NetIPInterface",
    "New-NetFirewallRule",
    "Set-NetFirewallRule",
    "Remove-NetFirewallRule",
    "Invoke-CimMethod",
    "New-Item",
    "New-ItemProperty",
    "Remove-Item",
    "Remove-ItemProperty",
}
READ_COMMANDS = {
    "Get-NetAdapter",
    "Get-NetIPAddress",
    "Get-NetIPInterface",
    "Get-NetRoute",
    "Get-DnsClient",
    "Get-CimInstance",
    "Get-NetFirewallRule",
    "Get-NetFirewallPortFilter",
    "Get-NetFirewallAddressFilter",
    "Get-Item",
    "Get-ItemProperty",
    "Get-ChildItem",
    "Test-Path",
    "Join-Path",
    "Start-Sleep",
    "Where-Object",
    "ForEach-Object",
    "Sort-Object",
    "Select-Object",
    "Out-Null",
}
# The module's own helpers that write; their call sites must be guarded like the cmdlets'.
WRITE_HELPERS = {
    "Set-MarkerValue",
    "Remove-MarkerValue",
    "Set-WeakHostSetting",
    "Invoke-FirewallChange",
    "Disable-Netbios",
}
# Helpers that only record what was done in the result; allowed anywhere.
RESULT_HELPERS = {"Add-Action"}
WRITE_STATIC_CALLS = {"$deviceType::Install", "$deviceType::Remove"}
# Commands the pure functions may use: pipeline plumbing only.
PURE_COMMANDS = {"Where-Object", "ForEach-Object", "Sort-Object"}
PURE_TYPES = {"[System.Net.IPAddress]", "[System.Net.Sockets.AddressFamily]"}


@pytest.fixture(scope="module")
def module_tree():
    return ps.parse_file(MODULE)


@pytest.fixture(scope="module")
def plan_tree():
    return ps.parse_file(PLAN_UTIL)


def documented_options() -> dict:
    namespace: dict = {}
    exec(compile(DOC_STUB.read_text(), str(DOC_STUB), "exec"), namespace)  # the stub holds only strings
    return yaml.safe_load(namespace["DOCUMENTATION"])


# --- syntax -------------------------------------------------------------------------------------------------


def test_there_is_powershell_to_check():
    names = {p.name for p in POWERSHELL_FILES}
    assert {"win_dsr_loopback.ps1", "DsrLoopbackPlan.psm1", "DsrLoopbackPlan.Tests.ps1"} <= names
    assert [p.name for p in CSHARP_FILES] == ["DsrLoopbackDevice.cs"]


@pytest.mark.parametrize("path", POWERSHELL_FILES + CSHARP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_parses_without_error_or_missing_nodes(path):
    tree = ps.parse_file(path)
    assert tree.root_node.child_count > 0
    problems = ps.syntax_problems(tree)
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize(
    ("source", "language"),
    [
        ("if ($a -eq 1) { Write-Output 'x' ", "powershell"),  # unclosed block
        ("$spec = @{ options = @{ a = @{ type = 'str' } }", "powershell"),  # unclosed hashtable
        ("Function Get-X { param ([string]$A,) }", "powershell"),  # dangling comma in param block
        ("namespace A { public class B { void C() { int x = ; } } }", "csharp"),
    ],
)
def test_the_syntax_check_catches_broken_code(source, language):
    assert ps.syntax_problems(ps.parse(source, language))


def _compile_csharp5(source: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    # Windows PowerShell 5.1 compiles C# utils with the .NET Framework compiler: C# 5, no newer syntax.
    return subprocess.run(
        ["mcs", "-langversion:5", "-warnaserror+", "-target:library", f"-out:{tmp_path / 'util.dll'}", str(source)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def compiled_util(tmp_path_factory) -> Path:
    """The C# utility compiled once as C# 5 (util.dll in the returned directory)."""
    if shutil.which("mcs") is None:
        pytest.skip("mcs is not installed (Debian package mono-mcs)")
    directory = tmp_path_factory.mktemp("csharp")
    result = _compile_csharp5(DEVICE_UTIL, directory)
    assert result.returncode == 0, result.stdout + result.stderr
    return directory


def test_csharp_util_compiles_as_csharp5(compiled_util, tmp_path):
    assert (compiled_util / "util.dll").is_file()
    newer = tmp_path / "newer.cs"
    newer.write_text('public class X { public string A => "expression-bodied members are C# 6"; }')
    assert _compile_csharp5(newer, tmp_path).returncode != 0


_PROBE = """
using System;
using System.Runtime.InteropServices;
using ansible_collections.adcops.netscaler.plugins.module_utils.DsrLoopbackDevice;

public static class Probe
{
    static int Size(string nested)
    {
        string name = typeof(RootDevice).Namespace + ".NativeMethods+" + nested;
        Type type = typeof(RootDevice).Assembly.GetType(name, true);
        return Marshal.SizeOf(type);
    }

    public static void Main()
    {
        // ERROR_IN_WOW64, as SetupDiCallClassInstaller reports it from a 32-bit process on 64-bit Windows
        Console.WriteLine(new SetupApiException(unchecked((int)0xE0000235), "DIF_INSTALLDEVICE failed").Message);
        Console.WriteLine(new SetupApiException(5, "SetupDiOpenDeviceInfo failed").Message);
        Console.WriteLine(IntPtr.Size);
        string[] structs = {
            "SP_DEVINFO_DATA", "SP_DEVINSTALL_PARAMS", "SP_CLASSINSTALL_HEADER", "SP_REMOVEDEVICE_PARAMS"
        };
        foreach (string name in structs)
            Console.WriteLine(name + "=" + Size(name));
    }
}
"""


def test_csharp_util_errors_keep_their_code_and_structs_have_windows_sizes(compiled_util, tmp_path):
    # Runs the compiled utility under mono (no Windows API is called): the exception text must carry the code the
    # way Ansible's own C# utilities write it, and the structures must have the sizes setupapi.h gives on x64.
    if shutil.which("mono") is None:
        pytest.skip("mono is not installed (Debian package mono-runtime)")
    shutil.copy(compiled_util / "util.dll", tmp_path / "util.dll")
    probe = tmp_path / "probe.cs"
    probe.write_text(_PROBE)
    exe = tmp_path / "probe.exe"
    build = subprocess.run(
        ["mcs", "-langversion:5", f"-r:{tmp_path / 'util.dll'}", f"-out:{exe}", str(probe)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    run = subprocess.run(["mono", str(exe)], check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    wow64, denied, pointer, *sizes = run.stdout.splitlines()
    assert wow64.startswith("DIF_INSTALLDEVICE failed (") and wow64.endswith(
        ", Win32ErrorCode 3758096949 - 0xE0000235)"
    )
    assert denied.startswith("SetupDiOpenDeviceInfo failed (") and denied.endswith(", Win32ErrorCode 5 - 0x00000005)")
    if pointer != "8":
        pytest.skip("the structure sizes below are those of 64-bit Windows")
    # setupapi.h on x64: SP_DEVINFO_DATA 32, SP_DEVINSTALL_PARAMS_W 584, SP_CLASSINSTALL_HEADER 8,
    # SP_REMOVEDEVICE_PARAMS 16
    expected = [
        "SP_DEVINFO_DATA=32",
        "SP_DEVINSTALL_PARAMS=584",
        "SP_CLASSINSTALL_HEADER=8",
        "SP_REMOVEDEVICE_PARAMS=16",
    ]
    assert sizes == expected


def _extern_functions(tree) -> set[str]:
    names = set()
    for node in ps.walk(tree.root_node):
        modifiers = {ps.text(c) for c in node.children if c.type == "modifier"}
        if node.type == "method_declaration" and "extern" in modifiers:
            names.add(ps.text(node.child_by_field_name("name")))
    return names


def test_csharp_util_installs_and_removes_one_device_only():
    # UpdateDriverForPlugAndPlayDevices reinstalls the driver on every present *MSLOOP device (so VIPs on other
    # loopback adapters vanish for a moment); the driver is selected and installed on the new device alone, and
    # removal passes SP_REMOVEDEVICE_PARAMS (DI_REMOVEDEVICE_GLOBAL) as devcon's remove does.
    source = DEVICE_UTIL.read_text()
    imported = _extern_functions(ps.parse_file(DEVICE_UTIL))
    assert "UpdateDriverForPlugAndPlayDevicesW" not in imported
    assert {"SetupDiBuildDriverInfoList", "SetupDiSetDeviceInstallParamsW", "SetupDiSetClassInstallParamsW"} <= imported
    for step in (
        "DIF_SELECTBESTCOMPATDRV",
        "DIF_REGISTERDEVICE",
        "DIF_INSTALLDEVICE",
        "DI_ENUMSINGLEINF",
        "DI_REMOVEDEVICE_GLOBAL",
    ):
        assert f"NativeMethods.{step}" in source, step
    # every error keeps its code: no bare Win32Exception is thrown
    assert "throw new Win32Exception" not in source
    assert _extern_functions(
        ps.parse('class A { [DllImport("x")] static extern bool F(int a); void G() {} }', "csharp")
    ) == {"F"}


def test_powershell_lines_fit_ansible_test():
    # ansible-test's pslint (PSScriptAnalyzer settings) and the collection's style: at most 160 columns.
    long_lines = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in POWERSHELL_FILES + CSHARP_FILES
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if len(line) > 160
    ]
    assert long_lines == []


def test_adapter_enumeration_errors_are_not_swallowed(module_tree):
    # A failed Get-NetAdapter read as "no adapter" makes every KM-TEST device look adapterless: a duplicate gets
    # created. Every Get-NetAdapter that enumerates says -ErrorAction Stop.
    for command in ps.commands(module_tree.root_node):
        if command.name == "Get-NetAdapter":
            call = ps.text(command.node)
            assert "SilentlyContinue" not in call, f"line {command.line}: {call}"
            if "-InterfaceIndex" not in call:
                assert "-ErrorAction Stop" in call, f"line {command.line}: {call}"


@pytest.mark.parametrize("path", [MODULE, PLAN_UTIL], ids=lambda p: p.name)
def test_no_variable_is_read_without_being_set(path):
    assert ps.undefined_variables(ps.parse_file(path)) == []


def test_the_variable_check_sees_a_typo():
    tree = ps.parse("$adapterName = 'x'\nforeach ($vip in $vips) { $adapterNmae + $vip }\nFunction F { param ($P) @P }")
    assert ps.undefined_variables(tree) == [(2, "$vips"), (2, "$adapterNmae")]


def test_functions_are_called_with_parameters_they_declare(module_tree, plan_tree):
    definitions = {**ps.functions(plan_tree), **ps.functions(module_tree)}
    assert ps.unknown_parameters(module_tree.root_node, definitions) == []
    assert ps.unknown_parameters(plan_tree.root_node, definitions) == []
    pester = ps.parse_file(ROOT / "tests/windows/DsrLoopbackPlan.Tests.ps1")
    assert ps.unknown_parameters(pester.root_node, definitions) == []
    wrong = ps.parse("Get-DsrAddressPlan -Vips $v -Currnet $c")
    assert ps.unknown_parameters(wrong.root_node, definitions) == ["line 1: Get-DsrAddressPlan -currnet"]


def test_mandatory_parameters_are_always_passed(module_tree, plan_tree):
    definitions = {**ps.functions(plan_tree), **ps.functions(module_tree)}
    pester = ps.parse_file(ROOT / "tests/windows/DsrLoopbackPlan.Tests.ps1")
    for tree in (module_tree, plan_tree, pester):
        assert ps.missing_mandatory_parameters(tree.root_node, definitions) == []
    wrong = ps.parse("Select-DsrUplink -Families @('IPv4')")
    expected = ["line 1: Select-DsrUplink without -adaptername"]
    assert ps.missing_mandatory_parameters(wrong.root_node, definitions) == expected


def test_module_calls_the_csharp_util_as_it_is_declared(module_tree):
    declared = ps.csharp_public_static_methods(ps.parse_file(DEVICE_UTIL), "RootDevice")
    assert set(declared) == {"Find", "Install", "Remove"}
    calls = ps.static_call_arguments(module_tree, "$deviceType")
    assert {name for name, _ in calls} == set(declared)
    for name, arguments in calls:
        parameters = declared[name]
        assert len(arguments) == len(parameters), f"{name}({', '.join(arguments)}) vs {parameters}"
        for argument, parameter in zip(arguments, parameters, strict=True):
            # an out/ref parameter takes a [ref] variable from PowerShell, and only it does
            assert parameter.startswith(("out ", "ref ")) == argument.startswith("[ref]"), f"{name}: {argument}"


# --- argument spec against the documentation ------------------------------------------------------------------


def spec_from_module(tree) -> dict:
    (spec_node,) = ps.assignments(tree, "$spec")
    return ps.literal(spec_node)


def test_argument_spec_matches_documented_options(module_tree):
    spec = spec_from_module(module_tree)
    docs = documented_options()["options"]
    assert sorted(spec["options"]) == sorted(docs)
    for name, option in spec["options"].items():
        doc = docs[name]
        assert option.get("type", "str") == doc.get("type", "str"), name
        assert option.get("elements") == doc.get("elements"), name
        assert option.get("default") == doc.get("default"), name
        assert bool(option.get("required", False)) == bool(doc.get("required", False)), name
        assert option.get("choices") == doc.get("choices"), name
        assert set(option) <= {"type", "elements", "default", "required", "choices"}, f"{name}: {sorted(option)}"
        assert not (option.get("required") and "default" in option), f"{name} is required and has a default"


def test_check_mode_support_is_declared_as_documented(module_tree):
    spec = spec_from_module(module_tree)
    attributes = documented_options()["attributes"]
    assert spec["supports_check_mode"] is True
    assert attributes["check_mode"]["support"] == "full"
    assert attributes["platform"]["platforms"] == "windows"


def test_spec_extraction_sees_a_mismatch():
    tree = ps.parse("$spec = @{ options = @{ a = @{ type = 'list'; elements = 'str'; default = @('TCP') } } }")
    assert spec_from_module(tree) == {"options": {"a": {"type": "list", "elements": "str", "default": ["TCP"]}}}
    tree = ps.parse('$spec = @{ options = @{ a = @{ type = "int"; default = 3; choices = 1, 2 } } }')
    assert spec_from_module(tree)["options"]["a"] == {"type": "int", "default": 3, "choices": [1, 2]}


def test_returned_keys_are_documented():
    source = MODULE.read_text()
    returned = set(re.findall(r"\$module\.Result\.(\w+)\s*=", source)) - {"changed"}
    documented = set(yaml.safe_load(_doc_string("RETURN")))
    assert returned == documented


def _doc_string(name: str) -> str:
    namespace: dict = {}
    exec(compile(DOC_STUB.read_text(), str(DOC_STUB), "exec"), namespace)
    return namespace[name]


# --- module layout: interpreter line, utilities, action group ---------------------------------------------------


def test_interpreter_and_requires_lines():
    source = MODULE.read_text()
    assert source.startswith("#!powershell\n")
    requires = ps.requires_lines(source)
    assert ("CSharpUtil", "Ansible.Basic") in requires
    for kind, name in requires:
        if not name.startswith(COLLECTION_PREFIX):
            continue
        util = name.removeprefix(COLLECTION_PREFIX)
        suffix = {"CSharpUtil": ".cs", "PowerShell": ".psm1"}[kind]
        assert (ROOT / "plugins/module_utils" / f"{util}{suffix}").is_file(), name


def test_csharp_namespace_is_the_util_name_the_module_uses(module_tree):
    namespace = re.search(r"^namespace\s+(\S+)", DEVICE_UTIL.read_text(), re.MULTILINE).group(1)
    assert namespace == COLLECTION_PREFIX + DEVICE_UTIL.stem
    assert f"[{namespace}.RootDevice]" in MODULE.read_text()


def test_module_calls_only_functions_that_exist(module_tree, plan_tree):
    plan_functions = set(ps.functions(plan_tree))
    own_functions = set(ps.functions(module_tree))
    assert all(re.fullmatch(r"[A-Z][A-Za-z]+-Dsr\w+", name) for name in plan_functions), "export pattern is *-Dsr*"
    assert "Export-ModuleMember -Function '*-Dsr*'" in PLAN_UTIL.read_text()
    used = {c.name for c in ps.commands(module_tree.root_node)}
    unknown = used - plan_functions - own_functions - WRITE_COMMANDS - READ_COMMANDS
    assert not unknown, f"classify these commands in this test (read or write): {sorted(unknown)}"
    assert {"Select-DsrLoopbackAdapter", "Get-DsrAddressPlan", "Get-DsrWeakHostPlan", "Get-DsrAbsentPlan"} <= used


def test_not_in_the_nitro_action_group():
    runtime = yaml.safe_load((ROOT / "meta/runtime.yml").read_text())
    for group in runtime.get("action_groups", {}).values():
        assert "win_dsr_loopback" not in group
    assert "action_group" not in documented_options().get("attributes", {})


# --- check mode: every write is guarded -------------------------------------------------------------------------


def _guarded(node) -> bool:
    """Inside `if (-not $checkMode) { ... }` (the then-branch)."""
    for if_node in ps.enclosing(node, "if_statement"):
        condition = if_node.named_children[0]
        then_block = next(c for c in if_node.named_children if c.type == "statement_block")
        inside_then = then_block.start_byte <= node.start_byte < then_block.end_byte
        if inside_then and re.fullmatch(r"-not\s+\$checkMode", ps.text(condition).strip(), re.IGNORECASE):
            return True
    return False


def _enclosing_function(node) -> str | None:
    for fn in ps.enclosing(node, "function_statement"):
        return ps.text(next(c for c in fn.named_children if c.type == "function_name"))
    return None


def unguarded_writes(tree) -> list[str]:
    problems = []
    for command in ps.commands(tree.root_node):
        if command.name not in WRITE_COMMANDS | WRITE_HELPERS:
            continue
        if _enclosing_function(command.node) in WRITE_HELPERS or _guarded(command.node):
            continue
        problems.append(f"line {command.line}: {command.name}")
    for call, node in ps.static_calls(tree.root_node):
        if call in WRITE_STATIC_CALLS and not _guarded(node):
            problems.append(f"line {node.start_point[0] + 1}: {call}")
    return problems


def test_every_write_is_guarded_by_check_mode(module_tree):
    assert unguarded_writes(module_tree) == []
    # The guard is there at all: the module does write.
    writes = [c for c in ps.commands(module_tree.root_node) if c.name in WRITE_COMMANDS]
    assert len(writes) >= 10


def test_the_guard_check_sees_an_unguarded_write():
    tree = ps.parse(
        "if (-not $checkMode) { New-NetIPAddress -IPAddress 1 }\n"
        "if ($checkMode) { Remove-NetIPAddress -IPAddress 1 }\n"
        "Set-DnsClient -InterfaceIndex 3\n"
        "$x = $deviceType::Install('a', 'b', [ref]$r)\n"
        "Function Set-MarkerValue { New-Item -Path x }\n"
    )
    assert unguarded_writes(tree) == [
        "line 2: Remove-NetIPAddress",
        "line 3: Set-DnsClient",
        "line 4: $deviceType::Install",
    ]


def fail_json_inside_try(tree) -> list[int]:
    """Lines where $module.FailJson/ExitJson is called inside a try block: the exit it performs must not be caught."""
    lines = []
    for node in ps.walk(tree.root_node):
        if node.type != "invokation_expression" or not re.match(r"\$module\.(FailJson|ExitJson)\b", ps.text(node)):
            continue
        for try_node in ps.enclosing(node, "try_statement"):
            block = next(c for c in try_node.named_children if c.type == "statement_block")
            if block.start_byte <= node.start_byte < block.end_byte:
                lines.append(node.start_point[0] + 1)
    return lines


def test_the_module_never_exits_from_inside_a_try_block(module_tree):
    assert fail_json_inside_try(module_tree) == []
    assert fail_json_inside_try(ps.parse("try { $module.FailJson('x') } catch { $module.FailJson('y') }")) == [1]


# --- the pure decision functions ---------------------------------------------------------------------------------


def test_plan_functions_are_pure(plan_tree):
    functions = ps.functions(plan_tree)
    assert len(functions) >= 15
    for name, node in functions.items():
        called = {c.name for c in ps.commands(node)}
        impure = called - PURE_COMMANDS - set(functions)
        assert not impure, f"{name} calls {sorted(impure)}"
        body = ps.text(node)
        assert "$module" not in body and "$global:" not in body.lower(), name
        types = set(re.findall(r"\[System\.[\w.]+\]", body))
        assert types <= PURE_TYPES, f"{name} uses {sorted(types - PURE_TYPES)}"


def test_the_decisions_the_reference_names_are_there(plan_tree):
    # One small function per decision, in the order the module takes them.
    expected = [
        "ConvertTo-DsrVipList",  # VIPs as host addresses (/32, /128) only
        "Select-DsrLoopbackAdapter",  # find by *MSLOOP, adopt, or create
        "Get-DsrVipConflict",  # a VIP on a real NIC answers ARP: refuse
        "Get-DsrAddressPlan",  # add / replace / SkipAsSource / purge
        "Get-DsrAdapterSettingPlan",  # no DNS registration, no NetBIOS
        "Select-DsrUplink",  # where the balancer's traffic arrives
        "Get-DsrWeakHostPlan",  # weak host receive (+ send on the loopback)
        "Get-DsrFirewallPlan",  # allow the service on the VIPs
        "Get-DsrAbsentPlan",  # remove VIPs, and the adapter only if ours and empty
        "Get-DsrUplinkRestorePlan",  # put the uplinks back
    ]
    assert set(expected) <= set(ps.functions(plan_tree))


def test_pester_plan_functions():
    pwsh = shutil.which("pwsh")
    if pwsh is None:
        pytest.skip("pwsh is not installed; no package registry this project uses ships it")
    tests = ROOT / "tests/windows/DsrLoopbackPlan.Tests.ps1"
    command = f"$r = Invoke-Pester -Path '{tests}' -PassThru; exit $r.FailedCount"
    result = subprocess.run(
        [pwsh, "-NoProfile", "-Command", command], check=False, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the role and the integration target use the module as documented ----------------------------------------


def _module_tasks(path: Path) -> list[dict]:
    found = []

    def visit(tasks: list) -> None:
        for task in tasks or []:
            for key in ("block", "rescue", "always"):
                visit(task.get(key))
            if "adcops.netscaler.win_dsr_loopback" in task:
                found.append(task["adcops.netscaler.win_dsr_loopback"])

    visit(yaml.safe_load(path.read_text()))
    return found


@pytest.mark.parametrize(
    "path",
    [ROOT / "roles/dsr_backend/tasks/windows.yml", ROOT / "tests/integration/targets/win_dsr_loopback/tasks/main.yml"],
    ids=["role", "integration-target"],
)
def test_tasks_pass_only_documented_options(path):
    options = documented_options()["options"]
    tasks = _module_tasks(path)
    assert tasks
    for arguments in tasks:
        assert set(arguments) <= set(options), sorted(set(arguments) - set(options))
        assert "vips" in arguments


def test_role_variables_for_windows_are_documented():
    tasks_text = (ROOT / "roles/dsr_backend/tasks/windows.yml").read_text()
    readme = (ROOT / "roles/dsr_backend/WINDOWS.md").read_text()
    used = set(re.findall(r"\bdsr_backend_\w+", tasks_text)) - {"dsr_backend_windows_result"}
    assert {"dsr_backend_vips", "dsr_backend_state", "dsr_backend_persist"} <= used
    for name in used:
        assert f"`{name}`" in readme, name
    assert "`dsr_backend_windows_result`" in readme
