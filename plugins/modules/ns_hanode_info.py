#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ns_hanode_info
short_description: Read whether a NetScaler is standalone, or the primary or the secondary node of an HA pair
version_added: 1.0.0
description:
  - Reads the appliance's high-availability nodes (NITRO C(hanode)) and reports the local node's role in
    RV(ha_role), so that a play run against both nodes of an HA pair can configure the primary and skip the
    secondary before it sends any write.
  - NITRO lists the local node as node C(0) and the peer, when there is one, with an id from 1 to 64; the
    local node's C(state) is its master state (C(Primary), C(Secondary) or C(UNKNOWN)), as the NITRO reference
    (configuration/ha/hanode) documents it.
  - An appliance that lists no peer node is C(standalone). That a standalone appliance lists only node 0 is
    inferred from the C(show ha node) documentation, not verified on an appliance.
  - "Requests: one GET (plus login and logout)."
  - Configuration synchronisation between the nodes is not this module's business; on the primary, NetScaler
    propagates and synchronises the configuration to the secondary itself (C(haprop), C(hasync)).
author:
  - adcops.netscaler maintainers (@adcops)
options: {}
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.info_module
  - adcops.netscaler.attributes.actiongroup_nitro
seealso:
  - name: NITRO API reference, hanode
    description: The configuration resource this module reads.
    link: https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ha/hanode
"""

EXAMPLES = r"""
# Against both nodes of a pair (inventory hosts ns-a and ns-b): configure the primary only.
- name: Read the node's HA role
  adcops.netscaler.ns_hanode_info:
    nsip: "{{ ansible_host }}"
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
  register: ha

- name: Skip the secondary node, which receives the configuration from the primary
  when: ha.ha_role == 'secondary'
  block:
    - name: Say why this node is skipped
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }} is the HA secondary: skipped, the primary synchronises its configuration"
    - name: Stop here for this node
      ansible.builtin.meta: end_host

- name: Refuse to write while the node's role is unknown (failover in progress)
  ansible.builtin.assert:
    that: ha.configurable
    fail_msg: "{{ inventory_hostname }}: HA master state {{ ha.local_node.state }}; not configuring it"
"""

RETURN = r"""
ha_role:
  description:
    - V(standalone) when the appliance has no HA peer, else the local node's role in the pair, V(primary),
      V(secondary), or V(unknown) (for example while the nodes claim the primary role).
  returned: success
  type: str
  sample: primary
configurable:
  description:
    - Whether configuration should be written to this node, that is whether it is standalone or primary.
  returned: success
  type: bool
  sample: true
local_node:
  description: The local node (id 0) as NITRO returns it.
  returned: success
  type: dict
  sample: {"id": "0", "ipaddress": "192.0.2.10", "state": "Primary", "hastatus": "ENABLED", "hasync": "ENABLED"}
peer_nodes:
  description: The other nodes NITRO lists (the HA peer), as NITRO returns them; empty when standalone.
  returned: success
  type: list
  elements: dict
  sample: [{"id": "1", "ipaddress": "192.0.2.11", "state": "Secondary"}]
"""

from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroError
from ansible_collections.adcops.netscaler.plugins.module_utils._module import ModuleManager, NitroModule

LOCAL_NODE_ID = "0"
ROLES = {"primary": "primary", "secondary": "secondary"}


def ha_role(local: dict[str, Any], peers: list[dict[str, Any]]) -> str:
    if not peers:
        return "standalone"
    return ROLES.get(str(local.get("state", "")).strip().casefold(), "unknown")


class HaNodeInfoManager(ModuleManager):
    def run(self) -> dict[str, Any]:
        nodes = self.client.get("hanode")
        local = [node for node in nodes if str(node.get("id", "")).strip() == LOCAL_NODE_ID]
        if not local:
            raise NitroError("the answer lists no local node (id 0)", operation="get", resource="hanode")
        peers = [node for node in nodes if node not in local]
        role = ha_role(local[0], peers)
        return {
            "changed": False,
            "ha_role": role,
            "configurable": role in ("standalone", "primary"),
            "local_node": local[0],
            "peer_nodes": peers,
        }


def main() -> None:
    NitroModule({}).run(HaNodeInfoManager)


if __name__ == "__main__":
    main()
