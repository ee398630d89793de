#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dsr_loopback
short_description: Hold Direct Server Return VIPs on a Linux backend without answering ARP for them
version_added: 1.0.0
description:
  - Configures a Linux backend (real server) of a load balancer in Direct Server Return mode (NetScaler MAC-based
    forwarding, LVS direct routing), where the load balancer rewrites only the destination MAC and the backend
    answers the client itself with the VIP as source.
  - Raises C(net.ipv4.conf.all.arp_ignore) to at least 1 and C(net.ipv4.conf.all.arp_announce) to at least 2 (and
    the same on the VIP's device) B(before) the VIP is added, so there is no moment where the host answers ARP for
    the VIP. Values that are already higher are left alone. IPv6 VIPs need no such setting, because the kernel
    answers a neighbour solicitation only for addresses of the device it arrives on.
  - Adds each VIP as a host prefix (/32, /128) to a dummy device or to C(lo), then checks that C(ip route get VIP)
    says C(local), that the prefix is a host prefix and that the effective C(arp_ignore) and C(arp_announce) of
    every other interface (the larger of C(all) and the interface's own value) are at least 1 and 2.
  - With O(persist=true) it writes a C(/etc/sysctl.d/90-adcops-dsr.conf) drop-in and the configuration of the
    network stack that owns the host (systemd-networkd, NetworkManager keyfile, ifupdown C(interfaces.d), netplan),
    so the VIPs come back at boot and the stack does not remove them. It tells a running networkd or NetworkManager
    to reload its files (and runs C(netplan generate)), but never restarts or re-applies the network.
  - VIPs belong to an O(owner) (one DSR service, for example the vserver's name), recorded with each VIP. O(vips) is
    the whole set of that owner (a VIP the owner added earlier and no longer lists is removed), while the VIPs of
    other owners stay. A VIP held by several owners stays until the last of them removes it. With O(exclusive=true)
    O(vips) is the whole set of the host, and the VIPs of every other owner are removed.
  - The record (the sysctl values from before, each VIP with its owner) is written B(before) anything changes, so
    O(state=absent) also undoes a run that failed half way.
  - O(state=absent) removes the VIPs its owner holds (also when O(vips) is empty; listed VIPs no owner holds are
    removed too), the dummy device it created once no VIP is left there, and, with the last owner, its files, and
    puts back the sysctl values recorded before the first run when they still hold the values it set. Other
    addresses, also on C(lo), are never touched.
  - Refuses, before any change, a VIP that is an address of another interface or a gateway of any route of the
    host (holding the router's address locally cuts the host off from it), and a O(dummy_name) outside the safe set.
  - After adding the VIPs it waits, at most 10 seconds, until C(ip route get) reports each VIP as C(local) and no VIP
    is C(tentative), because the kernel installs an IPv6 address's local route asynchronously.
author:
  - adcops.netscaler maintainers (@adcops)
options:
  vips:
    description:
      - The VIPs, IPv4 or IPv6 addresses, optionally with their host prefix (C(/32), C(/128)). A network or a
        shorter prefix is refused, because on C(lo) the kernel makes the whole prefix local.
      - Required with O(state=present).
    type: list
    elements: str
    default: []
  interface:
    description:
      - Where the VIPs live. V(dummy) is a dummy device named O(dummy_name) (needs the kernel's C(dummy) driver).
        V(lo) is the loopback device. V(auto) uses a dummy device when the driver is available and C(lo) otherwise,
        and returns the reason.
    type: str
    choices: [auto, dummy, lo]
    default: auto
  dummy_name:
    description:
      - Name of the dummy device. 1 to 15 letters, digits, V(_) or V(-), starting with a letter or digit, and not
        V(all), V(default) or V(lo); anything else is refused before any change, because the name is written into
        files that a shell (ifupdown), systemd, NetworkManager and netplan read.
    type: str
    default: dsr0
  owner:
    description:
      - The owner of the listed VIPs, usually the DSR service (vserver) they belong to. Each VIP is recorded with its
        owner, so several services share a backend and each is added and removed on its own.
      - Records written before owners existed belong to V(default).
    type: str
    default: default
  exclusive:
    description:
      - With V(true), O(vips) is the whole set of VIPs the module holds on this host. With O(state=present) the VIPs
        of other owners are removed, with O(state=absent) every recorded VIP of every owner is removed.
    type: bool
    default: false
  network_stack:
    description:
      - The network configuration system that persists the VIPs. V(auto) detects it (a netplan configuration,
        then a running NetworkManager, then a running systemd-networkd, then ifupdown with
        C(/etc/network/interfaces)) and returns what it found. V(none) writes only the sysctl drop-in.
    type: str
    choices: [auto, networkd, networkmanager, ifupdown, netplan, none]
    default: auto
  persist:
    description:
      - Write the sysctl drop-in and the network stack's configuration. With V(false) only the running state
        changes (and files written by an earlier run are removed); the record needed by O(state=absent) is then
        kept under C(/run).
    type: bool
    default: true
  state:
    description: V(present) adds and persists the VIPs; V(absent) removes what the module added.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Needs root, iproute2 (C(ip -j)) and Linux. The service on the backend must listen on the VIP (or on
    0.0.0.0 / ::), and its health check must probe the backend's own address, not the VIP.
  - Reverse path filtering (C(rp_filter)) is not changed; strict mode breaks DSR only when requests arrive on an
    interface that is not the route back to the client.
  - C(arp_ignore) and C(arp_announce) on C(all) change ARP for the whole host (ip-sysctl documentation of the Linux
    kernel).
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Returns the addresses, sysctls and files before and after.
    support: full
  platform:
    description: Target platform.
    support: full
    platforms: posix
seealso:
  - name: Linux kernel ip-sysctl documentation (arp_ignore, arp_announce)
    description: The kernel's description of the ARP settings and of how C(all) and the interface combine.
    link: https://docs.kernel.org/networking/ip-sysctl.html
  - name: Citrix CTX110501 How to Configure Direct Server Return
    description: Backends hold the VIP on a loopback interface that does not answer ARP.
    link: https://support.citrix.com/article/CTX110501
"""

EXAMPLES = r"""
- name: Hold two DSR VIPs, persisted by whatever owns the host's network
  adcops.netscaler.dsr_loopback:
    vips:
      - 192.0.2.10
      - 2001:db8::10

- name: Only on lo, only until the next reboot
  adcops.netscaler.dsr_loopback:
    vips: [192.0.2.10]
    interface: lo
    persist: false

- name: Two DSR services on the same backend, each with its own VIP
  adcops.netscaler.dsr_loopback:
    vips: ["{{ item.vip }}"]
    owner: "{{ item.name }}"
  loop:
    - {name: dsr-web, vip: 192.0.2.10}
    - {name: dsr-api, vip: 192.0.2.11}

- name: Remove the VIPs of one service (found in the record), the other keeps its VIP
  adcops.netscaler.dsr_loopback:
    owner: dsr-api
    state: absent

- name: Remove everything every earlier run added, for every owner
  adcops.netscaler.dsr_loopback:
    state: absent
    exclusive: true
"""

RETURN = r"""
owner:
  description: The owner the run acted for.
  returned: always
  type: str
  sample: dsr-web
held_by_others:
  description: VIPs (with their owner) that other owners still hold after this run.
  returned: always
  type: list
  elements: str
  sample: ["192.0.2.11/32 (dsr-api)"]
interface:
  description: The device that holds the VIPs.
  returned: always
  type: str
  sample: lo
interface_reason:
  description: Why that device was chosen.
  returned: always
  type: str
  sample: "interface=auto: kernel 6.1.0 has no dummy driver, so the VIPs go on lo as host prefixes"
network_stack:
  description: The stack whose files persist the VIPs (V(none) when nothing but sysctls is persisted).
  returned: state=present
  type: str
  sample: networkd
network_stack_reason:
  description: How the stack was chosen, with the evidence.
  returned: state=present
  type: str
  sample: systemd-networkd is running
vips:
  description: The VIPs with their host prefixes.
  returned: state=present
  type: list
  elements: str
  sample: [192.0.2.10/32, 2001:db8::10/128]
files:
  description: The files that hold the configuration.
  returned: state=present
  type: list
  elements: str
  sample: [/etc/sysctl.d/90-adcops-dsr.conf, /etc/systemd/network/60-adcops-dsr-lo.network]
checks:
  description:
    - The post-checks. C(ok) is false only in check mode (a real run that fails a check fails the task).
    - C(vips) has per VIP the type C(ip route get) reports, whether it is C(local) and whether the prefix is a
      C(host_prefix). C(uplinks) has per other interface the effective C(arp_ignore) and C(arp_announce).
  returned: state=present
  type: dict
  sample:
    ok: true
    vips: {"192.0.2.10": {"route": "local", "local": true, "host_prefix": true}}
    uplinks: {"eth0": {"arp_ignore": 1, "arp_ignore_ok": true, "arp_announce": 2, "arp_announce_ok": true}}
removed_addresses:
  description:
    - Addresses removed. With O(state=absent) the owner's VIPs that no other owner holds; with O(state=present) VIPs
      the owner (or, with O(exclusive=true), any owner) added earlier that are no longer listed.
  returned: always
  type: list
  elements: str
removed_links:
  description: Dummy devices deleted by O(state=absent).
  returned: state=absent
  type: list
  elements: str
restored_sysctls:
  description: Sysctls put back to their values from before the first run.
  returned: state=absent
  type: dict
removed_files:
  description: Files removed by O(state=absent).
  returned: state=absent
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.adcops.netscaler.plugins.module_utils._dsr_linux import (
    DsrError,
    DsrLoopback,
    Host,
    Options,
)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "vips": {"type": "list", "elements": "str", "default": []},
            "interface": {"type": "str", "choices": ["auto", "dummy", "lo"], "default": "auto"},
            "dummy_name": {"type": "str", "default": "dsr0"},
            "owner": {"type": "str", "default": "default"},
            "exclusive": {"type": "bool", "default": False},
            "network_stack": {
                "type": "str",
                "choices": ["auto", "networkd", "networkmanager", "ifupdown", "netplan", "none"],
                "default": "auto",
            },
            "persist": {"type": "bool", "default": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        supports_check_mode=True,
    )
    if not module.get_bin_path("ip"):
        module.fail_json(msg="iproute2 (the ip command) is required on the backend")
    options = Options(**{key: module.params[key] for key in Options.__dataclass_fields__})
    host = Host(run=module.run_command)
    try:
        manager = DsrLoopback(host, options, module.check_mode)
        result = manager.run()
    except DsrError as exc:
        module.fail_json(msg=str(exc), changed=False)
    except (RuntimeError, OSError, ValueError) as exc:  # ValueError: an iproute2 without JSON output (ip -j)
        # something was applied already: say so, and what; the record was written first, so absent can undo it
        msg = str(exc)
        if host.changes:
            msg += (
                f"; applied before the failure: {', '.join(host.changes)}; the rest was not applied; "
                f"state=absent with owner={module.params['owner']!r} puts back what the record holds"
            )
        module.fail_json(msg=msg, changed=bool(host.changes), applied=host.changes)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    for warning in manager.warnings:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
