# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NITRO bulk requests: arrays, per-item answers, chunks, rollback and convergence after a lost answer.
PRIVATE to the adcops.netscaler collection; :class:`NitroClient` (``_client``) inherits it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client_errors import (
    ALREADY_EXISTS_CODE,
    BULK_FAILED_CODE,
    NOT_BOUND_CODES,
    NOT_FOUND_CODES,
    ONERROR_CHOICES,
    REPEATABLE_ACTIONS,
    NitroError,
    int_or_none,
)
from ansible_collections.adcops.netscaler.plugins.module_utils._client_transport import NitroTransport


class NitroBulk(NitroTransport):
    """The bulk calls of :class:`NitroClient`; ``add_bulk`` reads with ``NitroClient.get``."""

    def add_bulk(
        self,
        resource: str,
        objs: Sequence[Mapping[str, Any]],
        *,
        key: str = "name",
        onerror: str = "rollback",
        converge: bool = True,
    ) -> list[dict[str, Any]]:
        """POST an array. After a transport failure only the items a GET shows missing are sent again;
        items another run created meanwhile (273) are converged with ``?idempotent=yes``, unless ``converge`` is
        false (an object of that name that is not ours must not be updated: 273 is then an error)."""
        results: list[dict[str, Any]] = []
        for offset, chunk in self._chunks(objs):
            pending = list(chunk)
            deadline = self.deadline()
            idempotent = False
            attempt = 0
            while pending:
                attempt += 1
                try:
                    results += self._converge(
                        "POST",
                        resource,
                        pending,
                        onerror=onerror,
                        operation="add",
                        offset=offset,
                        key=key,
                        retry=idempotent,
                        query={"idempotent": "yes"} if idempotent else None,
                        deadline=deadline,
                    )
                    break
                except NitroError as exc:
                    exists = [i for i in exc.items if i.get("errorcode") == ALREADY_EXISTS_CODE]
                    if (
                        exists
                        and converge
                        and not idempotent
                        and len(exists) == len([i for i in exc.items if i.get("errorcode")])
                    ):
                        self._debug(f"bulk add {resource}: {len(exists)} item(s) already exist; idempotent=yes")
                        idempotent = True
                        pending = [obj for obj in pending if str(obj.get(key)) not in set(map(str, exc.applied))]
                        continue
                    if not exc.transient or idempotent:
                        raise
                    present = {str(obj.get(key)) for obj in self.get(resource, attrs=[key])}
                    pending = [obj for obj in pending if str(obj.get(key)) not in present]
                    if len(pending) < len(chunk):
                        self.changed = True
                    if pending and not self._may_retry(attempt, deadline):
                        raise
        return results

    def update_bulk(
        self, resource: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "exit"
    ) -> list[dict[str, Any]]:
        return self._bulk_chunks("PUT", resource, objs, onerror=onerror, operation="update", key=key, retry=True)

    def delete_bulk(
        self, resource: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "continue"
    ) -> list[dict[str, Any]]:
        """Bulk remove is ``POST ?action=rm`` with an array (the NITRO Java SDK's
        base_resource.delete_bulk_request, com/citrix/netscaler/nitro/resource/base/base_resource.java of https://github.com/netscaler/nitro).
        Repeating it is safe: what is already gone answers "not found", which counts as done."""
        return self._bulk_chunks(
            "POST",
            resource,
            objs,
            onerror=onerror,
            operation="rm",
            key=key,
            action="rm",
            retry=True,
            tolerate=NOT_FOUND_CODES,
        )

    def action_bulk(
        self, resource: str, action: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "exit"
    ) -> list[dict[str, Any]]:
        return self._bulk_chunks(
            "POST",
            resource,
            objs,
            onerror=onerror,
            operation=action,
            key=key,
            action=action,
            retry=action in REPEATABLE_ACTIONS,
        )

    def bind_bulk(
        self, binding: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "rollback"
    ) -> list[dict[str, Any]]:
        # "Already bound" (273: a repeated PUT that landed, or another run) is the state we wanted.
        return self._bulk_chunks(
            "PUT",
            binding,
            objs,
            onerror=onerror,
            operation="bind",
            key=key,
            retry=True,
            tolerate=frozenset({ALREADY_EXISTS_CODE}),
        )

    def unbind_bulk(
        self, binding: str, objs: Sequence[Mapping[str, Any]], *, key: str = "name", onerror: str = "continue"
    ) -> list[dict[str, Any]]:
        """Bulk unbind is ``POST ?action=unbind`` with an array (the Java SDK's delete_bulk_request on a binding).
        "Not bound" (a repeated unbind that landed, or another run) is the state we wanted."""
        return self._bulk_chunks(
            "POST",
            binding,
            objs,
            onerror=onerror,
            operation="unbind",
            key=key,
            action="unbind",
            retry=True,
            tolerate=NOT_BOUND_CODES,
        )

    def _chunks(self, objs: Sequence[Mapping[str, Any]]) -> Iterable[tuple[int, Sequence[Mapping[str, Any]]]]:
        for start in range(0, len(objs), self.bulk_chunk):
            yield start, objs[start : start + self.bulk_chunk]

    def _bulk_chunks(
        self,
        method: str,
        resource: str,
        objs: Sequence[Mapping[str, Any]],
        *,
        onerror: str,
        operation: str,
        **options: Any,
    ) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        done: list[Any] = []
        for offset, chunk in self._chunks(objs):
            try:
                found = self._converge(
                    method, resource, chunk, onerror=onerror, operation=operation, offset=offset, **options
                )
            except NitroError as exc:
                # Earlier chunks were applied: say so, and that later chunks were not sent.
                key = options.get("key", "name")
                later = [obj.get(key) for obj in objs[offset + len(chunk) :]]
                exc.applied = done + exc.applied
                exc.not_applied = exc.not_applied + later
                raise
            done += [r["name"] for r in found if r["applied"]]
            results += found
        return results

    def _converge(
        self,
        method: str,
        resource: str,
        objs: Sequence[Mapping[str, Any]],
        *,
        key: str = "name",
        tolerate: frozenset[int] = frozenset(),
        **options: Any,
    ) -> list[dict[str, Any]]:
        """Send one array until every item is applied or in the wanted state already (``tolerate``).

        A tolerated answer (already bound, already gone) still stops an ``exit`` run and rolls back a
        ``rollback`` one, so the items NITRO did not keep are sent again: their state is what counts.
        """
        pending = list(objs)
        index_of = {id(obj): options.get("offset", 0) + i for i, obj in enumerate(objs)}
        settled: dict[int, dict[str, Any]] = {}
        applied: list[Any] = []
        for _round in range(len(pending) + 1):
            try:
                results = self._bulk(method, resource, pending, key=key, tolerate=tolerate, **options)
            except NitroError as exc:
                exc.applied = applied + exc.applied
                raise
            redo = []
            for obj, result in zip(pending, results, strict=True):
                result["index"] = index_of[id(obj)]
                if result["applied"] or result["errorcode"] in tolerate:
                    settled[result["index"]] = result
                    if result["applied"]:
                        applied.append(result["name"])
                else:
                    redo.append(obj)
            if not redo:
                break
            pending = redo
        return [settled[index] for index in sorted(settled)]

    def _bulk(
        self,
        method: str,
        resource: str,
        objs: Sequence[Mapping[str, Any]],
        *,
        onerror: str,
        operation: str,
        offset: int = 0,
        key: str = "name",
        action: str | None = None,
        retry: bool = False,
        tolerate: frozenset[int] = frozenset(),
        query: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> list[dict[str, Any]]:
        """Send one array request and map the 207 per-item answer (NITRO "Error and Exception Handling",
        https://developer-docs.netscaler.com/en-us/adc-nitro-api/13/error-and-exception-handling).

        Every result says whether NITRO kept the item (``applied``): after a failure, ``rollback``
        undoes the adds and binds that had run; ``exit`` leaves them and does not run the rest.
        Raises when an item failed with a code not in ``tolerate``, listing what was and was not applied.
        """
        if not objs:
            return []
        if onerror not in ONERROR_CHOICES:
            raise ValueError(f"onerror must be one of {ONERROR_CHOICES}")
        params = dict(query or {})
        if action:
            params["action"] = action
        items = list(objs)
        names = [obj.get(key) for obj in items]
        try:
            data = self._call(
                method,
                f"/config/{resource}",
                params=params or None,
                body={resource: [dict(o) for o in items]},
                headers={"X-NITRO-ONERROR": onerror},
                operation=operation,
                resource=resource,
                retry=retry,
                deadline=deadline,
            )
        except NitroError as exc:
            # An array of one may be answered like a single request (plain 4xx/599).
            if len(items) == 1 and exc.errorcode is not None:
                result = {
                    "index": offset,
                    "name": names[0],
                    "errorcode": exc.errorcode,
                    "message": exc.message,
                    "not_run": False,
                    "applied": False,
                }
                if exc.errorcode in tolerate:
                    return [result]
                exc.items = [result]
            exc.operation = f"bulk {operation}"
            exc.not_applied = names
            raise
        answers = data.get("response") if data.get("errorcode") == BULK_FAILED_CODE else None
        # NITRO undoes adds and binds only; for other operations rollback acts like exit (inferred, not yet
        # verified on an appliance).
        rolled_back = answers is not None and onerror == "rollback" and operation in ("add", "bind")
        results = []
        for index, obj in enumerate(items):
            answer = answers[index] if answers and index < len(answers) else None
            if answers is not None and answer is None:
                # onerror=exit/rollback stops at the failed item: what follows was not run.
                answer = {"errorcode": None, "message": "not run"}
            code = int_or_none((answer or {}).get("errorcode")) or 0
            not_run = answer is not None and answer.get("errorcode") is None
            results.append(
                {
                    "index": offset + index,
                    "name": obj.get(key),
                    "errorcode": code,
                    "message": (answer or {}).get("message", "Done"),
                    "not_run": not_run,
                    "applied": not code and not not_run and not rolled_back,
                }
            )
        if any(r["applied"] for r in results):
            self.changed = True
        failed = [r for r in results if r["errorcode"] and r["errorcode"] not in tolerate]
        if failed:
            first = failed[0]
            applied = [r["name"] for r in results if r["applied"]]
            rolled = (
                f" NITRO rolled back the {sum(1 for r in results if not r['errorcode'] and not r['not_run'])}"
                " item(s) that had run before it."
                if rolled_back
                else ""
            )
            raise NitroError(
                f"bulk {operation} of {len(items)} item(s) failed at item {first['index']}"
                + (f" {first['name']!r}" if first["name"] is not None else "")
                + f": errorcode {first['errorcode']} {first['message']}".rstrip()
                + f" ({len(failed)} item(s) failed).{rolled}",
                operation=f"bulk {operation}",
                resource=resource,
                status=207,
                errorcode=first["errorcode"],
                items=[r for r in results if (r["errorcode"] and r["errorcode"] not in tolerate) or r["not_run"]],
                applied=applied,
                not_applied=[r["name"] for r in results if not r["applied"]],
            )
        return results
