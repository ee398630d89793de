#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: role_plan
short_description: Check a role's variables before the role writes anything (the roles' plan step)
version_added: 1.1.0
description:
  - The first task of the roles P(adcops.netscaler.healthchecked_pool#role), P(adcops.netscaler.dsr_vserver#role),
    P(adcops.netscaler.quiet_vip#role) and P(adcops.netscaler.pool_member#role). It runs on the controller and sends
    no request.
  - Reads every variable of the play that starts with the role's name, checks each one with the same rules the
    modules apply (option tables, ranges, choices, names and their NetScaler length limits, a response time
    below the interval), and fails with every problem at once, each named by the role variable that was set.
  - A variable with the role's prefix that the role does not know (a misspelled one) is an error, with the
    closest known name. A missing or empty member list is refused unless V(<role>_allow_empty=true), so that a
    typo or a blank survey answer never empties a live pool.
  - Returns the normalised inputs the role's write tasks carry out in RV(plan) - services and their names,
    bindings and weights, the health check - with IPv6 addresses compressed and duplicates refused.
  - Called a second time with O(current) (what M(adcops.netscaler.lb_vserver) predicts in check mode) it returns
    the members that leave the vserver, and refuses a run that would remove more than
    C(<role>_max_member_removals) of them, still before any write.
  - This is an action plugin for the collection's roles; the rules are in C(plugins/plugin_utils/role_plan.py).
author:
  - adcops.netscaler maintainers (@adcops)
options:
  role:
    description: The role whose variables are checked.
    type: str
    required: true
    choices: [healthchecked_pool, dsr_vserver, quiet_vip, pool_member]
  planned:
    description: With O(current), the RV(plan) of the first call.
    type: dict
  current:
    description: The result of M(adcops.netscaler.lb_vserver) in check mode with the planned vserver and members.
    type: dict
  group:
    description:
      - With O(current), the result of M(adcops.netscaler.lb_servicegroup) in check mode for the pool's service
        group (healthchecked_pool), whose members count in the removal budget while the vserver binds it.
    type: dict
    version_added: 1.1.0
attributes:
  check_mode:
    support: full
    description: Sends no request and changes nothing, in check mode or not.
  diff_mode:
    support: none
    description: Returns no diff.
  action:
    support: full
    description: Runs on the controller as an action plugin.
notes:
  - The role variables it knows are the options of the role's C(meta/argument_specs.yml) and the names the role
    registers or sets itself.
"""

EXAMPLES = r"""
- name: Plan the pool from the role's variables
  adcops.netscaler.role_plan:
    role: healthchecked_pool
  register: healthchecked_pool_plan
"""

RETURN = r"""
plan:
  description: The role's inputs, checked and normalised (first call).
  returned: without O(current)
  type: dict
leaving:
  description: The services that leave the vserver in this run, as C({name}) items (second call).
  returned: with O(current)
  type: list
  elements: dict
services_before:
  description: The services the vserver bound before the run (second call).
  returned: with O(current)
  type: list
  elements: str
servicegroups_before:
  description: The service groups the vserver bound before the run (second call, healthchecked_pool).
  returned: with O(current), for healthchecked_pool
  type: list
  elements: str
switch:
  description:
    - V(to_servicegroup) or V(to_services) when this run moves a live pool's members from one form to the other
      (make-before-break), else empty (second call, healthchecked_pool).
  returned: with O(current), for healthchecked_pool
  type: str
vserver:
  description:
    - The O(adcops.netscaler.lb_vserver#module:services) and O(adcops.netscaler.lb_vserver#module:servicegroups) the
      vserver's write binds; during a switch the old form is left bound (second call, healthchecked_pool).
  returned: with O(current), for healthchecked_pool
  type: dict
unbind:
  description: The bindings of the old form to remove once the new one is bound; empty when none (healthchecked_pool).
  returned: with O(current), for healthchecked_pool
  type: dict
servicegroups_after:
  description: The service groups the vserver binds after the run (healthchecked_pool).
  returned: with O(current), for healthchecked_pool
  type: list
  elements: str
delete_servicegroup:
  description: Whether the pool's service group is to be deleted (unless another vserver binds it).
  returned: with O(current), for healthchecked_pool
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "role": {
                "type": "str",
                "required": True,
                "choices": ["healthchecked_pool", "dsr_vserver", "quiet_vip", "pool_member"],
            },
            "planned": {"type": "dict"},
            "current": {"type": "dict"},
            "group": {"type": "dict"},
        },
        supports_check_mode=True,
    )
    module.fail_json(msg="adcops.netscaler.role_plan runs as an action plugin on the controller, not as a module")


if __name__ == "__main__":
    main()
