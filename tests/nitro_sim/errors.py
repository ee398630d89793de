"""NITRO error envelope and the error codes the simulator answers with.

Texts come from the NetScaler NITRO error list (ERRLIST); HTTP pairings from traces published in netscaler.adc
and terraform-provider-citrixadc issues (inferred, not verified on an appliance).
"""

from __future__ import annotations

from typing import Any

# HTTP reason phrases NITRO uses for its non-standard statuses (the Go SDK's status strings).
REASONS: dict[int, str] = {
    207: "Multi Status",
    209: "X-NITRO-WARNING",
    599: "Netscaler specific error",
}

MESSAGES: dict[int, str] = {
    0: "Done",
    256: "NetScaler not running",
    257: "Operation not permitted",
    258: "No such resource",
    273: "Resource already exists",
    278: "Invalid argument",
    301: "Operation not supported",
    315: "Resource in use",
    344: "No Service",
    351: "No such server",
    352: "Login is required",
    354: "Invalid username or password",
    431: "No arguments to set",
    444: "Session expired or killed. Please login again",
    1027: "Not logged in or connection timed out",
    1074: "Invalid value",
    1090: "No such argument",
    1092: "Arguments cannot both be specified",
    1093: "Argument pre-requisite missing",
    1095: "Required argument missing",
    1097: "Invalid argument value",
    1243: "Bulk operation failed",
    1303: "Service not bound to Vserver",
    2131: "Monitor must be unbound before it can be deleted",
    2133: "The monitor is already bound to the service",
    2164: "Default monitor cannot be unbound from a service",
    2165: "Default monitor cannot be bound explicitly to a service",
    2138: "Not authorized to execute this command",
    2170: "Monitor not bound to service",
    2329: (
        "MAC/IPTUNNEL mode can be set only for a VIP with wildcard IP or with service type ANY or for a sessionless VIP"
    ),
}


class NitroError(Exception):
    """A failed NITRO operation: HTTP status, NITRO errorcode and message."""

    def __init__(self, http_status: int, errorcode: int, detail: str | None = None, message: str | None = None) -> None:
        base = message if message is not None else MESSAGES.get(errorcode, "Error")
        text = f"{base} [{detail}]" if detail else base
        super().__init__(text)
        self.http_status = http_status
        self.errorcode = errorcode
        self.message = text

    def envelope(self) -> dict[str, Any]:
        return {"errorcode": self.errorcode, "message": self.message, "severity": "ERROR"}


def done() -> dict[str, Any]:
    return {"errorcode": 0, "message": "Done", "severity": "NONE"}


# Convenience constructors keep call sites short and the status/code pairing in one place.
def not_found(detail: str, code: int = 258) -> NitroError:
    return NitroError(404, code, detail)


def exists(detail: str) -> NitroError:
    return NitroError(409, 273, detail)


def invalid_value(detail: str) -> NitroError:
    return NitroError(400, 1097, detail)


def invalid_arg(detail: str) -> NitroError:
    return NitroError(400, 278, detail)


def no_such_arg(detail: str) -> NitroError:
    return NitroError(400, 1090, detail)


def required_missing(detail: str) -> NitroError:
    return NitroError(400, 1095, detail)


def both_specified(detail: str) -> NitroError:
    return NitroError(400, 1092, detail)


def ns_error(code: int, detail: str | None = None) -> NitroError:
    """NetScaler-specific errors travel with HTTP 599 (2164 seen as 599 in netscaler.adc #312)."""
    return NitroError(599, code, detail)


class Response:
    """One HTTP answer: status, JSON payload (None: empty body) and extra headers."""

    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.payload = payload
        self.headers = headers or {}
