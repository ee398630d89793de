#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ns_tcpparam
short_description: Manage the global TCP parameters (nstcpparam) of a NetScaler, such as downstaterst
version_added: 1.0.0
description:
  - Sets or resets the appliance-wide TCP parameters in the NITRO singleton C(nstcpparam); see
    U(https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nstcpparam).
  - B(These settings are global to the appliance.) They apply to every vserver and service that has no TCP
    profile of its own; the module says so in a warning whenever it changes (or would change) something.
  - Only the options you give are managed. V(present) sets them with one C(PUT nstcpparam) carrying only the
    values that differ; V(default) resets them to the appliance defaults with one C(POST nstcpparam?action=unset).
  - A second identical run sends only GET requests and reports no change.
author:
  - adcops.netscaler maintainers (@adcops)
options:
  state:
    description:
      - V(present) sets every given option to the given value.
      - V(default) unsets every given option (NITRO C(?action=unset) with C("<attr>":true)),
        which returns it to the appliance default. The values given are then not used; any value of the right
        type will do, and the documented default reads best.
      - Idempotency of V(default) compares the current value with the documented default of the appliance's
        release (the defaults of
        U(https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nstcpparam)
        and, for 11.1,
        U(https://docs.citrix.com/ko-kr/netscaler/11-1/nitro-api/nitro-rest/api-reference/configuration/ns/nstcpparam.html)).
        C(ws), C(wsval), C(sack), C(initialcwnd) and C(oooqsize) changed
        defaults in 12.1, so for those the module reads C(nsversion) (one extra GET) and uses the 11.1/12.0
        defaults on older releases, the 12.1 and later ones otherwise (also when the version cannot be parsed).
        An option whose current value equals that default is left alone.
    type: str
    choices: [present, default]
    default: present
  downstaterst:
    description:
      - V(ENABLED) makes the appliance answer a new TCP connection to a DOWN vserver or service with a reset, so
        clients fail at once instead of timing out. Default V(DISABLED) (the NITRO reference says "Flag to switch on RST
        on down services"; the packet-level behaviour is inferred, not yet verified on an appliance).
    type: str
    choices: [ENABLED, DISABLED]
  ws:
    description: Window scaling. Default V(ENABLED) from 12.1, V(DISABLED) before.
    type: str
    choices: [ENABLED, DISABLED]
  wsval:
    description: Window scaling factor, 0 to 14. Default 8 from 12.1, 4 before.
    type: int
  sack:
    description: Selective acknowledgement. Default V(ENABLED) from 12.1, V(DISABLED) before.
    type: str
    choices: [ENABLED, DISABLED]
  nagle:
    description: Nagle's algorithm. Default V(DISABLED).
    type: str
    choices: [ENABLED, DISABLED]
  maxburst:
    description: Maximum number of TCP segments sent in a burst, 1 to 255. Default 6.
    type: int
  initialcwnd:
    description: Initial congestion window in segments, 1 to 44. Default 10 from 12.1, 4 before.
    type: int
  delayedack:
    description: Delayed acknowledgement timeout in milliseconds, 10 to 300. Default 100.
    type: int
  minrto:
    description: Minimum retransmission timeout in milliseconds, 10 to 64000. Default 1000.
    type: int
  oooqsize:
    description: Out-of-order queue size, 0 to 65535. Default 300 from 12.1, 64 before.
    type: int
  limitedpersist:
    description: Limited persist probes. Default V(ENABLED).
    type: str
    choices: [ENABLED, DISABLED]
  ackonpush:
    description: Send an ACK at once for a segment with the PUSH flag. Default V(ENABLED).
    type: str
    choices: [ENABLED, DISABLED]
  synattackdetection:
    description: SYN attack detection. Default V(ENABLED).
    type: str
    choices: [ENABLED, DISABLED]
  tcpmaxretries:
    description: Number of retransmissions before the connection is dropped, 1 to 12. Default 7.
    type: int
  connflushifnomem:
    description: Which connections to flush when memory runs out. Default V(NONE).
    type: str
    choices: [NONE, HALFCLOSED_AND_IDLE, FIFO]
notes:
  - A TCP profile bound to a vserver or service overrides these global values for it.
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.actiongroup_nitro
  - adcops.netscaler.attributes.full_support
seealso:
  - module: adcops.netscaler.ns_ip_icmp
"""

EXAMPLES = r"""
- name: Reset TCP connections to DOWN vservers instead of dropping them (global setting)
  adcops.netscaler.ns_tcpparam:
    nsip: 192.0.2.10
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    downstaterst: ENABLED

- name: Tune window scaling and SACK
  adcops.netscaler.ns_tcpparam:
    ws: ENABLED
    wsval: 8
    sack: ENABLED

- name: Put downstaterst and nagle back to the appliance defaults
  adcops.netscaler.ns_tcpparam:
    state: default
    downstaterst: DISABLED
    nagle: DISABLED
"""

RETURN = r"""
nstcpparam:
  description: The managed parameters as the appliance shows them after the task (in check mode, what it would show).
  returned: success
  type: dict
  sample: {"downstaterst": "ENABLED"}
changed_keys:
  description: The parameters the task set or unset (or would have, in check mode).
  returned: success
  type: list
  elements: str
  sample: [downstaterst]
scope:
  description: Always C(global); a reminder that nstcpparam applies to the whole appliance.
  returned: success
  type: str
  sample: global
defaults_release:
  description:
    - With O(state=default), which column of defaults the comparison used, V(12.1+) or V(11.1/12.0).
  returned: when O(state=default)
  type: str
  sample: 12.1+
"""

import re
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._compare import values_equal
from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import EN_DIS, Option, Options
from ansible_collections.adcops.netscaler.plugins.module_utils._resource import plan_settings
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import InvalidOptions, Problems


def param(name: str, nitro_default: Any, **kwargs: Any) -> Option:
    return Option(name, attribute=True, nitro_default=nitro_default, **kwargs)


# Ranges from the CLI reference "set ns tcpParam"; defaults are the documented ones of 12.1 and later
# (https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nstcpparam).
OPTIONS = Options(
    Option("state", choices=("present", "default"), default="present"),
    param("downstaterst", "DISABLED", choices=EN_DIS),
    param("ws", "ENABLED", choices=EN_DIS),
    param("wsval", 8, type="int", range=(0, 14)),
    param("sack", "ENABLED", choices=EN_DIS),
    param("nagle", "DISABLED", choices=EN_DIS),
    param("maxburst", 6, type="int", range=(1, 255)),
    param("initialcwnd", 10, type="int", range=(1, 44)),
    param("delayedack", 100, type="int", range=(10, 300)),
    param("minrto", 1000, type="int", range=(10, 64000)),
    param("oooqsize", 300, type="int", range=(0, 65535)),
    param("limitedpersist", "ENABLED", choices=EN_DIS),
    param("ackonpush", "ENABLED", choices=EN_DIS),
    param("synattackdetection", "ENABLED", choices=EN_DIS),
    param("tcpmaxretries", 7, type="int", range=(1, 12)),
    param("connflushifnomem", "NONE", choices=("NONE", "HALFCLOSED_AND_IDLE", "FIFO")),
)
PARAMS = OPTIONS.attributes
DEFAULTS: dict[str, Any] = {key: OPTIONS[key].nitro_default for key in PARAMS}
# The five defaults that differ on 11.1 and 12.0.
OLD_DEFAULTS: dict[str, Any] = {"ws": "DISABLED", "wsval": 4, "sack": "DISABLED", "initialcwnd": 4, "oooqsize": 64}
GLOBAL_WARNING = (
    "nstcpparam is global to the appliance: the change to {keys} applies to every vserver and service "
    "without a TCP profile of its own, not only to the ones this play is about"
)


def release_of(version: str) -> tuple[int, int] | None:
    """(major, minor) from nsversion's text, e.g. 'NetScaler NS13.1: Build 49.13.nc' -> (13, 1)."""
    match = re.search(r"NS\s*(\d+)\.(\d+)", version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


class NsTcpParamManager(ModuleManager):
    def validate(self) -> None:
        problems = Problems()
        checked = OPTIONS.check(self.params, problems, names=PARAMS)
        problems.raise_any()
        self.want = {key: value for key, value in checked.items() if value is not None}
        if not self.want:
            raise InvalidOptions(f"give at least one parameter to manage; allowed: {', '.join(PARAMS)}")

    def read(self) -> dict[str, Any]:
        found = self.client.get("nstcpparam")
        return found[0] if found else {}

    def defaults(self) -> tuple[dict[str, Any], str]:
        if not set(self.want) & set(OLD_DEFAULTS):
            return DEFAULTS, "12.1+"
        version = self.client.get("nsversion")
        release = release_of(str(version[0].get("version", ""))) if version else None
        if release is not None and release < (12, 1):
            return {**DEFAULTS, **OLD_DEFAULTS}, "11.1/12.0"
        return DEFAULTS, "12.1+"

    def plan(self, current: dict[str, Any]) -> Change:
        self.extra: dict[str, Any] = {}
        if self.params["state"] == "present":
            self.target = self.want
        else:
            defaults, self.extra["defaults_release"] = self.defaults()
            self.target = {key: defaults[key] for key in self.want}
        settings = plan_settings(self.target, current)
        self.todo = settings.keys
        change = Change(before=settings.before, predicted=settings.predicted, read_back=self.read, after_of=self.view)
        if self.params["state"] == "present" and self.todo:
            change.write(self.client.update, "nstcpparam", settings.values)
        elif self.todo:
            change.write(self.client.action, "nstcpparam", "unset", dict.fromkeys(self.todo, True))
        return change

    def view(self, shown: dict[str, Any]) -> dict[str, Any]:
        return {key: shown.get(key) for key in self.want}

    def settle(self, change: Change, shown: dict[str, Any]) -> dict[str, Any]:
        # the appliance's own default is the truth after an unset; report if it is not the documented one
        odd = [key for key in self.todo if not values_equal(shown.get(key), self.target[key])]
        if odd and self.params["state"] == "default":
            self.nitro.warn(
                "after unset the appliance reports defaults that differ from the documented ones for "
                + ", ".join(f"{key}={shown.get(key)!r} (documented {self.target[key]!r})" for key in odd)
                + "; the next run with state=default will try to unset them again"
            )
        return shown

    def returns(self, change: Change, shown: dict[str, Any]) -> dict[str, Any]:
        if self.todo:
            self.nitro.warn(GLOBAL_WARNING.format(keys=", ".join(self.todo)))
        return {"nstcpparam": self.view(shown), "changed_keys": self.todo, "scope": "global", **self.extra}


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(NsTcpParamManager)


if __name__ == "__main__":
    main()
