"""nsmode: the global modes (`enable ns mode USIP`), a singleton answering one boolean field per mode.

Mode names and aliases: NITRO nsmode reference and netscaler.adc's resource map; the factory defaults are
inferred from a factory-default `show ns mode`, not verified on an appliance.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .. import errors as E
from .base import Resource, not_supported

# canonical name -> aliases; GET shows each mode as a boolean field named by its lower-case name
NSMODES: dict[str, tuple[str, ...]] = {
    "FR": ("FASTRAMP",),
    "L2": ("L2MODE",),
    "USIP": ("USESOURCEIP",),
    "CKA": ("CLIENTKEEPALIVE",),
    "TCPB": ("TCPBUFFERING",),
    "MBF": ("MACBASEDFORWARDING",),
    "Edge": (),
    "USNIP": (),
    "L3": ("L3MODE",),
    "PMTUD": (),
    "SRADV": (),
    "DRADV": (),
    "IRADV": (),
    "SRADV6": (),
    "DRADV6": (),
    "BridgeBPDUs": (),
    "RISE_APBR": (),
    "RISE_RHI": (),
    "SINGLE_IP": (),
    "ULFD": (),
}


class FlagSet(Resource):
    """A singleton that is a set of named flags switched by `?action=enable|disable` with a list in `field`."""

    singleton = True
    field: ClassVar[str] = ""  # the request attribute carrying the list
    flags: ClassVar[dict[str, tuple[str, ...]]] = {}  # canonical name -> aliases
    default_on: ClassVar[tuple[str, ...]] = ()

    def reset(self) -> None:
        super().reset()
        self.enabled: set[str] = set(self.default_on)

    def export(self) -> dict[str, Any]:
        return {"enabled": sorted(self.enabled)}

    def load(self, data: dict[str, Any]) -> None:
        self.enabled = set(data.get("enabled", self.default_on))

    def index(self) -> dict[str, str]:
        """Accepted spelling (upper case) -> canonical name."""
        return {a.upper(): canon for canon, aliases in self.flags.items() for a in (canon, *aliases)}

    def read(self) -> dict[str, Any]:
        return {canon.lower(): canon in self.enabled for canon in self.flags}

    def action(self, verb: str, body: dict[str, Any]) -> bool:
        if verb not in ("enable", "disable"):
            raise not_supported(verb)
        raw = body.get(self.field)
        if raw is None:
            raise E.required_missing(self.field)
        items = raw if isinstance(raw, list) else str(raw).replace(",", " ").split()
        index = self.index()
        resolved = []
        for item in items:
            canon = index.get(str(item).upper())
            if canon is None:
                raise E.invalid_value(f"{self.field}, {item}")
            resolved.append(canon)
        for canon in resolved:
            if verb == "enable":
                self.enabled.add(canon)
            else:
                self.enabled.discard(canon)
        return True


class Nsmode(FlagSet):
    name = "nsmode"
    field = "mode"
    flags = NSMODES
    default_on = ("FR", "Edge", "L3", "USNIP", "PMTUD")

    def mode_value(self, mode: str) -> str:
        """The value an object added without ``mode`` gets (``Resource.inherit_modes``): YES when the global
        mode of that name is on (``usip`` follows USIP)."""
        return "YES" if self.index().get(mode.upper()) in self.enabled else "NO"
