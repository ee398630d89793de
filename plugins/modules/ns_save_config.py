#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ns_save_config
short_description: Save the NetScaler running configuration, only when it has unsaved changes
version_added: 1.0.0
description:
  - Reads C(nsconfig) and saves the running configuration (C(POST nsconfig?action=save)) only when the appliance
    reports unsaved changes (C(configchanged)), so it reports C(changed) only when it saved something.
  - Roles of this collection call it once after their changes, in their NITRO session, when the run changed something.
author:
  - adcops.netscaler maintainers (@adcops)
options:
  force:
    description:
      - Save even when the appliance reports no unsaved changes. The task then always reports a change.
    type: bool
    default: false
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.actiongroup_nitro
  - adcops.netscaler.attributes.full_support
notes:
  - The O(save_config) connection option is ignored here, since saving is what this module does.
seealso:
  - module: adcops.netscaler.lb_vserver
"""

EXAMPLES = r"""
- name: Save the configuration if anything changed
  adcops.netscaler.ns_save_config:
    nsip: 192.0.2.10
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"

# In a role: handlers/main.yml
- name: Save NetScaler configuration
  adcops.netscaler.ns_save_config:
  listen: netscaler config changed
"""

RETURN = r"""
unsaved_changes:
  description: Whether the appliance reported unsaved changes before the task.
  returned: success
  type: bool
  sample: true
last_saved:
  description: The appliance's C(lastconfigsavetime) after the task.
  returned: when NITRO reports it
  type: str
  sample: "Sat Nov 21 14:05:12 2026"
"""

from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import Option, Options

OPTIONS = Options(Option("force", type="bool", default=False))


def is_true(value: object) -> bool:
    return str(value).strip().casefold() in ("true", "1", "yes")


class SaveConfigManager(ModuleManager):
    def read(self) -> dict:
        found = self.client.get("nsconfig", attrs=["configchanged", "lastconfigchangedtime", "lastconfigsavetime"])
        return found[0] if found else {}

    def plan(self, current: dict) -> Change:
        # `configchanged`: "True if configuration has changed since last saved config" (NITRO reference, nsconfig).
        self.unsaved = is_true(current.get("configchanged"))
        change = Change(before={"unsaved_changes": self.unsaved}, predicted=current, read_back=self.read)
        if self.unsaved or self.params["force"]:
            change.write(self.client.save_config)
        change.after = {"unsaved_changes": False if change.changed else self.unsaved}
        return change

    def returns(self, change: Change, shown: dict) -> dict:
        extra = {"unsaved_changes": self.unsaved}
        if shown.get("lastconfigsavetime"):
            extra["last_saved"] = shown["lastconfigsavetime"]
        return extra


def main() -> None:
    # Saving twice would be pointless; the connection-level save_config means "save after a change".
    NitroModule(OPTIONS.argument_spec()).run(SaveConfigManager, saves=False)


if __name__ == "__main__":
    main()
