"""A command policy for every authenticated NITRO request (README "Control API", ``/sim/v1/cmdpolicy``).

NetScaler checks each command a user runs, NITRO requests included, against the command policies bound to the user
(``add system cmdPolicy <name> ALLOW <cmdSpec>``, ``bind system user <user> <name> <priority>``): the regular
expressions are matched case-insensitively and a command no ALLOW policy matches is refused (default deny). Sources:
the command reference
https://citrix-landing-page.readthedocs-hosted.com/projects/citrix-adc-command-reference/en/latest/system/system-cmdPolicy
and the NetScaler 9.3 Administration Guide, "Configuring Command Policies"
(https://manualsdump.com/en/manuals/citrix_systems-citrix_netscaler_9.3/122113/28).
The simulator models one ALLOW policy for every user: each command of the request (cli_commands.py; one per item
of a bulk request) must match, else the whole request is refused before it runs, with 403 and errorcode 2138 "Not
authorized to execute this command [<command>]" (the message as in
https://github.com/slauger/check_netscaler/issues/83; HTTP 403 inferred, not verified on an appliance). A request
cli_commands.py cannot name is refused too: an unmapped request never passes unchecked. Login and logout are not
checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .cli_commands import UnmappedRequest, commands
from .errors import NitroError


class CommandPolicy:
    """One ALLOW regular expression, matched as NetScaler does: searched, case-insensitive."""

    def __init__(self, cmdspec: str, label: str | None = None) -> None:
        if not isinstance(cmdspec, str) or not cmdspec:
            raise ValueError("cmdspec: a non-empty regular expression")
        self.cmdspec = cmdspec
        try:
            self.regex = re.compile(cmdspec, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"cmdspec: {exc}") from exc
        self.label = label or cmdspec

    def public(self) -> dict[str, Any]:
        return {"label": self.label, "cmdspec": self.cmdspec}

    def allows(self, command: str) -> bool:
        return self.regex.search(command) is not None

    def check(self, method: str, path: str, query: Mapping[str, str], body: Any) -> None:
        """Raise 403/2138 naming the first command the policy does not allow."""
        try:
            cmds = commands(method, path, query, body)
        except UnmappedRequest as exc:
            raise NitroError(403, 2138, f"no CLI command mapped: {exc}") from exc
        for command in cmds:
            if not self.allows(command):
                raise NitroError(403, 2138, command)
