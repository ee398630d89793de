# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a NITRO module in a fork of Ansible's worker process when it runs on the controller anyway.

A NITRO module talks HTTP to the appliance; it is delegated to ``localhost`` (or runs on a host with
``ansible_connection: local``) in nearly every play. Ansible still ships it there the remote way: it builds an
AnsiballZ payload (about 0.2 s per module and run), starts a new interpreter that imports ``ansible.module_utils``
from the zip without cached bytecode and ``requests`` (about 0.5 s), for one or two HTTP requests of a few
milliseconds. Measured on a two-core machine, that was about 70 % of a no-op run of the pool role.

When the module would run on this very machine with this very interpreter, this action instead forks the worker
(which already imported the collection's module_utils, ``requests`` and ``ansible.module_utils.basic``: see
preload() below) and runs the module's own entry point in the child, exactly as the AnsiballZ wrapper does: the same
JSON arguments, so the same ``AnsibleModule`` argument-spec validation, ``no_log`` masking, check mode and diff;
its printed JSON result is parsed by the same ``ActionBase`` code. The child is a separate process, so the
module's ``sys.exit``, environment, global warning lists and atexit handlers cannot touch the worker, and a loop's
items do not share state. The same idea, run in the worker itself, is ansible.netcommon's ``import_modules``
option (https://docs.ansible.com/ansible/latest/collections/ansible/netcommon/network_cli_connection.html).

Anything else takes the ordinary path unchanged: another connection (a bastion that reaches the NSIP), ``become``,
``async``, an interpreter other than the one running ansible-playbook (it may have other libraries), or the play
variable ``netscaler_in_process: false``. ``-vvv`` says which path a task took and why.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import runpy
import selectors
import signal
import sys
import traceback
from typing import Any

from ansible.errors import AnsibleError
from ansible.executor import module_common
from ansible.module_utils import basic
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display
from ansible.vars.clean import remove_internal_keys

display = Display()

OPT_OUT_VAR = "netscaler_in_process"
COLLECTION = "adcops.netscaler."
# ansible-core 2.19 serializes module arguments and results with a named profile; modules that declare no
# metadata, like these, get "legacy" (ansible/executor/module_common.py, _DEFAULT_LEGACY_METADATA).
PROFILE = "legacy"


def preload() -> str | None:
    """Import what every NITRO module imports, here in ansible-playbook's own process: the linear and free
    strategies load every task's action class there before forking its worker, so each worker, and the module's
    child, starts with them imported. On a controller without them (the modules may run on a bastion host that has
    them), the in-process path is ruled out: why, or None."""
    for name in ("requests", "ansible_collections.adcops.netscaler.plugins.module_utils._module"):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            return f"{name} cannot be imported by the controller's Python ({exc})"
    return None


PRELOAD_PROBLEM = preload()

try:  # ansible-core >= 2.19: the function the AnsiballZ wrapper itself calls on the target, and the encoder of
    # module arguments (ansible/executor/module_common.py).
    from ansible.module_utils import _internal as module_utils_internal
    from ansible.module_utils._internal._ansiballz._loader import run_module as ansiballz_run_module
    from ansible.module_utils.common.json import Direction, get_module_encoder

    AnsibleJSONEncoder = None
except ImportError:  # 2.16 to 2.18: the wrapper sets basic._ANSIBLE_ARGS and runs the module as __main__.
    from ansible.module_utils.common.json import AnsibleJSONEncoder

    module_utils_internal = ansiballz_run_module = get_module_encoder = None  # type: ignore[assignment]


def encode_arguments(module_args: dict[str, Any]) -> bytes:
    """The module's arguments as the AnsiballZ payload carries them (module_common.modify_module)."""
    params = {"ANSIBLE_MODULE_ARGS": module_args}
    if get_module_encoder is not None:
        return json.dumps(params, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)).encode()
    return json.dumps(params, cls=AnsibleJSONEncoder, vault_to_text=True).encode()


def run_module_in_child(module_fqn: str, json_params: bytes, environment: dict[str, str]) -> int:
    """In the forked child: what the AnsiballZ wrapper does on a target, then the exit code."""
    try:
        signal.alarm(0)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)
        atexit._clear()  # the worker's handlers are not the module's to run
        os.environ.update(environment)
        modlib_path = os.path.dirname(os.path.dirname(basic.__file__))
        if ansiballz_run_module is not None:
            # On the controller, 2.19's module_utils hand warnings to the controller's Display; as on a target, they
            # must go into the module's result.
            module_utils_internal.is_controller = False
            ansiballz_run_module(json_params=json_params, profile=PROFILE, module_fqn=module_fqn,
                                 modlib_path=modlib_path, extensions={})  # fmt: skip
        else:
            basic._ANSIBLE_ARGS = json_params
            runpy.run_module(mod_name=module_fqn, init_globals={"_module_fqn": module_fqn, "_modlib_path": modlib_path},
                             run_name="__main__", alter_sys=True)  # fmt: skip
        print('{"msg": "New-style module did not handle its own exit", "failed": true}')
        return 1
    except SystemExit as exc:
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        return 1


def fork_and_run(module_fqn: str, json_params: bytes, environment: dict[str, str]) -> dict[str, Any]:
    """Run the module in a child process; return what _low_level_execute_command would (rc, stdout, stderr)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child; its behaviour is what the tests compare)
        code = 1
        try:
            os.close(out_r)
            os.close(err_r)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stdout = open(1, "w", encoding="utf-8", errors="surrogateescape", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
            code = run_module_in_child(module_fqn, json_params, environment)
        finally:
            try:
                atexit._run_exitfuncs()  # the module's own, e.g. AnsibleModule's temporary directory
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    try:
        with selectors.DefaultSelector() as sel:
            for fd in chunks:
                sel.register(fd, selectors.EVENT_READ)
            while sel.get_map():
                for key, _events in sel.select():
                    data = os.read(key.fd, 65536)
                    if data:
                        chunks[key.fd].append(data)
                    else:
                        sel.unregister(key.fd)
        _pid, status = os.waitpid(pid, 0)
        pid = 0
    finally:
        os.close(out_r)
        os.close(err_r)
        if pid:  # interrupted (task timeout, Ctrl-C): the module must not go on writing to the appliance
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return {
        "rc": os.waitstatus_to_exitcode(status),
        "stdout": b"".join(chunks[out_r]).decode("utf-8", "surrogateescape"),
        "stderr": b"".join(chunks[err_r]).decode("utf-8", "backslashreplace"),
    }


class InProcessAction(NormalAction):
    """The ordinary module action, with the in-process path for modules of this collection on the controller."""

    def module_fqcn(self) -> str:
        """The module the task names, resolved (short names, collections keyword, redirects) as Ansible does: the
        module, not the action plugin that the task's resolved_action names on some cores."""
        context = self._shared_loader_obj.module_loader.find_plugin_with_context(
            self._task.action, collection_list=self._task.collections
        )
        return str(context.resolved_fqcn or "") if context.resolved else ""

    def in_process_refusal(self, task_vars: dict[str, Any], fqcn: str) -> str | None:
        """Why this task (its module ``fqcn``) must take the ordinary path, or None when it may run in a fork of the
        worker."""
        if not hasattr(os, "fork"):
            return "this controller cannot fork"
        if PRELOAD_PROBLEM:
            return PRELOAD_PROBLEM
        if not fqcn.startswith(COLLECTION):
            return f"{self._task.action} is not a module of this collection"
        if self._connection.transport != "local":
            return f"the connection is {self._connection.transport}, not local"
        if getattr(self._connection, "become", None) is not None or self._play_context.become:
            return "the task uses become"
        if not self._templar.template(task_vars.get(OPT_OUT_VAR, True)):
            return f"{OPT_OUT_VAR} is false"
        use_vars = task_vars
        if self._task.delegate_to:
            use_vars = task_vars.get("ansible_delegated_vars", {}).get(self._task.delegate_to, task_vars)
        try:
            _shebang, interpreter = module_common._get_shebang(
                "/usr/bin/python", use_vars, self._templar,
                remote_is_local=bool(getattr(self._connection, "_remote_is_local", False)),
            )  # fmt: skip
        except module_common.InterpreterDiscoveryRequiredError:
            return "the Python interpreter is not discovered yet"
        if not interpreter or os.path.abspath(os.path.expanduser(interpreter)) != os.path.abspath(sys.executable):
            return f"the module's interpreter {interpreter} is not this controller's {sys.executable}"
        return None

    def _execute_module(  # noqa: PLR0917  (ActionBase._execute_module's signature)
        self, module_name: str | None = None, module_args: dict[str, Any] | None = None, tmp: Any = None,
        task_vars: dict[str, Any] | None = None, persist_files: bool = False, delete_remote_tmp: Any = None,
        wrap_async: bool = False, **kwargs: Any,
    ) -> dict[str, Any]:  # fmt: skip
        task_vars = task_vars if task_vars is not None else {}
        fqcn = self.module_fqcn()
        refusal = "another module than the task's" if module_name not in (None, self._task.action) else None
        # wrap_async: the task uses async and the connection has none of its own (the local one has none)
        refusal = refusal or ("the task uses async" if wrap_async else None) or self.in_process_refusal(task_vars, fqcn)
        host = task_vars.get("inventory_hostname")
        if refusal:
            display.vvv(f"{self._task.action}: ordinary module execution ({refusal})", host=host)
            return super()._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars,
                                           wrap_async=wrap_async, **kwargs)  # fmt: skip
        display.vvv(f"{self._task.action}: run in a fork of the controller's worker (local connection, "
                    f"this interpreter)", host=host)  # fmt: skip
        module_args = self._task.args if module_args is None else module_args
        self._update_module_args(self._task.action, module_args, task_vars)
        environment: dict[str, Any] = {}
        self._compute_environment_string(environment)
        environment = {**dict(getattr(self._connection._shell, "env", None) or {}), **environment}
        module_fqn = f"ansible_collections.{COLLECTION}plugins.modules.{fqcn[len(COLLECTION) :]}"
        try:
            json_params = encode_arguments(module_args)
        except TypeError as exc:
            raise AnsibleError(f"Failed to serialize arguments for the {self._task.action!r} module.") from exc
        res = fork_and_run(module_fqn, json_params, {k: str(v) for k, v in environment.items()})
        self._used_interpreter = f"#!{sys.executable}"
        try:
            data = self._parse_returned_data(res, PROFILE)
        except TypeError:  # ansible-core < 2.19 takes no profile
            data = self._parse_returned_data(res)
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return data
