# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module wrapper every NITRO module runs in. PRIVATE to the adcops.netscaler collection.

Like amazon.aws's AnsibleAWSModule, it owns what modules must not repeat: the
connection options and their environment fallbacks, the NITRO client and its
session, check mode, errors, ``save_config`` and logout on every exit path.
A module supplies its own options and a manager class (the f5/community.docker
skeleton): ``validate()`` runs before the first request, then the manager goes through the verbs every
module shares (modelled on kubernetes.core's K8sService, one service whose verbs every resource uses):
``read`` (GETs), ``plan`` (a :class:`Change`, nothing sent), ``apply`` (the writes through the one gate,
then the read-back or, in check mode, the prediction) and ``report`` (the result, one shape for all).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule, missing_required_lib

from ansible_collections.adcops.netscaler.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    NitroClient,
    NitroError,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import ApplianceStateError, InvalidOptions


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
        "ca_bundle": {"type": "path", "fallback": (env_fallback, ["NETSCALER_CA_BUNDLE"])},
        "nitro_timeout": {"type": "float", "default": 60, "fallback": (env_fallback, ["NETSCALER_NITRO_TIMEOUT"])},
        "save_config": {"type": "bool", "default": False, "fallback": (env_fallback, ["NETSCALER_SAVE_CONFIG"])},
    }


CONNECTION_OPTIONS = frozenset(connection_argument_spec())
# Variables netscaler.adc reads and this collection does not, so one environment can serve both without a warning.
FOREIGN_ENV = frozenset({"NETSCALER_CONSOLE_AS_PROXY_SERVER"})


def read_env_names() -> list[str]:
    """The NETSCALER_* variables the connection options fall back to."""
    return sorted(name for spec in connection_argument_spec().values() for name in spec["fallback"][1])


def unread_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """One sentence per NETSCALER_* variable that is set but read by no option (a misspelling, most often),
    naming the closest variable the collection does read."""
    environ = os.environ if environ is None else environ
    known = read_env_names()
    notes = []
    for name in sorted(environ):
        if not name.startswith("NETSCALER_") or name in known or name in FOREIGN_ENV:
            continue
        closest = max(known, key=lambda k: difflib.SequenceMatcher(None, name, k).ratio())
        notes.append(f"the environment variable {name} is set but adcops.netscaler does not read it; the closest "
                     f"one it reads is {closest}")  # fmt: skip
    return notes


class _AnsibleModule(AnsibleModule):
    """AnsibleModule whose failures also name the NETSCALER_* variables that are set but not read: a misspelled
    NETSCALER_NITRO_PASSWORD otherwise shows only as a missing password, far from its cause."""

    def fail_json(self, msg: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        notes = unread_env()
        if notes:
            msg = f"{msg}. Note: {'; '.join(notes)}"
        return super().fail_json(msg=msg, **kwargs)


MAX_TIMEOUT = 3600.0


def _host_port(nsip: str) -> tuple[str, str | None]:
    if nsip.startswith("["):
        host, _bracket, rest = nsip[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else (rest or None)
    if nsip.count(":") == 1:
        host, port = nsip.split(":")
        return host, port
    return nsip, None


def check_connection(params: dict[str, Any], warn: Callable[[str], None]) -> dict[str, Any]:
    """Validate every connection option before the first request; return the client's settings.

    Secrets are never quoted in a message. Surrounding whitespace in a token or password (a trailing newline
    from a file or a YAML block scalar) is stripped, with a warning that says so.
    """
    errors: list[str] = []
    nsip = params.get("nsip")
    nsip = "" if nsip is None else str(nsip)
    host, port = _host_port(nsip)
    if not nsip.strip():
        errors.append("nsip: empty; give the NetScaler management address as host or host:port")
    elif "://" in nsip:
        errors.append(f"nsip: {nsip!r} has a scheme; give host or host:port and set nitro_protocol instead")
    elif any(c.isspace() for c in nsip) or any(c in nsip for c in "/?#@"):
        errors.append(f"nsip: {nsip!r} is not host or host:port (no path, query, user or whitespace)")
    elif not host:
        errors.append(f"nsip: {nsip!r} has no host")
    elif port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        errors.append(f"nsip: the port in {nsip!r} must be a number from 1 to 65535")
    if host and ":" in host and not nsip.startswith("["):
        nsip = f"[{nsip}]"  # a bare IPv6 address
    timeout = params.get("nitro_timeout")
    if timeout is None or not 0 < timeout <= MAX_TIMEOUT:  # NaN fails the comparison too
        errors.append(
            f"nitro_timeout: {timeout!r} must be more than 0 and at most {MAX_TIMEOUT:g} seconds "
            "(the time budget of each NITRO operation, retries included)"
        )
    user = params.get("nitro_user")
    if user is not None and user.strip() != user:
        warn("nitro_user had leading or trailing whitespace; it was stripped before logging in")
        user = user.strip()
    if user is not None and (not user or any(c.isspace() for c in user)):
        errors.append(f"nitro_user: {user!r} is empty or contains whitespace")
    secrets = {}
    for option in ("nitro_pass", "nitro_auth_token"):
        value = params.get(option)
        if value is not None and value.strip() != value:
            warn(
                f"{option} had leading or trailing whitespace (often a trailing newline from a file or a YAML block "
                "scalar); it was stripped before use"
            )
            value = value.strip()
        if value is not None and not value:
            errors.append(f"{option}: empty")
        secrets[option] = value
    token = secrets["nitro_auth_token"]
    if token and not all(33 <= ord(c) <= 126 for c in token):
        errors.append(
            "nitro_auth_token: contains whitespace, control or non-ASCII characters, which a NITRO session token "
            "never has (the value is not shown)"
        )
    ca_bundle = params.get("ca_bundle")
    if ca_bundle:
        if not params.get("validate_certs"):
            warn("ca_bundle is ignored because validate_certs is false: the certificate is not verified at all")
        elif not os.path.isfile(ca_bundle) or not os.access(ca_bundle, os.R_OK):
            errors.append(f"ca_bundle: {ca_bundle!r} is not a readable file (a PEM bundle of CA certificates)")
        elif params.get("nitro_protocol") == "http":
            warn("ca_bundle is ignored with nitro_protocol http")
    if errors:
        raise InvalidOptions("; ".join(errors))
    return {
        "nsip": nsip,
        "user": user,
        "password": secrets["nitro_pass"],
        "auth_token": token,
        "protocol": params["nitro_protocol"],
        "validate_certs": params["validate_certs"],
        "ca_bundle": ca_bundle or None,
        "timeout": timeout,
    }


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
        self.module = _AnsibleModule(
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
        for note in unread_env():
            self.module.warn(note[0].upper() + note[1:])
        self.params: dict[str, Any] = self.module.params
        self.check_mode: bool = self.module.check_mode
        self.diff_mode: bool = bool(getattr(self.module, "_diff", False))
        self._client: NitroClient | None = None
        self._settings: dict[str, Any] | None = None

    @property
    def client(self) -> NitroClient:
        if self._client is None:
            settings = self.connection_settings()
            if not settings["auth_token"] and not (settings["user"] and settings["password"]):
                raise InvalidOptions(
                    "set nitro_user and nitro_pass, or nitro_auth_token "
                    "(or their NETSCALER_NITRO_* environment variables) to authenticate to NITRO"
                )
            self._client = NitroClient(log=self.module.debug, **settings)
            # The safety net behind ModuleManager.write: in check mode a write that slipped past the gate is
            # refused by the client before it is sent (an internal error, never a change on the appliance).
            self._client.read_only = self.check_mode
        return self._client

    def connection_settings(self) -> dict[str, Any]:
        if self._settings is None:
            self._settings = check_connection(self.params, self.warn)
        return self._settings

    def warn(self, message: str) -> None:
        self.module.warn(message)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def run(self, manager_factory: Callable[[NitroModule], ModuleManager], *, saves: bool = True) -> None:
        """Validate, converge, save when asked and something changed, log out, report. ``saves=False``: the
        module ignores O(save_config) (it changes no configuration, or saving is what it does)."""
        failure: dict[str, Any] | None = None
        result: dict[str, Any] = {}
        try:
            self.connection_settings()
            manager = manager_factory(self)
            manager.validate()
            result = manager.run()
            if saves and result.get("changed") and self.params["save_config"] and not self.check_mode:
                manager.write(self.client.save_config)
                result["config_saved"] = True
        except (InvalidOptions, ApplianceStateError) as exc:
            failure = {"msg": str(exc)}
        except NitroError as exc:
            failure = {"msg": str(exc), "nitro_error": exc.to_dict()}
            if exc.items:
                failure["failed_items"] = exc.items
            if exc.applied or exc.not_applied:
                failure["applied"], failure["not_applied"] = exc.applied, exc.not_applied
        finally:
            self.close()
        if failure is not None:
            # A write that NITRO kept before the failure is a change: never report a half-applied task as
            # unchanged (the appliance has no transactions beyond one bulk add or bind).
            failure["changed"] = bool(self._client is not None and self._client.changed) or bool(failure.get("changed"))
            self.module.fail_json(**failure)
        result.setdefault("changed", False)
        self.module.exit_json(**result)


@dataclass
class Change:
    """What the plan verb decided, before anything is sent: the writes in order, the two sides of the diff, and
    what the task reports - ``predicted`` in check mode (and when nothing is written), ``read_back()`` after real
    writes. A module builds one and never decides itself between the prediction and the read-back."""

    writes: list[Callable[[], Any]] = field(default_factory=list)
    before: Any = None  # the diff's before (option names)
    after: Any = None  # the diff's after as planned; see after_of
    predicted: Any = None  # what is shown without a read-back: check mode's prediction, or the unchanged object
    read_back: Callable[[], Any] | None = None  # the GETs that show the object after real writes
    after_of: Callable[[Any], Any] | None = None  # the diff's after from what is shown (read back or predicted)
    recreated: list[str] | None = None  # named objects replaced because an immutable attribute changed
    # A change with no write to name: check mode's prediction for an object an earlier task of the run creates
    # (lb_healthcheck), or a write made while settling (lb_pool_member forcing a drain).
    other_changes: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.writes) or self.other_changes

    def write(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Plan one write (a client write, or a function that writes); the apply verb sends it through the gate."""
        self.writes.append(partial(operation, *args, **kwargs))


class ModuleManager:
    """Base of every module's manager: the verbs read, plan, apply, report, in that order (:meth:`run`).

    A subclass implements :meth:`validate` (pure, no request), :meth:`read` (GETs only), :meth:`plan` (a
    :class:`Change`; GETs only) and :meth:`returns` (its own result keys), and where the appliance needs time to
    reach the state, :meth:`settle`. It does not override :meth:`run`, :meth:`apply`, :meth:`report` or
    :meth:`write`: check mode, the read-back and the result's shape are decided here, once for every module
    (tests/integration/test_module_verbs.py holds every module to it).
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
        """Raise InvalidOptions for bad input (all of it at once, see ``_validate.Problems``). No requests."""

    # -- the verbs ----------------------------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        """read, plan, apply, report."""
        current = self.read()
        change = self.plan(current)
        shown = self.apply(change)
        return self.report(change, shown)

    def read(self) -> Any:
        """What exists (GETs only)."""
        return None

    def plan(self, current: Any) -> Change:
        """Every change from ``current`` to what the task wants, as a :class:`Change`; nothing is written (a plan
        may read more, e.g. the bindings a recreate restores)."""
        raise NotImplementedError

    def apply(self, change: Change) -> Any:
        """Send the planned writes through the gate, in order; return what the task shows: in check mode the
        prediction, after real writes the read-back, then whatever :meth:`settle` waited for."""
        for step in change.writes:
            self.write(step)
        if self.check_mode:
            return change.predicted
        shown = change.read_back() if change.writes and change.read_back is not None else change.predicted
        return self.settle(change, shown)

    def settle(self, change: Change, shown: Any) -> Any:
        """Real runs only, after the writes: wait until the appliance reaches the state (members UP, connections
        drained). Reads, and writes only through :meth:`write`; may set ``change.other_changes``."""
        return shown

    def report(self, change: Change, shown: Any) -> dict[str, Any]:
        """The result: ``changed``, the module's keys (:meth:`returns`), ``recreated`` where objects can be
        recreated, and with --diff ``diff`` (``after`` from what is shown where the plan says how)."""
        extra = self.returns(change, shown)
        if change.recreated is not None:
            extra["recreated"] = list(change.recreated)
        after = change.after_of(shown) if change.after_of is not None else change.after
        return self.result(change.changed, before=change.before, after=after, **extra)

    def returns(self, change: Change, shown: Any) -> dict[str, Any]:
        """The module's own result keys, from what is shown (read back, or predicted in check mode)."""
        return {}

    def write(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """The one gate for writes: run ``operation`` (a client write, or a function that writes, such as
        ``_resource.apply``) unless in check mode, which sends only GETs."""
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
