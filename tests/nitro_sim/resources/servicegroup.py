"""servicegroup: a group of members (server + port) sharing settings, its members and its monitor bindings.

Schema: NetScaler CLI reference "add serviceGroup" (defaults), netscaler.adc's resource map (enum lists,
immutable keys).
"""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..schema import EN_DIS, ON_OFF, SERVICE_TYPES, YES_NO, Attr, attrs_of, enum
from .base import Binding, Entity, coerce_body, one_of, with_optional
from .service import MonitorLinks


class Servicegroup(Entity):
    name = "servicegroup"
    key = "servicegroupname"
    graceful_disable = True
    inherit_modes = ("usip",)  # as a service (CLI reference "add serviceGroup", usip)
    missing_label = "serviceGroupName"
    attrs = attrs_of(
        Attr("servicegroupname", required=True),
        enum("servicetype", SERVICE_TYPES, required=True, add_only=True),
        Attr("td", "int", min=0, max=4094, default=0, add_only=True),
        enum("cachetype", ("TRANSPARENT", "REVERSE", "FORWARD"), add_only=True),
        Attr("maxclient", "int", min=0, max=4294967294, default=0),
        Attr("maxreq", "int", min=0, max=65535, default=0),
        Attr("monthreshold", "int", min=0, max=65535, default=0),
        enum("healthmonitor", YES_NO, default="YES"),
        enum("state", EN_DIS, default="ENABLED", add_only=True),
        enum("downstateflush", EN_DIS, default="ENABLED"),
        enum("cacheable", YES_NO, default="NO"),
        enum("sp", ON_OFF, default="OFF"),
        enum("appflowlog", EN_DIS, default="ENABLED"),
        enum("autoscale", ("DISABLED", "DNS", "POLICY", "CLOUD", "API"), default="DISABLED"),
        enum("monconnectionclose", ("NONE", "RESET", "FIN"), default="NONE"),
        enum("usip", YES_NO),
        enum("useproxyport", YES_NO),
        enum("cip", EN_DIS, default="DISABLED"),
        Attr("cipheader"),
        Attr("clttimeout", "int", min=0, max=31536000),
        Attr("svrtimeout", "int", min=0, max=31536000),
        Attr("memberport", "port", add_only=True),
        Attr("comment"),
        enum("nodefaultbindings", YES_NO, add_only=True),
        Attr("servicegroupeffectivestate", readonly=True),
        Attr("numofconnections", readonly=True),
    )

    # A member's own attributes change through the group: `set serviceGroup <name> <serverName> <port> -weight <w>`
    # (CLI-REF "set serviceGroup"; COLL's resource map lists servername, port and weight among servicegroup's
    # update keys). Which of them NITRO takes in one PUT with the group's attributes is inferred, not verified on
    # an appliance: here a member update carries member attributes only.
    MEMBER_SET = ("weight", "hashid", "serverid", "customserverid", "dbsttl", "order", "nameserver")

    @property
    def members(self) -> Members:
        return self.app.binding("servicegroup_servicegroupmember_binding")

    def update(self, body: Any, url_name: str | None = None) -> None:
        if not isinstance(body, dict) or not ({"servername", "ip", "port"} & set(body)):
            super().update(body, url_name)
            return
        name = self.name_of(body, url_name)
        self.get_obj(name)
        ident = {k: body[k] for k in ("servername", "ip", "port") if k in body}
        if "port" not in ident:
            raise E.required_missing("port")
        changes = {k: v for k, v in body.items() if k != self.key and k not in ident}
        for key in changes:
            if key not in self.MEMBER_SET:
                raise E.invalid_arg(key)
        member = self.members.find(name, ident)
        vals = coerce_body(self.members.name, self.members.attrs, {**changes, self.key: name}, "bind")
        vals.pop(self.key, None)
        member.update(vals)

    def enable_disable(self, verb: str, body: dict[str, Any]) -> None:
        extra = [k for k in body if k != self.key]
        if body.get(self.key) is not None and ("servername" in extra or "port" in extra):
            # Member enable/disable: POST servicegroup?action=enable with servername + port (netscaler.adc 2.9.1).
            name = str(body[self.key])
            self.get_obj(name)
            self.members.find(name, {k: body[k] for k in extra})["state"] = (
                "ENABLED" if verb == "enable" else "DISABLED"
            )
            return
        super().enable_disable(verb, body)

    def render(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = super().render(obj)
        name = obj["servicegroupname"]
        if obj.get("state", "ENABLED") == "DISABLED":
            eff = "OUT OF SERVICE"
        else:
            states = [self.app.health.member_state(name, key) for key in self.members.links.get(name, {})]
            up = sum(1 for s in states if s == "UP")
            eff = "UP" if states and up == len(states) else ("PARTIAL-UP" if up else "DOWN")
        out["servicegroupeffectivestate"] = eff
        out["numofconnections"] = "0"
        return out

    # -- accessors for the behaviour engine ---------------------------------------------------------------------
    def member_disabled(self, servicegroup: str, member_key: Any) -> bool:
        group = self.objects.get(servicegroup)
        if group is None:
            return False
        key = (member_key[0], int(member_key[1])) if isinstance(member_key, tuple | list) else member_key
        member = self.members.links.get(servicegroup, {}).get(key, {})
        server = self.app.objects["server"].get(key[0], {}) if isinstance(key, tuple) else {}
        return "DISABLED" in (group.get("state"), member.get("state"), server.get("state"))

    def _monitors(self, group: str) -> list[dict[str, Any]]:
        return self.app.binding("servicegroup_lbmonitor_binding").monitors(group)

    def iter_servicegroups(self) -> list[dict[str, Any]]:
        return [
            {"servicegroupname": name, "servicetype": grp["servicetype"], "disabled": grp.get("state") == "DISABLED",
             "healthmonitor": grp.get("healthmonitor", "YES") == "YES", "monitors": self._monitors(name)}
            for name, grp in self.objects.items()
        ]  # fmt: skip

    def iter_members(self, servicegroup: str | None = None) -> list[dict[str, Any]]:
        out = []
        links = self.members.links
        for group in [servicegroup] if servicegroup is not None else list(links):
            grp = self.objects.get(group)
            if grp is None:
                continue
            monitors = self._monitors(group)
            for (server, port), attrs in links.get(group, {}).items():
                out.append(
                    {
                        "servicegroupname": group,
                        "servicetype": grp["servicetype"],
                        "servername": server,
                        "ip": self.app.objects["server"].get(server, {}).get("ipaddress"),
                        "port": port,
                        "weight": attrs.get("weight", 1),
                        "member_key": (server, port),
                        "disabled": self.member_disabled(group, (server, port)),
                        "healthmonitor": grp.get("healthmonitor", "YES") == "YES",
                        "monitors": monitors,
                    }
                )
        return out


class Members(Binding):
    """servicegroup_servicegroupmember_binding: ``links[group][(servername, port)] = attrs``."""

    name = "servicegroup_servicegroupmember_binding"
    parent, parent_key = "servicegroup", "servicegroupname"
    attrs = attrs_of(
        Attr("servicegroupname", required=True),
        Attr("ip", "ip"),
        Attr("servername"),
        Attr("port", "port"),
        Attr("weight", "int", min=1, max=100, default=1),
        enum("state", EN_DIS, default="ENABLED"),
        Attr("hashid", "int"),
        Attr("serverid", "int"),
        Attr("customserverid", default="None"),
        Attr("dbsttl", "int", default=0),
        Attr("order", "int", min=1, max=8192),
        Attr("nameserver", "ip"),
        *(Attr(a, readonly=True) for a in ("svrstate", "statechangetimesec", "graceful", "delay")),
    )

    def on_delete(self, res: str, name: str) -> None:
        super().on_delete(res, name)
        if res == "server":  # `rm server` also removes the members on it (CLI reference "rm server"; inferred)
            for members in self.links.values():
                for key in [k for k in members if k[0] == name]:
                    del members[key]

    def on_rename(self, res: str, old: str, new: str) -> None:
        super().on_rename(res, old, new)
        if res == "server":
            for group, members in self.links.items():
                self.links[group] = {((new if k[0] == old else k[0]), k[1]): v for k, v in members.items()}

    def bind(self, vals: dict[str, Any]) -> None:
        group = vals["servicegroupname"]
        grp = self.app.get_obj("servicegroup", group)
        one_of(vals, "ip", "servername", both="serverName, IP", missing="IP")  # netscaler.adc #297
        port = vals.get("port", grp.get("memberport"))
        if port is None:
            raise E.required_missing("port")
        servers = self.app.resource("server")
        if "servername" in vals:
            server = vals["servername"]
            servers.get_obj(server)
        else:
            server = servers.find_by_ip(vals["ip"], grp.get("td", 0)) or vals["ip"]
        members = self.links.setdefault(group, {})
        if (server, port) in members:
            raise E.exists(f"{server}, {port}")
        if "servername" not in vals:
            server = servers.server_for_ip(vals["ip"], grp.get("td", 0))
        skip = ("servicegroupname", "ip", "servername", "port")
        members[(server, port)] = {k: v for k, v in vals.items() if k not in skip}

    def key_of(self, group: str, args: dict[str, Any]) -> tuple[str, int]:
        if "ip" in args and "servername" in args:
            raise E.both_specified("serverName, IP")
        members = self.links.get(group, {})
        if "servername" in args:
            server = str(args["servername"])
        elif "ip" in args:
            ip = Attr("ip", "ip").coerce(args["ip"])
            server = next(
                (s for (s, _p) in members if self.app.objects["server"].get(s, {}).get("ipaddress") == ip), ip
            )
        else:
            raise E.required_missing("IP")
        if "port" in args:
            port = Attr("port", "port").coerce(args["port"])
        else:
            ports = [p for (s, p) in members if s == server]
            if len(ports) != 1:
                raise E.required_missing("port")
            port = ports[0]
        return (server, port)

    def existing_key(self, group: str, args: dict[str, Any]) -> tuple[str, int]:
        key = self.key_of(group, args)
        if key not in self.links.get(group, {}):
            raise E.not_found(f"member, {key[0]}:{key[1]}")
        return key

    def find(self, group: str, args: dict[str, Any]) -> dict[str, Any]:
        return self.links[group][self.existing_key(group, args)]

    def unbind(self, parent: str, args: dict[str, Any]) -> None:
        self.app.get_obj("servicegroup", parent)
        del self.links[parent][self.existing_key(parent, args)]

    def rows(self, parent: str) -> list[dict[str, Any]]:
        out = []
        for (server, port), attrs in self.links.get(parent, {}).items():
            row = {
                "servicegroupname": parent,
                "ip": self.app.objects["server"].get(server, {}).get("ipaddress", ""),
                "port": str(port),
                "servername": server,
                "weight": str(attrs.get("weight", 1)),
                "state": attrs.get("state", "ENABLED"),
                "svrstate": self.app.health.member_state(parent, (server, port)),
                "customserverid": attrs.get("customserverid", "None"),
                "dbsttl": str(attrs.get("dbsttl", 0)),
                "serverid": str(attrs.get("serverid", 0)),
                "hashid": str(attrs.get("hashid", 0)),
                "statechangetimesec": "",
                "graceful": "NO",
                "delay": "0",
            }
            out.append(with_optional(row, attrs, ("order",)))
        return out


class ServicegroupLbmonitorBinding(MonitorLinks):
    """The default monitor of a group is not listed here, but reported to the health engine (README)."""

    name = "servicegroup_lbmonitor_binding"
    parent, parent_key = "servicegroup", "servicegroupname"
    attrs = attrs_of(
        Attr("servicegroupname", required=True),
        Attr("monitor_name", required=True),
        enum("monstate", EN_DIS, default="ENABLED"),
        Attr("weight", "int", min=1, max=100, default=1),
        Attr("passive", "bool", default=False),
        Attr("port", "port"),
        Attr("hashid", "int"),
        Attr("serverid", "int"),
        Attr("customserverid"),
        Attr("dbsttl", "int"),
        Attr("order", "int", min=1, max=8192),
        Attr("nameserver", "ip"),
    )

    def rows(self, parent: str) -> list[dict[str, Any]]:
        out = []
        for monitor, attrs in self.links.get(parent, {}).items():
            row = {"servicegroupname": parent, "monitor_name": monitor, "monstate": attrs.get("monstate", "ENABLED"),
                   "weight": str(attrs.get("weight", 1)), "passive": attrs.get("passive", False)}  # fmt: skip
            out.append(
                with_optional(row, attrs, ("hashid", "serverid", "customserverid", "dbsttl", "order", "nameserver"))
            )
        return out
