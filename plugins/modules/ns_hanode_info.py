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
    RV(ha_role), so that a play run against both nodes of an HA pair can configure the one true primary and skip
    the secondary before it sends any write.
  - NITRO lists the local node as node C(0) and the peer, when there is one, with an id from 1 to 64; each node's
    C(state) is its HA master state, C(Primary), C(Secondary) or C(UNKNOWN), as the NITRO reference
    (configuration/ha/hanode) documents it.
  - "Only two situations are configurable (RV(configurable)): a node that lists no peer and is itself C(Primary)
    (V(standalone)), and a C(Primary) node whose one peer is C(Secondary) (V(primary)). A C(Secondary) node whose one
    peer is C(Primary) is V(secondary). Everything else is V(unknown) and never configurable: both nodes
    C(Primary) (split brain: each node's configuration would diverge, and the node that loses the election
    overwrites the other's), a peer in state C(UNKNOWN) (heartbeats lost: from each side this is what a split brain
    looks like), both C(Secondary), more than one peer, and a node whose own state is not C(Primary) with no peer
    listed."
  - That a standalone appliance lists only node 0, in state C(Primary), is inferred from the C(show ha node)
    documentation, not verified on an appliance. So is the no-peer window; NetScaler documents that
    C(set ha node -hastatus STAYSECONDARY) "works on both a standalone and a secondary" node and is set on a
    standalone node before it is added to a pair, so such a node lists itself C(Secondary) with no peer (inferred).
    Either way the node is not a primary that synchronises to anyone, so nothing is written to it.
  - With O(gate=true) the module fails when the node is neither configurable nor a secondary, naming both nodes and
    their states, having sent only the one GET.
  - With O(since) (this module's earlier result, read before a run's writes) it reads the nodes again and fails if
    the node is no longer what it was, any node's master state or the peer changed, or the local node's
    C(masterstatetime) went back (it left its master state and came back during the run). Run it after the last
    write of a run, in the same session; with O(writes_applied=true) the failure reports C(changed) and says that
    the change went to a node that is no longer primary and will be overwritten by synchronisation, naming the new
    primary.
  - "Requests: one GET (plus login and logout, unless O(nitro_auth_token) gives a session)."
  - Configuration synchronisation between the nodes is not this module's business; on the primary, NetScaler
    propagates and synchronises the configuration to the secondary itself (C(haprop), C(hasync)).
author:
  - adcops.netscaler maintainers (@adcops)
options:
  gate:
    description:
      - Fail, having written nothing, unless the node is standalone, primary or secondary (RV(ha_role) other than
        V(unknown)). The message names both nodes and their master states.
    type: bool
    default: false
  since:
    description:
      - The registered result of an earlier run of this module on the same node (its RV(local_node) and
        RV(peer_nodes) are used). The module then fails if the HA state changed since that read.
    type: dict
  writes_applied:
    description:
      - With O(since), whether writes were applied since that read. A failure then reports C(changed=true).
    type: bool
    default: false
extends_documentation_fragment:
  - adcops.netscaler.connection
  - adcops.netscaler.attributes
  - adcops.netscaler.attributes.info_module
  - adcops.netscaler.attributes.actiongroup_nitro
seealso:
  - name: NITRO API reference, hanode
    description: The configuration resource this module reads (its read-only C(state) is the HA master state).
    link: https://developer-docs.netscaler.com/en-us/adc-nitro-api/current-release/configuration/ha/hanode
  - name: Forcing the secondary node to stay secondary
    description: STAYSECONDARY on a standalone node, the no-peer window.
    link: "https://docs.netscaler.com/en-us/netscaler-gateway/current-release/high-availability/\
      ng-ha-force-node-failover-con/ng-ha-force-secondary-stay-secondary-tsk.html"
  - name: "CTX122346: force a node to stay primary or secondary"
    description: Two nodes primary at the same time is a split brain.
    link: https://support.citrix.com/s/article/CTX122346-how-to-force-a-netscaler-appliance-in-high-availability-setup-to-stay-as-primary-or-secondary
"""

EXAMPLES = r"""
# Against both nodes of a pair (inventory hosts ns-a and ns-b): configure the primary only.
- name: Read the node's HA role; fail on split brain or an unknown state
  adcops.netscaler.ns_hanode_info:
    nsip: "{{ ansible_host }}"
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    gate: true
  register: ha

- name: Skip the secondary node, which receives the configuration from the primary
  when: ha.ha_role == 'secondary'
  block:
    - name: Say why this node is skipped
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }} is the HA secondary: skipped, its primary {{ ha.primary }} synchronises to it"
    - name: Stop here for this node
      ansible.builtin.meta: end_host

# ... the writes ...

- name: After the last write, check that the node is still the primary
  adcops.netscaler.ns_hanode_info:
    nsip: "{{ ansible_host }}"
    nitro_user: nsroot
    nitro_pass: "{{ vault_nitro_pass }}"
    since: "{{ ha }}"
    writes_applied: true
"""

RETURN = r"""
ha_role:
  description:
    - V(standalone) when the appliance lists no HA peer and is C(Primary), V(primary) (C(Primary) with a
      C(Secondary) peer), V(secondary) (C(Secondary) with a C(Primary) peer), else V(unknown) (RV(reason) says why).
  returned: success
  type: str
  sample: primary
configurable:
  description:
    - Whether configuration may be written to this node, that is whether it is standalone or primary.
  returned: success
  type: bool
  sample: true
reason:
  description: Why the node is V(unknown), naming every node and its master state; empty otherwise.
  returned: success
  type: str
  sample: "split brain: both nodes report Primary (node 0 192.0.2.10 (this node): Primary; node 1 192.0.2.11: Primary)"
nodes:
  description: Every node and its master state, for a person.
  returned: success
  type: str
  sample: "node 0 192.0.2.10 (this node): Primary; node 1 192.0.2.11: Secondary"
primary:
  description: The address of the node in state C(Primary) when exactly one node is; else null (split brain, none).
  returned: success
  type: str
  sample: 192.0.2.11
given_session:
  description:
    - Whether the read ran in a session the caller gave as O(nitro_auth_token) (the play's or the including role's),
      which the caller logs out of; V(false) for a token from E(NETSCALER_NITRO_AUTH_TOKEN), which belongs to whoever
      issued it, and when the module logged in itself.
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

import os
from typing import Any

from ansible_collections.adcops.netscaler.plugins.module_utils._client import NitroError
from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule
from ansible_collections.adcops.netscaler.plugins.module_utils._options import Option, Options
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import ApplianceStateError, InvalidOptions

LOCAL_NODE_ID = "0"
MASTER_STATES = ("Primary", "Secondary", "UNKNOWN")

OPTIONS = Options(
    Option("gate", type="bool", default=False),
    Option("since", type="dict"),
    Option("writes_applied", type="bool", default=False),
)


def master_state(node: dict[str, Any]) -> str:
    """NITRO's spelling of a node's master state; anything else as the appliance wrote it."""
    raw = str(node.get("state", "")).strip()
    return next((state for state in MASTER_STATES if state.casefold() == raw.casefold()), raw or "(none)")


def describe_nodes(local: dict[str, Any], peers: list[dict[str, Any]]) -> str:
    def one(node: dict[str, Any], this: bool) -> str:
        mark = " (this node)" if this else ""
        return f"node {node.get('id', '?')} {node.get('ipaddress', '?')}{mark}: {master_state(node)}"

    return "; ".join([one(local, True), *(one(peer, False) for peer in peers)])


def ha_role(local: dict[str, Any], peers: list[dict[str, Any]]) -> tuple[str, str]:
    """(role, reason): standalone, primary or secondary with an empty reason, or unknown and why."""
    own = master_state(local)
    if not peers:
        if own == "Primary":
            return "standalone", ""
        return "unknown", (
            f"this node's master state is {own} and it lists no peer node: it is not a standalone primary (a node "
            "set to STAYSECONDARY before it joins a pair, or one leaving or joining a pair, reads so; inferred)"
        )
    if len(peers) > 1:
        return "unknown", f"{len(peers)} peer nodes listed; an HA pair has one"
    peer = master_state(peers[0])
    if (own, peer) == ("Primary", "Secondary"):
        return "primary", ""
    if (own, peer) == ("Secondary", "Primary"):
        return "secondary", ""
    if (own, peer) == ("Primary", "Primary"):
        return "unknown", "split brain: both nodes report Primary"
    return "unknown", "the pair is not exactly one Primary and one Secondary"


def primary_of(local: dict[str, Any], peers: list[dict[str, Any]]) -> str | None:
    primaries = [node for node in (local, *peers) if master_state(node) == "Primary"]
    return str(primaries[0].get("ipaddress")) if len(primaries) == 1 else None


def _seconds(node: dict[str, Any]) -> float | None:
    try:
        return float(node.get("masterstatetime"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _shape(local: dict[str, Any], peers: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(str(n.get("id", "")).strip(), str(n.get("ipaddress", "")), master_state(n)) for n in (local, *peers)]


class HaNodeInfoManager(ModuleManager):
    def validate(self) -> None:
        since = self.params.get("since")
        if since is not None and not isinstance(since.get("local_node"), dict):
            raise InvalidOptions("since: give the registered result of an earlier ns_hanode_info run (no local_node)")
        if self.params["writes_applied"] and since is None:
            raise InvalidOptions("writes_applied needs since: the read it compares with")

    def read(self) -> dict[str, Any]:
        since = self.params.get("since")
        if since is not None and self.params["writes_applied"]:
            # A failure of the read itself, after the run's writes, reports them too (NitroModule.run).
            self.client.changed = True
        nodes = self.client.get("hanode")
        local = [node for node in nodes if str(node.get("id", "")).strip() == LOCAL_NODE_ID]
        if not local:
            raise NitroError("the answer lists no local node (id 0)", operation="get", resource="hanode")
        peers = [node for node in nodes if node not in local]
        role, reason = ha_role(local[0], peers)
        nodes_text = describe_nodes(local[0], peers)
        nsip = self.nitro.connection_settings()["nsip"]
        if self.params["gate"] and role == "unknown":
            raise ApplianceStateError(
                f"{nsip}: HA pair not safe to configure, nothing written: {reason} ({nodes_text}). Run again once "
                "the pair has exactly one Primary and one Secondary."
            )
        if since is not None:
            self.compare(since, local[0], peers, nsip)
        self.client.changed = False
        return {
            "ha_role": role,
            "configurable": role in ("standalone", "primary"),
            "reason": f"{reason} ({nodes_text})" if reason else "",
            "nodes": nodes_text,
            "primary": primary_of(local[0], peers),
            "given_session": self.given_session(),
            "local_node": local[0],
            "peer_nodes": peers,
        }

    def plan(self, current: dict[str, Any]) -> Change:
        return Change(predicted=current)  # reads only: nothing to write, the same report in check mode

    def returns(self, change: Change, shown: dict[str, Any]) -> dict[str, Any]:
        return dict(shown)

    def given_session(self) -> bool:
        """A session token given as a task option: the play's or the including role's, which they log out of.
        A token from NETSCALER_NITRO_AUTH_TOKEN (a credential's) belongs to whoever issued it."""
        token = self.nitro.connection_settings()["auth_token"]
        return bool(token) and token != os.environ.get("NETSCALER_NITRO_AUTH_TOKEN", "").strip()

    def compare(self, since: dict[str, Any], local: dict[str, Any], peers: list[dict[str, Any]], nsip: str) -> None:
        role = ha_role(local, peers)[0]
        now = describe_nodes(local, peers)
        before_local = since["local_node"]
        before_peers = [p for p in since.get("peer_nodes") or [] if isinstance(p, dict)]
        before_role = ha_role(before_local, before_peers)[0]
        before = describe_nodes(before_local, before_peers)
        then_s, now_s = _seconds(before_local), _seconds(local)
        flipped = then_s is not None and now_s is not None and now_s < then_s
        if _shape(before_local, before_peers) == _shape(local, peers) and not flipped:
            return
        wrote = self.params["writes_applied"]
        new_primary = primary_of(local, peers)
        successor = f"the new primary {new_primary}" if new_primary else "whichever node becomes primary"
        still = role in ("standalone", "primary")
        if not still:
            what = f"{nsip} is no longer primary (now {role})"
        elif flipped:
            what = (
                f"{nsip} left its master state and came back during the run (masterstatetime {now_s:g} s, was "
                f"{then_s:g} s)"
            )
        else:
            what = f"the HA state of {nsip} changed during the run"
        if not wrote:
            consequence = "Nothing was written in this run; run again against the pair."
        elif not still:
            consequence = (
                "This run's changes went to a node that is no longer primary and will be overwritten by "
                f"synchronisation from {successor}; "
                "run again against the pair."
            )
        else:
            consequence = (
                "This run's changes went to this node while the pair changed, so synchronisation may overwrite them; "
                "run again against the pair."
            )
        raise ApplianceStateError(
            f"{what}. Before the run: {before} (role {before_role}); now: {now}. New primary: "
            f"{new_primary or 'none'}. {consequence}"
        )


def main() -> None:
    NitroModule(OPTIONS.argument_spec()).run(HaNodeInfoManager)


if __name__ == "__main__":
    main()
