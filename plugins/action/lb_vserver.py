# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of adcops.netscaler.lb_vserver: on the controller the module runs in a fork of Ansible's worker,
elsewhere as usual (plugins/plugin_utils/_in_process.py)."""

from __future__ import annotations

from ansible_collections.adcops.netscaler.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    pass
