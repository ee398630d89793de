# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of adcops.netscaler.nitro_session: censor the result that carries a session token, only that one.

``no_log: true`` on the task hid the whole result, so on ansible-core 2.16 to 2.18 a failed login showed only
"the output has been hidden" (2.19 keeps more of a censored result). Here the module runs as usual and its result
is marked ``_ansible_no_log`` only when it returns a token (run like every NITRO module: in a fork of the
worker on the controller, see plugin_utils/_in_process.py); ansible-core lets an action set that key ("the action
can set this", TaskExecutor._execute) and censors the result for every callback, while ``register`` keeps the
token for later tasks. A failure carries no token (the password is a ``no_log`` option, masked in ``invocation``
and in any text), so its message, HTTP status, NITRO errorcode and hint are shown on every supported core.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.adcops.netscaler.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        if result.get("nitro_auth_token"):
            result["_ansible_no_log"] = True
        return result
