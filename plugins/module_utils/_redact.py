# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets out of every text the NITRO client produces. PRIVATE to the adcops.netscaler collection."""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "********"


def secret_forms(secret: str) -> set[str]:
    """Every spelling a secret takes in text: raw and stripped, JSON/Python-escaped (a trailing newline
    becomes ``\\n``), quoted, and URL-encoded once or twice (``%0A``, ``+`` for spaces)."""
    forms: set[str] = set()
    for value in dict.fromkeys((secret, secret.strip())):
        if not value:
            continue
        escaped = {value, json.dumps(value)[1:-1], repr(value)[1:-1], value.encode("unicode_escape").decode("ascii")}
        for form in escaped:
            once = quote(form, safe="")
            forms.update({form, once, quote_plus(form, safe=""), quote(once, safe=""), quote(form)})
    return {form for form in forms if form}


def redact(text: str, secrets: Iterable[str | None]) -> str:
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms |= secret_forms(secret)
    # Longest first, so an escaped form is not half-replaced by its raw prefix.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text
