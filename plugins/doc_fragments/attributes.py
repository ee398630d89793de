# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Standard attributes of a module that changes configuration.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
      In check mode the module sends only GET requests to NITRO (plus login and logout).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
      The diff shows the managed attributes before and after, as NITRO names them.
"""

    # A module that changes configuration with full check mode and diff support (most of them).
    FULL_SUPPORT = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

    # For modules that only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
"""

    ACTIONGROUP_NITRO = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/adcops.netscaler.nitro) in C(module_defaults) to set the connection options once
      for all modules of this collection.
    support: full
    membership:
      - adcops.netscaler.nitro
"""
