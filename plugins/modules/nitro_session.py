#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: nitro_session
short_description: Open or close one NITRO session that many tasks share
version_added: 1.0.0
description:
  - Without a session, every task of this collection logs in to NITRO at its start and logs out at its end. On an
    appliance each login costs far more than a request (it is authenticated, and NetScaler limits concurrent
    sessions), so a play of many tasks spends much of its time logging in.
  - O(state=present) logs in once (C(POST /nitro/v1/config/login)) and returns the session token, which later tasks
    take as O(nitro_auth_token), typically through C(module_defaults) of the C(group/adcops.netscaler.nitro) group.
    O(state=absent) logs out of it (C(POST /nitro/v1/config/logout)). The roles of this collection do exactly this,
    with the logout in an C(always) section so that it runs when a task fails.
  - Give the later tasks O(nitro_user) and O(nitro_pass) too. If the session expires during the play, each task
    that finds it expired logs in once with them and logs out of that session of its own at its end.
  - Opening or closing a session changes no configuration, so the module never reports C(changed) and does the
    same in check mode as otherwise.
author:
  - adcops.netscaler maintainers (@adcops)
options:
  state:
    description:
      - V(present) logs in with O(nitro_user) and O(nitro_pass) and returns the new session's token.
        If only O(nitro_auth_token) is set (no credentials), there is nothing to open and no token is returned.
      - V(absent) logs out of the session O(nitro_auth_token). A session that has already expired or been killed
        is not an error (RV(logged_out) is then V(false)).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.actiongroup_nitro
attributes:
  check_mode:
    support: full
    details:
      - A session is not configuration, so check mode logs in and out as a normal run does.
  diff_mode:
    support: none
notes:
  - The module's action plugin hides a result that carries a token from every output (as C(no_log) would), and only
    that result, so a failed login shows its reason (HTTP status, NITRO errorcode, message, what to check) on every
    supported ansible-core; C(register) still holds the token for later tasks. Do not mark the task C(no_log); on
    ansible-core 2.16 to 2.18 that hides the reason of a failure too. The token options of every module of this
    collection are C(no_log) already.
  - O(save_config) is ignored, since a session changes no configuration.
seealso:
  - module: adcops.netscaler.lb_vserver
"""

EXAMPLES = r"""
- name: One NITRO session for a whole play
  hosts: netscalers
  connection: local
  gather_facts: false
  module_defaults:
    group/adcops.netscaler.nitro:
      nsip: "{{ ansible_host }}"
      nitro_user: "{{ vault_nitro_user }}"
      nitro_pass: "{{ vault_nitro_pass }}"
      nitro_auth_token: "{{ nitro.nitro_auth_token | default(omit) }}"
  tasks:
    - name: Work on the appliance in one session
      block:
        - name: Log in once
          adcops.netscaler.nitro_session:
          register: nitro  # the token is hidden from the output, not from later tasks

        - name: Every later task of the group uses the session
          adcops.netscaler.lb_vserver:
            name: web
            ipv46: 192.0.2.80
            port: 80
            servicetype: HTTP
      always:
        - name: Log out, even when a task failed
          adcops.netscaler.nitro_session:
            state: absent
          when: nitro.nitro_auth_token is defined
"""

RETURN = r"""
nitro_auth_token:
  description:
    - The new session's token, for O(nitro_auth_token) of later tasks. Secret while the session lasts.
  returned: when O(state=present) logged in
  type: str
  sample: "##0123456789ABCDEF"
logged_in:
  description: Whether O(state=present) opened a session.
  returned: when O(state=present)
  type: bool
  sample: true
logged_out:
  description: Whether O(state=absent) closed a live session (V(false) if it had already expired or been killed).
  returned: when O(state=absent)
  type: bool
  sample: true
"""

from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import Option, Options
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import InvalidOptions

OPTIONS = Options(Option("state", choices=("present", "absent"), default="present"))


class SessionManager(ModuleManager):
    def validate(self) -> None:
        if self.params["state"] == "absent" and not self.params.get("nitro_auth_token"):
            raise InvalidOptions("state=absent needs nitro_auth_token: the session to log out of")

    def read(self) -> dict:
        """The session itself, which is this module's whole work and no configuration: check mode opens and closes
        it too (the client's read-only guard refuses configuration writes, not login and logout)."""
        if self.params["state"] == "absent":
            return {"logged_out": self.client.end_session()}
        if not (self.params.get("nitro_user") and self.params.get("nitro_pass")):
            if self.params.get("nitro_auth_token"):
                # A token and no credentials: the caller's session is the one to use.
                return {"logged_in": False}
            raise InvalidOptions("state=present needs nitro_user and nitro_pass to log in")
        return {"logged_in": True, "nitro_auth_token": self.client.open_session()}

    def plan(self, current: dict) -> Change:
        return Change(predicted=current)

    def returns(self, change: Change, shown: dict) -> dict:
        return dict(shown)


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(SessionManager, saves=False)


if __name__ == "__main__":
    main()
