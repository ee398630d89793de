# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How names and query values go into NITRO URLs. PRIVATE to the adcops.netscaler collection.

As netscaler.adc's url_builder (plugins/module_utils/client.py of https://github.com/netscaler/ansible-collection-netscaleradc):
names double-encoded in the path, ``args=``/``filter=`` values encoded once, ``attrs`` not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote


def encode_name(name: Any) -> str:
    """Resource names go into the path double-URL-encoded (netscaler.adc url_builder; the Go and Java SDKs too)."""
    return quote(quote(_scalar(name), safe=""), safe="")


def encode_pairs(pairs: Mapping[str, Any] | None) -> str | None:
    """`args=`/`filter=` values are encoded once; booleans become lowercase words (inferred, not yet verified)."""
    if not pairs:
        return None
    return ",".join(f"{key}:{quote(_scalar(value), safe='')}" for key, value in pairs.items())


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        # `nd6ravariables/1.0` fails where `/1` works (netscaler.adc url_builder)
        return str(int(value))
    return str(value)


def raw_query(params: Mapping[str, Any] | None) -> str | None:
    """Build the query by hand: values are already encoded and NITRO wants ':' and ',' as they are."""
    if not params:
        return None
    return "&".join(f"{key}={value}" for key, value in params.items() if value is not None)


def opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
