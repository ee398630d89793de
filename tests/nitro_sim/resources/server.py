"""server: a backend host (IP address or domain name) that services and service group members refer to.

Schema: NetScaler CLI reference "add server" (defaults), netscaler.adc's resource map (immutable keys).
"""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..schema import EN_DIS, YES_NO, Attr, attrs_of, enum
from .base import Entity, one_of


class Server(Entity):
    name = "server"
    key = "name"
    graceful_disable = True
    missing_label = "serverName"
    attrs = attrs_of(
        Attr("name", required=True),
        Attr("ipaddress", "ip"),
        Attr("domain", add_only=True),
        Attr("translationip", "ip"),
        Attr("translationmask", "ip"),
        Attr("domainresolveretry", "int", min=5, max=20939, default=5),
        enum("state", EN_DIS, default="ENABLED", add_only=True),
        enum("ipv6address", YES_NO, default="NO", add_only=True),
        Attr("td", "int", min=0, max=4094, default=0, add_only=True),
        Attr("comment"),
        Attr("statechangetimesec", readonly=True),
    )

    def prepare(self, vals: dict[str, Any]) -> None:
        one_of(vals, "ipaddress", "domain", both="IPAddress, domain", missing="IPAddress")

    def check(self, merged: dict[str, Any], vals: dict[str, Any], before: dict[str, Any] | None) -> None:
        if before is not None and "ipaddress" in vals and merged.get("domain"):
            raise E.both_specified("IPAddress, domain")

    def render(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = super().render(obj)
        out.setdefault("ipaddress", "")
        return out

    def find_by_ip(self, ip: str, td: int = 0) -> str | None:
        for name, srv in self.objects.items():
            if srv.get("ipaddress") == ip and srv.get("td", 0) == td:
                return name
        return None

    def server_for_ip(self, ip: str, td: int = 0) -> str:
        """A service or member added by IP uses the server with that IP, else a new server named by the IP
        (NITRO server reference; CLI reference "add service")."""
        existing = self.find_by_ip(ip, td)
        if existing is not None:
            return existing
        if ip in self.objects:
            raise E.exists(f"name, {ip}")
        self.objects[ip] = {"name": ip, "ipaddress": ip, "td": td, "_auto": True}
        return ip
