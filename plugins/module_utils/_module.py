# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module wrapper every NITRO module runs in. PRIVATE to the adcops.netscaler collection.

Like amazon.aws's AnsibleAWSModule, it owns what modules must not repeat: the
connection options and their environment fallbacks, the NITRO client and its
session, check mode, errors, ``save_config`` and logout on every exit path.
A module supplies its own options and a manager class (the f5/community.docker
skeleton): ``validate()`` runs before the first request, ``run()`` returns the result.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule, missing_required_lib

from ansible_collections.adcops.netscaler.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    NitroClient,
    NitroError,
)


def env_fallback(*names: str) -> str:
    """ansible's env_fallback, except that an empty variable counts as unset.

    AWX and Automation Platform inject every environment variable of a credential type, empty when the
    credential leaves the field blank (a password credential has an empty NETSCALER_NITRO_AUTH_TOKEN).
    """
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def connection_argument_spec() -> dict[str, dict[str, Any]]:
    """The shared connection options; environment names match netscaler.adc's, so one credential serves both."""
    return {
        "nsip": {"type": "str", "required": True, "fallback": (env_fallback, ["NETSCALER_NSIP"])},
        "nitro_user": {"type": "str", "no_log": False, "fallback": (env_fallback, ["NETSCALER_NITRO_USER"])},
        "nitro_pass": {"type": "str", "no_log": True, "fallback": (env_fallback, ["NETSCALER_NITRO_PASS"])},
        "nitro_auth_token": {
            "type": "str",
            "no_log": True,
            "fallback": (env_fallback, ["NETSCALER_NITRO_AUTH_TOKEN"]),
        },
        "nitro_protocol": {
            "type": "str",
            "default": "https",
            "choices": ["https", "http"],
            "fallback": (env_fallback, ["NETSCALER_NITRO_PROTOCOL"]),
        },
        "validate_certs": {"type": "bool", "default": True, "fallback": (env_fallback, ["NETSCALER_VALIDATE_CERTS"])},
        "nitro_timeout": {"type": "float", "default": 60},
        "save_config": {"type": "bool", "default": False, "fallback": (env_fallback, ["NETSCALER_SAVE_CONFIG"])},
    }


CONNECTION_OPTIONS = frozenset(connection_argument_spec())


class ParameterError(Exception):
    """Bad input, found before any request is sent."""


class NitroModule:
    """AnsibleModule plus a NITRO client, created lazily so validation costs no request."""

    def __init__(
        self,
        argument_spec: Mapping[str, Any],
        *,
        supports_check_mode: bool = True,
        mutually_exclusive: Sequence[Sequence[str]] = (),
        required_together: Sequence[Sequence[str]] = (),
        required_one_of: Sequence[Sequence[str]] = (),
        required_if: Sequence[Sequence[Any]] = (),
        required_by: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        spec = dict(argument_spec)
        spec.update(connection_argument_spec())
        self.module = AnsibleModule(
            argument_spec=spec,
            supports_check_mode=supports_check_mode,
            mutually_exclusive=list(mutually_exclusive),
            required_together=list(required_together),
            required_one_of=list(required_one_of),
            required_if=list(required_if),
            required_by=dict(required_by or {}),
        )
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.params: dict[str, Any] = self.module.params
        self.check_mode: bool = self.module.check_mode
        self.diff_mode: bool = bool(getattr(self.module, "_diff", False))
        self._client: NitroClient | None = None

    @property
    def client(self) -> NitroClient:
        if self._client is None:
            params = self.params
            if not params.get("nitro_auth_token") and not (params.get("nitro_user") and params.get("nitro_pass")):
                raise ParameterError(
                    "set nitro_user and nitro_pass, or nitro_auth_token "
                    "(or their NETSCALER_NITRO_* environment variables) to authenticate to NITRO"
                )
            self._client = NitroClient(
                params["nsip"],
                user=params.get("nitro_user"),
                password=params.get("nitro_pass"),
                auth_token=params.get("nitro_auth_token"),
                protocol=params["nitro_protocol"],
                validate_certs=params["validate_certs"],
                timeout=params["nitro_timeout"],
                log=self.module.debug,
            )
        return self._client

    def warn(self, message: str) -> None:
        self.module.warn(message)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def run(self, manager_factory: Callable[[NitroModule], ModuleManager]) -> None:
        """Validate, converge, save when asked and something changed, log out, report."""
        failure: dict[str, Any] | None = None
        result: dict[str, Any] = {}
        try:
            manager = manager_factory(self)
            manager.validate()
            result = manager.run()
            if result.get("changed") and self.params["save_config"] and not self.check_mode:
                self.client.save_config()
                result["config_saved"] = True
        except ParameterError as exc:
            failure = {"msg": str(exc)}
        except NitroError as exc:
            failure = {"msg": str(exc), "nitro_error": exc.to_dict()}
            if exc.items:
                failure["failed_items"] = exc.items
        finally:
            self.close()
        if failure is not None:
            self.module.fail_json(**failure)
        result.setdefault("changed", False)
        self.module.exit_json(**result)


class ModuleManager:
    """Base of every module's manager: reads ``params``, compares, applies, reports.

    Subclasses implement :meth:`validate` (pure, no request) and :meth:`run`.
    Writes go through :meth:`write`, which is where check mode stops them.
    """

    def __init__(self, nitro: NitroModule) -> None:
        self.nitro = nitro
        self.params = nitro.params
        self.check_mode = nitro.check_mode
        self.diff_mode = nitro.diff_mode

    @property
    def client(self) -> NitroClient:
        return self.nitro.client

    def validate(self) -> None:
        """Raise ParameterError for bad input. Must not send requests."""

    def run(self) -> dict[str, Any]:
        raise NotImplementedError

    def write(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a write unless in check mode; check mode sends only GETs."""
        if self.check_mode:
            return None
        return operation(*args, **kwargs)

    def result(self, changed: bool, before: Any = None, after: Any = None, **extra: Any) -> dict[str, Any]:
        result: dict[str, Any] = {"changed": bool(changed), **extra}
        if self.diff_mode:
            result["diff"] = {
                "before": before if before is not None else {},
                "after": after if after is not None else {},
            }
        return result


def strip_connection(params: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if key not in CONNECTION_OPTIONS}
