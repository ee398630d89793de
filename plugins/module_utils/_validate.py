# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input validation every module uses. PRIVATE to the adcops.netscaler collection.

Each check takes the option's name as the user wrote it (``services[2].port``) and the value, and either
returns the value in NITRO's spelling or raises :class:`InvalidOptions` with a message that names the option,
the value and what is allowed. :class:`Problems` runs many checks and raises once with every message, so a
user fixes a playbook in one round.

Two errors, handled alike by ``NitroModule.run`` (the task fails with the message and nothing else):
:class:`InvalidOptions` is bad input found before any request; :class:`ApplianceStateError` is a precondition
the appliance does not meet, found after reads (an object missing, an immutable attribute that differs,
members not UP in time).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._compare import WILDCARD_PORT, normalize_port


class InvalidOptions(Exception):
    """Bad input, found before any request is sent."""


class ApplianceStateError(Exception):
    """The appliance is not in the state the task needs, found after reading it (no write was sent for it)."""


class Problems:
    """Collects the messages of many checks; :meth:`raise_any` raises them together, joined by ``; ``."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def check(self, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one check; on InvalidOptions keep its message and return None."""
        try:
            return check(*args, **kwargs)
        except InvalidOptions as exc:
            self.add(str(exc))
            return None

    def __bool__(self) -> bool:
        return bool(self.messages)

    def raise_any(self) -> None:
        if self.messages:
            raise InvalidOptions("; ".join(self.messages))


def in_range(option: str, value: Any, low: int, high: int, *, short: bool = False) -> Any:
    """An integer from ``low`` to ``high``. ``short`` words the limits as ``low-high`` (lb_healthcheck's style)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        allowed = f"allowed {low}-{high}" if short else f"allowed: {low} to {high}"
        raise InvalidOptions(f"{option}: {value!r} is out of range; {allowed}")
    return value


# NetScaler names (lbvserver, service, monitor): ASCII alphanumerics plus `_ # . space : @ = -`, starting with an
# alphanumeric or `_`, at most 127 characters (the name rule of lbvserver in the NITRO reference):
# https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/lb/lbvserver
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_#. :@=-")


def nitro_name(option: str, value: Any) -> str:
    text = "" if value is None else str(value)
    if not text or len(text) > 127 or not (text[0].isalnum() or text[0] == "_") or not set(text) <= _NAME_CHARS:
        raise InvalidOptions(
            f"{option}: {value!r} is not a valid NetScaler name; use 1-127 ASCII letters, digits and _ # . : @ = - "
            "or space, starting with a letter, digit or _"
        )
    return text


def port(option: str, value: Any, *, minimum: int = 1) -> int | None:
    """A port as NITRO stores it: a number, or ``*``, which NITRO represents as 65535."""
    if value is None:
        return None
    text = str(value).strip()
    number = normalize_port(text) if text == "*" or text.isdigit() else None
    if isinstance(value, bool) or number is None or not minimum <= number <= WILDCARD_PORT:
        raise InvalidOptions(f"{option}: {value!r} is not a valid port; use a number from {minimum} to 65535, or '*'")
    return number


def ip(option: str, value: Any, *, wildcard: bool = False, kind: str | None = None) -> str | None:
    """A valid IPv4 or IPv6 address in its canonical text form (``*`` too when ``wildcard``).
    ``kind`` replaces "IP address; use ..." in the message (ns_ip_icmp says "IPv4 or IPv6 address")."""
    if value is None:
        return None
    text = str(value).strip()
    if wildcard and text == "*":
        return text
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        allowed = "an IPv4 or IPv6 address" + (" or '*'" if wildcard else "")
        what = kind or f"IP address; use {allowed}"
        raise InvalidOptions(f"{option}: {value!r} is not a valid {what}") from None


def netmask(option: str, value: Any) -> str:
    text = str(value or "")
    try:
        ipaddress.ip_network(f"0.0.0.0/{text}" if "." in text else f"::/{text}")
    except ValueError:
        raise InvalidOptions(f"{option}: {value!r} is not a valid netmask, e.g. 255.255.255.255") from None
    return text


def one_of(option: str, value: Any, allowed: Sequence[str], *, kind: str = "", hint: str = "") -> str | None:
    """NITRO's spelling of a value matched case-insensitively, or an error listing the allowed ones."""
    if value is None:
        return None
    wanted = str(value).strip().upper()
    for known in allowed:
        if known.upper() == wanted:
            return known
    what = kind or "an allowed value"
    raise InvalidOptions(f"{option}: {value!r} is not {what}{hint}; allowed: {', '.join(allowed)}")


def yes_no(value: bool | None) -> str | None:
    """NITRO's YES/NO flags are strings; NITRO rejects a JSON boolean with errorcode 1097
    (https://github.com/netscaler/ansible-collection-netscaleradc/issues/281)."""
    if value is None:
        return None
    return "YES" if value else "NO"


def upper(value: Any) -> str | None:
    return None if value is None else str(value).strip().upper()
