# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Comparison and diff helpers for idempotency. PRIVATE to the adcops.netscaler collection.

NITRO reads back differently from what it was sent: numbers come back as strings, enum
values compare case-insensitively, port ``*`` is 65535 and lbmonitor normalises
``interval 60 SEC`` to ``1 MIN`` (https://github.com/citrix/terraform-provider-citrixadc/issues/1165).
The helpers below compare only the keys the user manages, in those terms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

# "* in CLI is represented as 65535 in NITRO API" (the port attribute of service in the NITRO reference):
# https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/basic/service
WILDCARD_PORT = 65535
_TIME_FACTORS = {"MSEC": 0.001, "SEC": 1, "MIN": 60}


def normalize_port(value: Any) -> Any:
    """A port in comparable form: ``*`` and 65535 are the same; text that is no number stays text."""
    if value is None:
        return None
    text = str(value).strip()
    if text == "*":
        return WILDCARD_PORT
    try:
        return int(float(text))
    except ValueError:
        return text


def to_seconds(value: Any, units: Any = "SEC") -> float | None:
    """A monitor time (interval, resptimeout, downtime) in seconds, whatever unit NITRO chose."""
    if value is None:
        return None
    factor = _TIME_FACTORS.get(str(units or "SEC").upper())
    if factor is None:
        raise ValueError(f"unknown time unit {units!r}")
    return float(value) * factor


def to_number(value: Any) -> Any:
    """The one number coercion: NITRO answers numbers as strings, ``"8"`` -> 8, ``"1.5"`` -> 1.5, ``2.0`` -> 2.
    Anything that is no number (None, booleans, text) comes back unchanged."""
    if value is None or isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else number


def canonical(value: Any) -> Any:
    """A form in which two NITRO values are equal when NITRO treats them as equal."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set)):
        return tuple(sorted(str(canonical(v)) for v in value))
    number = to_number(value)
    if isinstance(number, (int, float)):
        return number
    return str(value).strip().casefold()


def values_equal(want: Any, have: Any) -> bool:
    return canonical(want) == canonical(have)


class DifferenceTracker:
    """Collects before/after of the managed keys; feeds both ``changed`` and ``diff``."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Any, Any]] = {}

    def add(self, key: str, before: Any, after: Any) -> None:
        self._entries[key] = (before, after)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    @property
    def keys(self) -> list[str]:
        return list(self._entries)

    def before(self) -> dict[str, Any]:
        return {key: before for key, (before, _after) in self._entries.items()}

    def after(self) -> dict[str, Any]:
        return {key: after for key, (_before, after) in self._entries.items()}


def differences(
    want: Mapping[str, Any],
    have: Mapping[str, Any] | None,
    *,
    keys: Iterable[str] | None = None,
    read_as: Mapping[str, str] | None = None,
    normalizers: Mapping[str, Callable[[Any], Any]] | None = None,
    unset: bool = False,
    exact: Iterable[str] = (),
) -> DifferenceTracker:
    """Compare the user's values (``want``) with what NITRO shows (``have``).

    A None in ``want`` means "not managed", or with ``unset`` "must be empty" (lbmonitor ``customheaders``).
    ``read_as`` maps an option to the attribute NITRO returns it under (service ``ip`` is read back as
    ``ipaddress``). ``normalizers`` turn both sides into comparable values; ``exact`` keys compare as text,
    case included.
    """
    tracker = DifferenceTracker()
    have = have or {}
    read_as = read_as or {}
    normalizers = normalizers or {}
    exact = frozenset(exact)
    for key in keys if keys is not None else want.keys():
        wanted = want.get(key)
        current = have.get(read_as.get(key, key))
        if wanted is None:
            if unset and key in want and current not in (None, "", []):
                tracker.add(key, current, None)
            continue
        normalize = normalizers.get(key)
        left, right = (normalize(wanted), normalize(current)) if normalize else (wanted, current)
        equal = str(left or "") == str(right or "") if key in exact else values_equal(left, right)
        if not equal:
            tracker.add(key, current, wanted)
    return tracker


def pick(obj: Mapping[str, Any] | None, keys: Iterable[str], read_as: Mapping[str, str] | None = None) -> dict:
    """The managed keys of a NITRO object, under the option names, for diff and return values."""
    if not obj:
        return {}
    read_as = read_as or {}
    return {key: obj.get(read_as.get(key, key)) for key in keys if read_as.get(key, key) in obj}
