"""nsconfig: the running configuration as a whole (a singleton): `configchanged` and the save/clear actions.

`configchanged` tells whether there are unsaved changes (NITRO nsconfig reference, read-only flag).
"""

from __future__ import annotations

import time
from typing import Any

from .. import errors as E
from .base import Resource, not_supported


def _ctime(epoch: float | None) -> str:
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(epoch)) if epoch else ""


class Nsconfig(Resource):
    name = "nsconfig"
    singleton = True

    def read(self) -> dict[str, Any]:
        app = self.app
        return {
            "ipaddress": app.mgmt_ip,
            "netmask": "255.0.0.0",
            "systemtype": "Stand-alone",
            "primaryip": app.mgmt_ip,
            "timezone": "CoordinatedUniversalTime",
            "configchanged": app.configchanged,
            "lastconfigchangedtime": _ctime(app.lastchange),
            "lastconfigsavetime": _ctime(app.lastsave),
            "currentsytemtime": _ctime(time.time()),
        }

    def action(self, verb: str, body: dict[str, Any]) -> bool:
        app = self.app
        if verb == "save":
            for key in body:
                if key != "all":
                    raise E.invalid_arg(key)
            app.configchanged = False
            app.lastsave = time.time()
            if app.on_write is not None:
                app.on_write()
            return False
        if verb == "clear":
            level = str(body.get("level", "basic")).lower()
            if level not in ("basic", "extended", "full"):
                raise E.invalid_value(f"level, {level}")
            saved = app.lastsave
            app._reset_unlocked()
            app.lastsave = saved
            return True
        raise not_supported(verb)
