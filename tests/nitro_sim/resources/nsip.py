"""nsip: the appliance's own IP addresses (NSIP, SNIP, VIP ...) with their ARP/ICMP answer settings.

Schema: NetScaler CLI reference "add ns ip" (defaults), NetScaler docs "Configuring ICMP responses for VIPs"
(`icmpresponse` defaults to NONE; the "5" some SDKs show is an enum artefact), netscaler.adc's resource map.
"""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..schema import EN_DIS, YES_NO, Attr, attrs_of, enum
from .base import Resource

NSIP_TYPES = ("SNIP", "VIP", "NSIP", "GSLBsiteIP", "CLIP", "LSN", "HostIP")


class Nsip(Resource):
    name = "nsip"
    key = "ipaddress"
    actions = frozenset({"enable", "disable", "unset"})
    missing_label = "ipaddress"
    attrs = attrs_of(
        Attr("ipaddress", "ip", required=True),
        Attr("netmask", "ip", required=True),
        enum("type", NSIP_TYPES, default="SNIP", add_only=True),
        Attr("td", "int", min=0, max=4094, default=0, add_only=True),
        *(enum(f, EN_DIS, default="ENABLED") for f in ("arp", "icmp", "vserver", "telnet", "ftp", "ssh", "snmp")),
        enum("gui", ("ENABLED", "SECUREONLY", "DISABLED"), default="ENABLED"),
        enum("mgmtaccess", EN_DIS, default="DISABLED"),
        enum("restrictaccess", EN_DIS, default="DISABLED"),
        enum("dynamicrouting", EN_DIS, default="DISABLED"),
        enum("state", EN_DIS, default="ENABLED", add_only=True),
        enum("icmpresponse", ("NONE", "ONE_VSERVER", "ALL_VSERVERS", "VSVR_CNTRLD"), default="NONE"),
        enum("arpresponse", ("NONE", "ONE_VSERVER", "ALL_VSERVERS"), default="NONE"),
        enum("vserverrhilevel", ("ONE_VSERVER", "ALL_VSERVERS", "NONE", "VSVR_CNTRLD"), default="ONE_VSERVER"),
        enum("hostroute", EN_DIS, default="DISABLED"),
        Attr("hostrtgw", "str", default="-1"),
        Attr("metric", "int", min=-16777215, max=16777215),
        enum("ospflsatype", ("TYPE1", "TYPE5"), default="TYPE5"),
        Attr("ospfarea", "int", min=0, max=4294967294),
        Attr("vrid", "int", min=1, max=255),
        Attr("ownernode", "int", min=0, max=255, default=255),
        enum("ownerdownresponse", YES_NO, default="YES"),
        Attr("tag", "int", default=0),
        enum("networkroute", EN_DIS),
        enum("decrementttl", EN_DIS, default="DISABLED"),
        enum("mptcpadvertise", YES_NO, default="NO"),
        enum("advertiseondefaultpartition", YES_NO, default="NO"),
        *(Attr(a, readonly=True) for a in ("freeports", "iptype", "operationalarpresponse")),
    )

    def reset(self) -> None:
        super().reset()
        ip = self.app.mgmt_ip
        self.objects[ip] = {"ipaddress": ip, "netmask": "255.0.0.0", "type": "NSIP"}

    def select(self, obj: dict[str, Any], name: str, args: dict[str, str]) -> None:
        if "td" in args and str(obj.get("td", 0)) != args["td"]:
            raise E.not_found(f"ipaddress, {name}")

    def delete(self, name: str, args: dict[str, str]) -> None:
        obj = self.get_obj(name)
        self.select(obj, name, args)
        if obj.get("type") == "NSIP":  # the management address cannot be removed
            raise E.ns_error(257, name)
        self.remove(name)

    def set_state(self, obj: dict[str, Any], name: str, state: str) -> None:
        if obj.get("type") == "NSIP":
            raise E.ns_error(257, name)
        super().set_state(obj, name, state)

    def render(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = super().render(obj)
        out["iptype"] = [obj.get("type", "SNIP")]
        return out
