# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NITRO v1 REST client. PRIVATE to the adcops.netscaler collection; not a public API.

Every NITRO specific lives in this client: URL forms, name encoding, authentication and
sessions, retries, bulk requests and error mapping. Modules never build HTTP requests
themselves, and import all of it from here. The client is split by concern:

- ``_client_errors``: error codes, hints and :class:`NitroError`;
- ``_redact``: every spelling of a secret, taken out of any text;
- ``_client_encoding``: names and query values in NITRO URLs;
- ``_client_transport``: the session (login, logout, re-login), one request with its retries
  and time budget, and the read-only guard of check mode;
- ``_client_bulk``: array requests and their per-item answers;
- this file: reads and single-object writes, and the names modules import.

Comments cite public sources: the NITRO API reference (developer-docs.netscaler.com), the
official collection netscaler.adc (github.com/netscaler/ansible-collection-netscaleradc), and
the NITRO SDKs for Go (github.com/netscaler/adc-nitro-go) and Java (github.com/netscaler/nitro).
Where a behaviour is our own inference, the comment says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client_bulk import NitroBulk
from ansible_collections.adcops.netscaler.plugins.module_utils._client_encoding import (
    encode_name,
    encode_pairs,
    opt_str,
    raw_query,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._client_errors import REPEATABLE_ACTIONS, NitroError
from ansible_collections.adcops.netscaler.plugins.module_utils._client_transport import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._redact import redact, secret_forms

# What modules and tests import from here; the rest lives in the files named in the docstring.
__all__ = [
    "HAS_REQUESTS",
    "REQUESTS_IMPORT_ERROR",
    "NitroClient",
    "NitroError",
    "encode_name",
    "redact",
    "secret_forms",
]


class NitroClient(NitroBulk):
    """A NITRO session on one appliance for the length of one module run (see :class:`NitroTransport`
    for sessions, time budget, TLS and ``read_only``): reads, single-object writes and bulk calls."""

    # -- reads -------------------------------------------------------------------

    def get(
        self,
        resource: str,
        name: Any = None,
        *,
        attrs: Sequence[str] | None = None,
        filter: Mapping[str, Any] | None = None,
        args: Mapping[str, Any] | None = None,
        stat: bool = False,
        bulkbindings: bool = False,
    ) -> list[dict[str, Any]]:
        """GET one or all; a missing resource or an empty binding is an empty list.

        ``bulkbindings`` reads a binding resource for every parent at once
        (``GET /config/<binding>?bulkbindings=yes``, NITRO reference "get (all)" of bindings).
        """
        path = f"/{'stat' if stat else 'config'}/{resource}"
        if name is not None:
            path += "/" + encode_name(name)
        params = {}
        if attrs:
            params["attrs"] = ",".join(attrs)  # not encoded, as netscaler.adc url_builder does (_client_encoding)
        if filter:
            params["filter"] = encode_pairs(filter)
        if args:
            params["args"] = encode_pairs(args)
        if bulkbindings:
            params["bulkbindings"] = "yes"
        try:
            data = self._call(
                "GET", path, params=raw_query(params), operation="get", resource=resource, name=opt_str(name)
            )
        except NitroError as exc:
            if exc.not_found:
                return []
            raise
        # Singletons come back as an object, lists as arrays; a binding with no members
        # has no resource key at all (netscaler.adc get_resource:
        # plugins/module_utils/common.py of https://github.com/netscaler/ansible-collection-netscaleradc).
        found = data.get(resource)
        if found is None:
            return []
        if isinstance(found, dict):
            return [found]
        return [item for item in found if isinstance(item, dict)]

    def get_one(self, resource: str, name: Any, **kwargs: Any) -> dict[str, Any] | None:
        found = self.get(resource, name, **kwargs)
        return found[0] if found else None

    def count(self, resource: str, *, filter: Mapping[str, Any] | None = None) -> int:
        params = {"count": "yes"}
        if filter:
            params["filter"] = encode_pairs(filter)
        try:
            data = self._call(
                "GET", f"/config/{resource}", params=raw_query(params), operation="count", resource=resource
            )
        except NitroError as exc:
            if exc.not_found:
                return 0
            raise
        found = data.get(resource) or [{}]
        first = found[0] if isinstance(found, list) else found
        return int(float(first.get("__count", 0)))

    # -- writes ------------------------------------------------------------------

    def add(
        self,
        resource: str,
        obj: Mapping[str, Any],
        *,
        key: str | None = "name",
        idempotent: bool = False,
        converge: bool = True,
    ) -> None:
        """POST add. A lost answer is settled by a GET: an add that landed is done, one that did not is sent
        again. "Already exists" (273, another run created it since our read) is converged with
        ``?idempotent=yes``, which turns the add into an update ("Simplify Management Operations with an
        idempotent API",
        https://docs.citrix.com/ko-kr/netscaler/11-1/nitro-api/nitro-rest/nitro-rest-usage-scenarios/management-operations-idempotentAPI.html).
        ``converge=False``: 273 is an error (an object of that name that is not ours must not be updated)."""
        name = obj.get(key) if key else None
        deadline = self.deadline()
        attempt = 0
        while True:
            attempt += 1
            try:
                self._call(
                    "POST",
                    f"/config/{resource}",
                    params={"idempotent": "yes"} if idempotent else None,
                    body={resource: dict(obj)},
                    operation="add",
                    resource=resource,
                    name=opt_str(name),
                    retry=idempotent,  # idempotent=yes turns a repeated add into an update (see above)
                    deadline=deadline,
                )
                return
            except NitroError as exc:
                if exc.already_exists and converge and not idempotent and name is not None:
                    self._debug(f"add {resource} {name}: already exists; converging it with idempotent=yes")
                    idempotent = True
                    continue
                if not exc.transient or idempotent or name is None:
                    raise
                if self.get_one(resource, name) is not None:
                    self._debug(f"add {resource} {name}: the answer was lost but the object is there")
                    self.changed = True
                    return
                if not self._may_retry(attempt, deadline):
                    raise

    def update(self, resource: str, obj: Mapping[str, Any], *, name: Any = None) -> None:
        """PUT without the name in the URL, as netscaler.adc update_resource does; singletons (nstcpparam)
        have none (adc-nitro-go updateUnnamedResource, service/netscaler_resource.go of https://github.com/netscaler/adc-nitro-go)."""
        self._call(
            "PUT",
            f"/config/{resource}",
            body={resource: dict(obj)},
            operation="update",
            resource=resource,
            name=opt_str(name),
        )

    def delete(self, resource: str, name: Any, *, args: Mapping[str, Any] | None = None) -> bool:
        """DELETE; returns False when it was already gone (a retried DELETE that landed, or absent)."""
        params = {"args": encode_pairs(args)} if args else None
        try:
            self._call(
                "DELETE",
                f"/config/{resource}/{encode_name(name)}",
                params=raw_query(params) if params else None,
                operation="delete",
                resource=resource,
                name=opt_str(name),
            )
        except NitroError as exc:
            if exc.not_found:
                return False
            raise
        return True

    def action(
        self,
        resource: str,
        action: str,
        obj: Mapping[str, Any] | None = None,
        *,
        name: Any = None,
    ) -> dict[str, Any]:
        """``POST /config/<res>?action=<verb>`` (enable, disable, unset, rename, save...)."""
        return self._call(
            "POST",
            f"/config/{resource}",
            params={"action": action},
            body={resource: dict(obj or {})},
            operation=action,
            resource=resource,
            name=opt_str(name),
            retry=action in REPEATABLE_ACTIONS,
        )

    def rename(self, resource: str, name: Any, newname: Any, *, key: str = "name") -> None:
        """``?action=rename``; bindings follow the object (NITRO reference: rename of lbvserver and service).
        Not repeatable as such (a repeat finds no object of the old name), so a lost answer is settled by a GET
        of both names."""
        try:
            self.action(resource, "rename", {key: name, "newname": newname}, name=name)
        except NitroError as exc:
            if not exc.transient:
                raise
            if self.get_one(resource, newname) is None or self.get_one(resource, name) is not None:
                raise
            self._debug(f"rename {resource} {name}: the answer was lost but the object has its new name")
            self.changed = True

    def bind(self, binding: str, obj: Mapping[str, Any]) -> None:
        """Bind is a PUT on the binding resource (netscaler.adc bind_resource, common.py: see ``get``)."""
        self.bind_bulk(binding, [obj])

    def unbind(self, binding: str, parent: Any, args: Mapping[str, Any]) -> bool:
        return self.delete(binding, parent, args=args)

    def save_config(self) -> None:
        self.action("nsconfig", "save", {})
