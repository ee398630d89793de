#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ns_ip_icmp
short_description: Manage how a NetScaler-owned IP (VIP) answers ICMP and ARP
version_added: 1.0.0
description:
  - Sets the ICMP, ARP and route health injection behaviour of a NetScaler-owned IP address (NITRO C(nsip)),
    typically a VIP that an C(lbvserver) created.
  - Reads the IP first and sends one C(PUT nsip) with only the attributes that differ; a second identical run
    sends only GET requests and reports no change.
  - An IP that does not exist on the appliance is an error, because a VIP normally comes into being with the
    vserver that uses it. With O(create=true) the module adds it as type C(VIP) with O(netmask).
  - Also returns the load balancing vservers that use the IP (one filtered C(GET lbvserver?filter=ipv46:<ip>)),
    so a caller can see whether a VIP is shared, which matters for O(icmpresponse=VSVR_CNTRLD).
author:
  - adcops.netscaler maintainers (@adcops)
options:
  ipaddress:
    description:
      - The IPv4 or IPv6 address of the NetScaler-owned IP. It is the key of C(nsip) and cannot change.
    type: str
    required: true
  td:
    description:
      - Traffic domain of the IP, 0 to 4094. Sent as C(args=td:<n>) on the GET, as the official collection does.
        Omit for the default traffic domain. See
        U(https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nsip).
    type: int
  icmp:
    description:
      - Per-IP master switch for ICMP. V(DISABLED) makes the IP never answer ping, whatever O(icmpresponse) says
        (U(https://docs.netscaler.com/en-us/citrix-adc/current-release/networking/ip-addressing/configuring-citrix-adc-owned-ip-addresses/configure-icmp-responses-for-virtual-servers)).
    type: str
    choices: [ENABLED, DISABLED]
  icmpresponse:
    description:
      - When a VIP answers ICMP echo requests, as
        U(https://docs.netscaler.com/en-us/citrix-adc/current-release/networking/ip-addressing/configuring-citrix-adc-owned-ip-addresses/configure-icmp-responses-for-virtual-servers)
        describes it.
      - V(NONE) (appliance default) always answers; V(ONE_VSERVER) answers when at least one vserver on the IP is
        UP; V(ALL_VSERVERS) only when all of them are UP.
      - V(VSVR_CNTRLD) lets each vserver's C(icmpvsrresponse) decide. All PASSIVE, always answer; all ACTIVE,
        answer when at least one vserver is UP; mixed, answer only when an ACTIVE vserver is UP.
    type: str
    choices: [NONE, ONE_VSERVER, ALL_VSERVERS, VSVR_CNTRLD]
  arp:
    description:
      - Per-IP master switch for ARP replies (U(https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nsip)).
    type: str
    choices: [ENABLED, DISABLED]
  arpresponse:
    description:
      - When the VIP answers ARP, with the same meaning as O(icmpresponse) but without V(VSVR_CNTRLD)
        (U(https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nsip)).
    type: str
    choices: [NONE, ONE_VSERVER, ALL_VSERVERS]
  vserverrhilevel:
    description:
      - When the VIP is advertised by route health injection. Appliance default V(ONE_VSERVER);
        V(VSVR_CNTRLD) lets each vserver's C(rhistate) decide; see
        U(https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nsip).
    type: str
    choices: [ONE_VSERVER, ALL_VSERVERS, NONE, VSVR_CNTRLD]
  create:
    description:
      - Add the IP as type C(VIP) when it does not exist. Without it a missing IP fails the task.
      - Only used when the IP is missing; the type of an existing IP is never changed (C(type) "cannot be changed
        after the IP address is created", U(https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nsip)).
    type: bool
    default: false
  netmask:
    description:
      - Netmask of the VIP when O(create=true) adds it. Required with O(create=true); ignored for an IP that
        already exists.
    type: str
  expected_lbvservers:
    description:
      - Names of the lbvservers you expect on this IP. When other lbvservers use it too, the module warns and
        lists them in RV(unexpected_lbvservers), because under O(icmpresponse=VSVR_CNTRLD) their C(icmpvsrresponse) and
        state also decide whether the VIP answers ping (see O(icmpresponse)).
      - Omit to skip the check.
    type: list
    elements: str
notes:
  - O(icmpresponse) and O(arpresponse) have no effect on ICMP or ARP when O(icmp) or O(arp) is V(DISABLED).
  - The sources do not say outright that a vserver's C(icmpvsrresponse) works only under
    O(icmpresponse=VSVR_CNTRLD); the collection assumes it (inferred, not yet verified on an appliance).
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.actiongroup_nitro
  - adcops.netscaler.attributes.full_support
seealso:
  - module: adcops.netscaler.lb_vserver
  - module: adcops.netscaler.ns_tcpparam
"""

EXAMPLES = r"""
- name: Let the vservers on the VIP decide whether it answers ping
  adcops.netscaler.ns_ip_icmp:
    nsip: 192.0.2.10
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    ipaddress: 198.51.100.20
    icmpresponse: VSVR_CNTRLD

- name: Stop answering ARP for a VIP when every vserver on it is down
  adcops.netscaler.ns_ip_icmp:
    ipaddress: 198.51.100.20
    arpresponse: ALL_VSERVERS

- name: Add a VIP that no vserver uses yet and make it silent
  adcops.netscaler.ns_ip_icmp:
    ipaddress: 198.51.100.30
    create: true
    netmask: 255.255.255.255
    icmp: DISABLED
"""

RETURN = r"""
nsip:
  description: The IP as the appliance shows it after the task (in check mode, what it would show).
  returned: success
  type: dict
  sample: {"ipaddress": "198.51.100.20", "type": "VIP", "td": "0", "icmp": "ENABLED", "icmpresponse": "VSVR_CNTRLD"}
lbvservers:
  description:
    - The load balancing vservers whose C(ipv46) is this IP, with their state and C(icmpvsrresponse).
  returned: success
  type: list
  elements: dict
  sample: [{"name": "web", "ipv46": "198.51.100.20", "port": 80, "curstate": "UP", "icmpvsrresponse": "ACTIVE"}]
created:
  description: Whether the task added the IP (or would have, in check mode).
  returned: success
  type: bool
unexpected_lbvservers:
  description: The lbvservers on the IP that are not in O(expected_lbvservers) (empty when it is omitted).
  returned: success
  type: list
  elements: str
  sample: [legacy-web]
icmp_answer:
  description:
    - Whether the IP answers ICMP echo now, computed from its C(state), C(icmp) and C(icmpresponse) and from the
      current state and C(icmpvsrresponse) of the lbvservers on it, by the rules of
        U(https://docs.netscaler.com/en-us/citrix-adc/current-release/networking/ip-addressing/configuring-citrix-adc-owned-ip-addresses/configure-icmp-responses-for-virtual-servers).
      In check mode, with the planned IP settings.
    - Only lbvservers are considered; other vserver types on the same IP (cs, gslb, ...) are not read.
  returned: success
  type: dict
  contains:
    answers:
      description: True when the IP answers ping.
      type: bool
    reason:
      description: The rule that decided.
      type: str
  sample: {"answers": false, "reason": "VSVR_CNTRLD: answers only while an ACTIVE vserver is UP; none is"}
changed_keys:
  description: The attributes the task changed (or would have, in check mode).
  returned: success
  type: list
  elements: str
  sample: [icmpresponse]
"""

from functools import partial
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._compare import pick
from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import EN_DIS, Option, Options
from ansible_collections.adcops.netscaler.plugins.module_utils._resource import plan_settings
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import (
    ApplianceStateError,
    Problems,
    ip,
    netmask,
    nitro_name,
)

# NITRO reference, nsip: https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ns/nsip
OPTIONS = Options(
    Option("ipaddress", required=True, convert=partial(ip, kind="IPv4 or IPv6 address")),
    Option("td", type="int", range=(0, 4094)),
    Option("icmp", choices=EN_DIS, attribute=True),
    Option("icmpresponse", choices=("NONE", "ONE_VSERVER", "ALL_VSERVERS", "VSVR_CNTRLD"), attribute=True),
    Option("arp", choices=EN_DIS, attribute=True),
    Option("arpresponse", choices=("NONE", "ONE_VSERVER", "ALL_VSERVERS"), attribute=True),
    Option("vserverrhilevel", choices=("ONE_VSERVER", "ALL_VSERVERS", "NONE", "VSVR_CNTRLD"), attribute=True),
    Option("create", type="bool", default=False),
    Option("netmask", convert=netmask),
    Option("expected_lbvservers", type="list", elements="str"),
)
MANAGED = OPTIONS.attributes
VSERVER_ATTRS = ("name", "ipv46", "port", "servicetype", "curstate", "effectivestate", "icmpvsrresponse", "td")


def icmp_answer(nsip: dict[str, Any], vservers: list[dict[str, Any]]) -> dict[str, Any]:
    """Does the IP answer ping? The rules of "Configure ICMP response suppression for virtual IP addresses"
    https://docs.netscaler.com/en-us/citrix-adc/current-release/networking/ip-addressing/configuring-citrix-adc-owned-ip-addresses/configure-icmp-responses-for-virtual-servers
    """

    def upper(value: Any, default: str) -> str:
        return str(value or default).upper()

    up = [upper(vs.get("curstate"), "DOWN") == "UP" for vs in vservers]
    mode = upper(nsip.get("icmpresponse"), "NONE")
    if upper(nsip.get("state"), "ENABLED") == "DISABLED":
        return {"answers": False, "reason": "the IP is disabled: it answers neither ARP nor ICMP"}
    if upper(nsip.get("icmp"), "ENABLED") == "DISABLED":
        return {"answers": False, "reason": "icmp DISABLED: the IP never answers ping"}
    if mode == "ONE_VSERVER":
        return {"answers": any(up), "reason": "ONE_VSERVER: answers while at least one vserver on the IP is UP"}
    if mode == "ALL_VSERVERS":
        return {"answers": all(up), "reason": "ALL_VSERVERS: answers only while every vserver on the IP is UP"}
    if mode == "VSVR_CNTRLD":
        active = [
            is_up
            for vs, is_up in zip(vservers, up, strict=True)
            if upper(vs.get("icmpvsrresponse"), "PASSIVE") == "ACTIVE"
        ]
        if not active:
            return {"answers": True, "reason": "VSVR_CNTRLD with every vserver PASSIVE: always answers"}
        return {
            "answers": any(active),
            "reason": f"VSVR_CNTRLD: answers only while an ACTIVE vserver is UP ({sum(active)} of {len(active)} UP)",
        }
    return {"answers": True, "reason": "icmpresponse NONE: always answers"}


class NsIpIcmpManager(ModuleManager):
    def validate(self) -> None:
        params = self.params
        problems = Problems()
        checked = OPTIONS.check(params, problems, names=("ipaddress", "td"))
        self.ip = checked["ipaddress"]
        if params["create"]:
            if not params["netmask"]:
                problems.add("netmask: required when create is true (the netmask of the VIP to add)")
            else:
                problems.check(netmask, "netmask", params["netmask"])
        for index, vserver in enumerate(params["expected_lbvservers"] or []):
            problems.check(nitro_name, f"expected_lbvservers[{index}]", vserver)
        problems.raise_any()
        self.want = {key: params[key] for key in MANAGED if params[key] is not None}

    def _args(self) -> dict[str, Any] | None:
        return None if self.params["td"] is None else {"td": self.params["td"]}

    def read(self) -> dict[str, Any] | None:
        return self.client.get_one("nsip", self.ip, args=self._args())

    def vservers(self) -> list[dict[str, Any]]:
        found = self.client.get("lbvserver", filter={"ipv46": self.ip}, attrs=VSERVER_ATTRS)
        td = self.params["td"]
        # filter= matches ipv46 only; the same address may exist in another traffic domain.
        return [
            {key: vs.get(key) for key in VSERVER_ATTRS if key in vs}
            for vs in found
            if td is None or str(vs.get("td", 0)) == str(td)
        ]

    def plan(self, current: dict[str, Any] | None) -> Change:
        self.created = current is None
        shown = ("ipaddress", *self.want)
        if current is None:
            if not self.params["create"]:
                where = "" if self.params["td"] is None else f" in traffic domain {self.params['td']}"
                raise ApplianceStateError(
                    f"ipaddress: {self.ip} is not a NetScaler-owned IP (nsip){where} on this appliance. "
                    "A VIP normally exists because an lbvserver uses it: create the vserver first, "
                    "or set create: true and netmask to add it as a VIP"
                )
            obj = {"ipaddress": self.ip, "netmask": self.params["netmask"], "type": "VIP", **self.want}
            if self.params["td"] is not None:
                obj["td"] = self.params["td"]
            self.changed_keys = list(self.want)
            change = Change(
                before={}, predicted={key: str(value) if key == "td" else value for key, value in obj.items()}
            )
            change.write(self.client.add, "nsip", obj, key="ipaddress")
        else:
            settings = plan_settings(self.want, current, keys=MANAGED)
            self.changed_keys = settings.keys
            change = Change(before=pick(current, shown), predicted=settings.predicted)
            if settings.changed:
                update = {"ipaddress": self.ip, **settings.values}
                if self.params["td"] is not None:
                    update["td"] = self.params["td"]
                change.write(self.client.update, "nsip", update, name=self.ip)
        # A read-back that finds nothing shows the prediction (the IP as planned).
        change.read_back = lambda: self.read() or change.predicted
        change.after_of = lambda nsip: pick(nsip, shown)
        return change

    def returns(self, change: Change, shown: dict[str, Any]) -> dict[str, Any]:
        vservers = self.vservers()
        unexpected: list[str] = []
        expected = self.params["expected_lbvservers"]
        if expected is not None:
            unexpected = [vs["name"] for vs in vservers if vs.get("name") not in expected]
            if unexpected:
                self.nitro.warn(
                    f"VIP {self.ip} is shared with lbvservers not in the expected list: {', '.join(unexpected)}. "
                    "Under icmpresponse VSVR_CNTRLD an ACTIVE one among them that is UP keeps the VIP answering "
                    "ping, and their state decides too; set their icmpvsrresponse deliberately"
                )
        return {
            "nsip": shown,
            "lbvservers": vservers,
            "unexpected_lbvservers": unexpected,
            "icmp_answer": icmp_answer(shown, vservers),
            "created": self.created,
            "changed_keys": self.changed_keys,
        }


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(NsIpIcmpManager)


if __name__ == "__main__":
    main()
