#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ns_mode
short_description: Enable or disable NetScaler modes (nsmode) such as MBF, USIP and L3
version_added: 1.0.0
description:
  - Enables or disables global NetScaler modes through the NITRO C(nsmode) resource.
  - Reads the current modes first and sends one C(enable) or C(disable) action with only the modes that differ,
    so a second run reports no change and sends no write (the official collection always reports a change here).
  - Direct Server Return needs C(MBF) (MAC-based forwarding); C(USIP) makes every service without its own
    C(usip) setting use the client's IP as source.
author:
  - adcops.netscaler maintainers (@adcops)
options:
  modes:
    description:
      - The modes to enable or disable, by their NITRO names (C(FR), C(L2), C(USIP), C(CKA), C(TCPB), C(MBF), C(Edge),
        C(USNIP), C(L3), C(PMTUD), C(SRADV), C(DRADV), C(IRADV), C(SRADV6), C(DRADV6), C(BridgeBPDUs), C(RISE_APBR),
        C(RISE_RHI), C(ULFD)) or their long CLI names (C(FastRamp), C(MACbasedforwarding), C(UseSourceIP)...).
      - Names are case-insensitive.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(enabled) enables every mode in O(modes); V(disabled) disables them. Other modes are left alone.
    type: str
    choices: [enabled, disabled]
    default: enabled
  keep_mbf_if_used:
    description:
      - With O(state=disabled), keep C(MBF) enabled while an lbvserver with redirection mode C(m MAC) still needs
        it (Direct Server Return), other than those in O(ignore_vservers). One GET of the lbvservers decides; the
        task warns and lists them in RV(mbf_users).
    type: bool
    default: false
    version_added: 1.1.0
  ignore_vservers:
    description:
      - With O(keep_mbf_if_used), lbvservers whose use of MBF does not count - typically the one an earlier task of
        the same run deletes (check mode only predicts that delete).
    type: list
    elements: str
    version_added: 1.1.0
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.actiongroup_nitro
  - adcops.netscaler.attributes.full_support
seealso:
  - module: adcops.netscaler.lb_vserver
"""

EXAMPLES = r"""
- name: Turn on MAC-based forwarding for Direct Server Return
  adcops.netscaler.ns_mode:
    nsip: 192.0.2.10
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    modes: [MBF]
    state: enabled

- name: Make sure the appliance does not use the client IP globally
  adcops.netscaler.ns_mode:
    modes: [USIP]
    state: disabled
"""

RETURN = r"""
mbf_users:
  description: With O(keep_mbf_if_used), the lbvservers in MAC mode that kept MBF enabled.
  returned: when O(keep_mbf_if_used) kept MBF
  type: list
  elements: str
  sample: [dsr-web]
modes:
  description: Every mode NITRO reports, by NITRO mode name, and whether it is enabled, after the task.
  returned: success
  type: dict
  sample: {"FR": true, "L3": true, "MBF": true, "USIP": false, "Edge": true}
changed_modes:
  description: The modes the task enabled or disabled (or would have, in check mode).
  returned: success
  type: list
  elements: str
  sample: [MBF]
"""

from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import Option, Options
from ansible_collections.adcops.netscaler.plugins.module_utils._resource import plan_settings
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import InvalidOptions, Problems

OPTIONS = Options(
    Option("modes", type="list", elements="str", required=True),
    Option("state", choices=("enabled", "disabled"), default="enabled"),
    Option("keep_mbf_if_used", type="bool", default=False),
    Option("ignore_vservers", type="list", elements="str"),
)
# NITRO mode name -> the boolean attribute a GET of nsmode reports it under, plus the long CLI names the enable
# action also accepts (NITRO reference, nsmode: https://docs.citrix.com/ko-kr/netscaler/11-1/nitro-api/nitro-rest/api-reference/configuration/ns/nsmode.html).
MODES = {
    "FR": ("fr", "FastRamp"),
    "L2": ("l2", "L2mode"),
    "USIP": ("usip", "UseSourceIP"),
    "CKA": ("cka", "ClientKeepAlive"),
    "TCPB": ("tcpb", "TCPBuffering"),
    "MBF": ("mbf", "MACbasedforwarding"),
    "Edge": ("edge", "Edge"),
    "USNIP": ("usnip", "UseSNIP"),
    "L3": ("l3", "L3mode"),
    "PMTUD": ("pmtud", "PathMTUDiscovery"),
    "SRADV": ("sradv", "StaticRouteAdvertisement"),
    "DRADV": ("dradv", "DirectRouteAdvertisement"),
    "IRADV": ("iradv", "IntranetRouteAdvertisement"),
    "SRADV6": ("sradv6", "Ipv6StaticRouteAdvertisement"),
    "DRADV6": ("dradv6", "Ipv6DirectRouteAdvertisement"),
    "BridgeBPDUs": ("bridgebpdus", "BridgeBPDUs"),
    "RISE_APBR": ("rise_apbr", "RISE_APBR"),
    "RISE_RHI": ("rise_rhi", "RISE_RHI"),
    "ULFD": ("ulfd", "ULFD"),
}
_LOOKUP = {alias.casefold(): name for name, (attr, long_name) in MODES.items() for alias in (name, attr, long_name)}


def canonical_mode(option: str, value: str) -> str:
    try:
        return _LOOKUP[value.strip().casefold()]
    except KeyError:
        raise InvalidOptions(
            f"{option}: unknown mode {value!r}; allowed: {', '.join(MODES)} (or their long names)"
        ) from None


def is_on(value: object) -> bool:
    # The NITRO reference types these as Boolean; some builds render them as strings.
    return str(value).strip().casefold() in ("true", "1", "yes", "enabled")


class NsModeManager(ModuleManager):
    def validate(self) -> None:
        if not self.params["modes"]:
            raise InvalidOptions("modes: give at least one mode")
        problems = Problems()
        modes = [problems.check(canonical_mode, "modes", mode) for mode in self.params["modes"]]
        problems.raise_any()
        self.modes = list(dict.fromkeys(modes))

    def read(self) -> dict[str, bool]:
        found = self.client.get("nsmode")
        shown = found[0] if found else {}
        return {name: is_on(shown.get(attr)) for name, (attr, _long) in MODES.items() if attr in shown}

    def plan(self, current: dict[str, bool]) -> Change:
        enable = self.params["state"] == "enabled"
        # A mode NITRO does not list counts as off.
        settings = plan_settings(dict.fromkeys(self.modes, enable), {**dict.fromkeys(self.modes, False), **current})
        self.todo = settings.keys
        self.mbf_kept: list[str] = []
        if not enable and "MBF" in self.todo and self.params["keep_mbf_if_used"]:
            self.mbf_kept = self.mbf_users()
            if self.mbf_kept:
                self.todo.remove("MBF")
                self.nitro.warn(f"MBF stays enabled: lbvserver(s) {', '.join(self.mbf_kept)} in MAC mode still need it")
        change = Change(
            before=self.view(current),
            predicted={**current, **dict.fromkeys(self.todo, enable)},
            read_back=self.read,
            after_of=self.view,
        )
        if self.todo:
            change.write(self.client.action, "nsmode", "enable" if enable else "disable", {"mode": self.todo})
        return change

    def view(self, modes: dict[str, bool]) -> dict[str, bool]:
        return {mode: modes.get(mode, False) for mode in self.modes}

    def returns(self, change: Change, shown: dict[str, bool]) -> dict:
        extra: dict = {"modes": shown, "changed_modes": self.todo}
        if self.mbf_kept:
            extra["mbf_users"] = self.mbf_kept
        return extra

    def mbf_users(self) -> list[str]:
        """lbvservers that forward by MAC (DSR), which need MBF, apart from those the run deletes."""
        ignored = set(self.params["ignore_vservers"] or ())
        return sorted(
            str(vs["name"])
            for vs in self.client.get("lbvserver")
            if str(vs.get("m", "")).upper() == "MAC" and str(vs["name"]) not in ignored
        )


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(NsModeManager)


if __name__ == "__main__":
    main()
