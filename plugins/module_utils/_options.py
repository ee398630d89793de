# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each module option declared once. PRIVATE to the adcops.netscaler collection.

An :class:`Option` holds everything the collection knows about one option: its Ansible type, choices, default,
range, how its value is checked and spelled for NITRO, and, for the options that are attributes of a NITRO
resource, whether NITRO can update it and under which names NITRO reads and updates it. An :class:`Options`
table derives from that the argument spec (and the suboptions of list items), the validation of user input,
and the :class:`~._resource.ResourceSpec` the planner compares, updates and recreates with.
(Modelled on community.docker's ``OptionGroup``; netscaler.adc keeps a comparable per-resource map.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._resource import ResourceSpec
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import Problems, in_range, yes_no

EN_DIS = ("ENABLED", "DISABLED")


@dataclass(frozen=True)
class Option:
    """One module option.

    ``attribute``: a NITRO attribute of the managed resource, so it is compared, sent and carried over on a
    recreate. ``convert(option, value)`` checks a given value and returns NITRO's spelling of it, raising
    InvalidOptions naming ``option``.
    """

    name: str
    type: str = "str"
    choices: tuple[str, ...] | None = None
    default: Any = None
    required: bool = False
    elements: str | None = None
    suboptions: Options | None = None
    range: tuple[int, int] | None = None
    convert: Callable[[str, Any], Any] | None = None
    attribute: bool = False
    immutable: bool = False
    read_as: str | None = None
    update_as: str | None = None
    normalizer: Callable[[Any], Any] | None = None
    nitro_default: Any = None  # the appliance's documented default (what an unset restores), when known
    no_log: bool | None = None

    def argument(self) -> dict[str, Any]:
        """The argument spec entry."""
        spec: dict[str, Any] = {"type": self.type}
        if self.choices is not None:
            spec["choices"] = list(self.choices)
        if self.elements is not None:
            spec["elements"] = self.elements
        if self.suboptions is not None:
            spec["options"] = self.suboptions.argument_spec()
        if self.no_log is not None:
            spec["no_log"] = self.no_log
        if self.default is not None:
            spec["default"] = self.default
        if self.required:
            spec["required"] = True
        return spec


class Options:
    """An ordered table of options: the one place a module's options are declared."""

    def __init__(self, *options: Option, short_ranges: bool = False) -> None:
        self.options: dict[str, Option] = {option.name: option for option in options}
        self.short_ranges = short_ranges  # lb_healthcheck words ranges as "allowed 1-60"

    def __iter__(self):
        return iter(self.options.values())

    def __getitem__(self, name: str) -> Option:
        return self.options[name]

    def __contains__(self, name: object) -> bool:
        return name in self.options

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.options)

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(option.name for option in self if option.attribute)

    def argument_spec(self) -> dict[str, dict[str, Any]]:
        return {option.name: option.argument() for option in self}

    def item_options(self, key: str = "name") -> Options:
        """These options as the suboptions of a list item: the key required, no defaults (an item falls back on
        the top-level option, which is the default for every item)."""
        return Options(
            *(replace(option, default=None, required=option.name == key) for option in self),
            short_ranges=self.short_ranges,
        )

    def check(
        self, values: Mapping[str, Any], problems: Problems, *, where: str = "", names: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """Every option of ``names`` (default all) in NITRO's spelling; each bad value adds a message to
        ``problems`` (named ``<where><option>``) and comes back as None."""
        out: dict[str, Any] = {}
        for key in names if names is not None else self.names:
            option = self.options[key]
            value = values.get(key)
            if value is not None and option.range is not None:
                value = problems.check(in_range, f"{where}{key}", value, *option.range, short=self.short_ranges)
            if value is not None and option.convert is not None:
                value = problems.check(option.convert, f"{where}{key}", value)
            out[key] = value
        return out

    def resource(
        self,
        resource: str,
        *,
        key: str = "name",
        state_attr: str | None = None,
        disable_options: tuple[str, ...] = (),
        carry_one_of: tuple[str, ...] = (),
        bulk: bool = True,
    ) -> ResourceSpec:
        """The planner's view of the resource, derived from the ``attribute`` options."""
        attrs = [option for option in self if option.attribute]
        return ResourceSpec(
            resource=resource,
            attributes=tuple(option.name for option in attrs),
            key=key,
            immutable=tuple(option.name for option in attrs if option.immutable),
            read_as={option.name: option.read_as for option in attrs if option.read_as},
            update_as={option.name: option.update_as for option in attrs if option.update_as},
            normalizers={option.name: option.normalizer for option in attrs if option.normalizer},
            state_attr=state_attr,
            disable_options=disable_options,
            carry_one_of=carry_one_of,
            bulk=bulk,
        )


def flag(_option: str, value: Any) -> str | None:
    """A bool option as NITRO's YES/NO string (``_validate.yes_no`` as a converter)."""
    return yes_no(value)
