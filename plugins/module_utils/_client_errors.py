# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NITRO error codes and the one exception every NITRO failure becomes. PRIVATE to adcops.netscaler."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# 401 bodies carrying one of these mean "log in again": adc-nitro-go clears its session on 444/1027
# (service/netscaler_resource.go of https://github.com/netscaler/adc-nitro-go);
# the NITRO SDK's error list (as generated in nsnitro/nsexceptions/nsexceptions.py of https://github.com/eBayClassifiedsGroup/nsnitro)
# has 451 "Invalid session" and 472 "Session expired" too.
SESSION_EXPIRED_CODES = frozenset({444, 1027, 451, 472})
# Status codes worth retrying: a proxy or the appliance's web server is briefly unavailable.
RETRY_STATUSES = frozenset({502, 503, 504})
# "Does not exist" answers of a GET or DELETE: 258 No such resource, 344 No Service, 351 No such server (same list).
NOT_FOUND_CODES = frozenset({258, 344, 351})
# 409/273 "Resource already exists" (the example of NITRO "Error and Exception Handling",
# https://developer-docs.netscaler.com/en-us/adc-nitro-api/13/error-and-exception-handling).
ALREADY_EXISTS_CODE = 273
BULK_FAILED_CODE = 1243  # HTTP 207, per-item results in "response" (the same page)
ONERROR_CHOICES = ("exit", "continue", "rollback")
# Actions whose repetition leaves the appliance as one run would, so a retry is safe.
REPEATABLE_ACTIONS = frozenset({"enable", "disable", "unset", "save"})
# "Not bound" answers of an unbind: lbvserver member (1303), monitor (2170); the member or parent is gone (258, 344).
NOT_BOUND_CODES = frozenset({1303, 2170, 258, 344})
# Logout must not hold a failed task back: a session left behind expires on its own (30 minutes by default:
# NITRO "Performing Basic Operations", https://developer-docs.netscaler.com/en-us/adc-nitro-api/12-1/performing-basic-netscaler-operations).
LOGOUT_TIMEOUT = 3.0


class NitroError(Exception):
    """Every failure of a NITRO call: transport, HTTP or NITRO errorcode.

    Carries what a person needs to act: the operation and resource, the HTTP status,
    the NITRO errorcode and message, and for bulk calls the per-item results.
    Secrets are never part of it: messages are built from NITRO's answer only and
    redacted again before they are stored.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        resource: str | None = None,
        name: str | None = None,
        status: int | None = None,
        errorcode: int | None = None,
        severity: str | None = None,
        items: list[dict[str, Any]] | None = None,
        applied: list[Any] | None = None,
        not_applied: list[Any] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.resource = resource
        self.name = name
        self.status = status
        self.errorcode = errorcode
        self.severity = severity
        self.items = items or []
        # Bulk calls: names of the items the appliance kept and of those it did not (after any rollback).
        self.applied = applied or []
        self.not_applied = not_applied or []
        self.hint = hint

    @property
    def not_found(self) -> bool:
        """NITRO said the object does not exist. Only a NITRO answer (an errorcode) counts: a 404 from a
        proxy or a wrong port is a failure, never "absent" (a login failure never is either)."""
        if self.operation == "login" or self.errorcode is None:
            return False
        return self.status == 404 or self.errorcode in NOT_FOUND_CODES

    @property
    def transient(self) -> bool:
        """No answer, or a gateway/availability answer: the request may not have been applied."""
        return self.status is None or self.status in RETRY_STATUSES

    @property
    def already_exists(self) -> bool:
        return self.errorcode == ALREADY_EXISTS_CODE

    def __str__(self) -> str:
        target = "" if self.resource in (None, self.operation) else self.resource
        if self.name is not None:
            target = f"{target} {self.name!r}"
        head = f"NITRO {self.operation or 'request'} {target}".rstrip() + " failed"
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.errorcode is not None:
            details.append(f"errorcode {self.errorcode}")
        text = f"{head} ({', '.join(details)})" if details else head
        text = f"{text}: {self.message.rstrip('.')}"
        failed = [item for item in self.items if item.get("errorcode")]
        if failed:
            shown = "; ".join(
                f"item {item['index']}"
                + (f" {item['name']!r}" if item.get("name") is not None else "")
                + f": errorcode {item['errorcode']} {item.get('message', '')}".rstrip()
                for item in failed[:10]
            )
            more = f" (and {len(failed) - 10} more)" if len(failed) > 10 else ""
            text = f"{text}. Failed items: {shown}{more}"
        if self.applied:
            text = f"{text}. Applied: {_names(self.applied)}"
        if self.not_applied and self.applied:
            text = f"{text}. Not applied: {_names(self.not_applied)}"
        if self.hint:
            text = f"{text}. {self.hint}"
        return text

    def restated(
        self, message: str, *, operation: str, resource: str | None = None, name: str | None = None
    ) -> NitroError:
        """The same failure told at a higher level (a recreate): keeps status, errorcode and the item lists."""
        return NitroError(
            message,
            operation=operation,
            resource=resource or self.resource,
            name=name,
            status=self.status,
            errorcode=self.errorcode,
            severity=self.severity,
            items=self.items,
            applied=self.applied,
            not_applied=self.not_applied,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "resource": self.resource,
            "name": self.name,
            "http_status": self.status,
            "errorcode": self.errorcode,
            "message": self.message,
            "severity": self.severity,
            "items": self.items,
            "applied": self.applied,
            "not_applied": self.not_applied,
        }


LOGIN_HINT = (
    "Check nsip (host or host:port of the NetScaler management address, no path), nitro_protocol and that "
    "nothing (a proxy, another web server) answers in NITRO's place"
)
# 401 with 354/355 "Invalid username or password" (NITRO SDK error list, nsnitro/nsexceptions/nsexceptions.py of
# https://github.com/eBayClassifiedsGroup/nsnitro): the appliance answered and refused the credentials.
BAD_CREDENTIALS_CODES = frozenset({354, 355})
CREDENTIALS_HINT = (
    "The appliance rejected the user name or password: check nitro_user and nitro_pass (in AWX, the user and "
    "password of the NetScaler credential; or the NETSCALER_NITRO_USER and NETSCALER_NITRO_PASS environment "
    "variables)"
)
# What OpenSSL says when the other end answers a TLS ClientHello with plain HTTP ("wrong version number" up to
# OpenSSL 3.1, "record layer failure" / "packet length too long" in later versions).
NOT_TLS_SIGNS = ("wrong_version_number", "wrong version number", "record layer failure", "packet length too long",
                 "unknown protocol", "http request")  # fmt: skip
NOT_TLS_HINT = (
    "The server did not answer TLS on that port: it probably speaks plain HTTP. Use nitro_protocol: http, or "
    "give the appliance's HTTPS port in nsip"
)
TLS_FAILED_HINT = "The TLS handshake failed: check nitro_protocol and the port in nsip"
PLAIN_ON_TLS_HINT = (
    "The server closed the connection on a plain HTTP request without answering: the port may require TLS. Use "
    "nitro_protocol: https (or give the appliance's plain HTTP port in nsip)"
)
PLAIN_REFUSED_HINT = (
    "The server refused a plain HTTP request on a port that speaks TLS. Use nitro_protocol: https (or give the "
    "appliance's plain HTTP port in nsip)"
)
TLS_HINT = (
    "The appliance's TLS certificate could not be verified. Give the CA that signed it with ca_bundle "
    "(netscaler_ca_bundle in the collection's roles, the CA bundle field of the AWX credential, or the "
    "NETSCALER_CA_BUNDLE, REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE environment variable), use the name the "
    "certificate was issued for in nsip, or, on a trusted management network only, set validate_certs: false"
)


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _names(names: Sequence[Any], limit: int = 20) -> str:
    shown = ", ".join(str(n) for n in names[:limit])
    return shown + (f" (and {len(names) - limit} more)" if len(names) > limit else "")
