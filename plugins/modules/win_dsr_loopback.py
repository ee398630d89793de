#!/usr/bin/python
# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the module is win_dsr_loopback.ps1 beside this file.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_dsr_loopback
short_description: Prepare a Windows host as a Direct Server Return (DSR) backend with a loopback adapter
version_added: 1.0.0
description:
  - Makes a Windows server a backend (real server) for a load balancer that only rewrites the destination MAC, such
    as a NetScaler lbvserver in MAC-based forwarding mode (C(-m MAC)). Such a backend must accept packets addressed
    to the VIP without ever answering ARP or neighbour discovery for it, and answer the client with the VIP as
    source. Citrix describes the backend side as "a loopback interface configured with the virtual IP address"
    (CTX110501, U(https://support.citrix.com/article/CTX110501)).
  - Finds the Microsoft KM-TEST Loopback Adapter by its hardware id C(*MSLOOP), or creates one from the in-box
    C(%WINDIR%\\inf\\netloop.inf) through SetupAPI, with no external tool, package manager or download. The
    driver is selected from that INF and installed on the new device alone (C(DIF_SELECTBESTCOMPATDRV),
    C(DIF_INSTALLDEVICE), U(https://learn.microsoft.com/windows-hardware/drivers/install/dif-installdevice)), not
    with C(UpdateDriverForPlugAndPlayDevices) as DevCon's C(install) does, which would reinstall the driver of
    every other KM-TEST adapter on the host and make their VIPs disappear for a moment. The adapter is then
    renamed to O(adapter_name).
  - After creating the adapter the module waits, up to O(adapter_timeout), until the adapter has an IP interface
    for each VIP family and Windows has registered its IP configuration, since addresses and settings cannot be
    applied before that. When Windows asks for a reboot to finish the driver installation and the adapter is not
    ready in time, the module stops there with RV(reboot_required=true), reports a change and a warning, and
    the next run after the reboot applies the rest.
  - If exactly one KM-TEST adapter exists and none is named O(adapter_name), that one is adopted and renamed
    rather than a second one created. With several unnamed ones the module fails and lists them.
  - Assigns each VIP as a host address (IPv4 C(/32), IPv6 C(/128)) with C(SkipAsSource), so Windows never picks
    the VIP as the source of its own connections and does not register it in DNS
    (U(https://learn.microsoft.com/powershell/module/nettcpip/new-netipaddress)). No gateway is set. A VIP found
    with a wider prefix gets the host prefix in place (C(Set-NetIPAddress -PrefixLength)), so it never leaves the
    adapter.
  - Turns off DNS registration (C(Set-DnsClient -RegisterThisConnectionsAddress $false),
    U(https://learn.microsoft.com/powershell/module/dnsclient/set-dnsclient)) and NetBIOS over TCP/IP
    (C(Win32_NetworkAdapterConfiguration.SetTcpipNetbios(2)),
    U(https://learn.microsoft.com/windows/win32/cimwin32prov/settcpipnetbios-method-in-class-win32-networkadapterconfiguration))
    on the loopback adapter, and DHCP for each address family the adapter is bound to
    (C(Set-NetIPInterface -Dhcp Disabled)), so an IPv6-only VIP list does not leave IPv4 DHCP and an automatic
    private (APIPA) address on it.
  - Since Windows Vista and Server 2008 every interface uses the strong host model by default (TechNet Cable Guy,
    "Strong and Weak Host Models", September 2007). The module enables weak host receive and weak host send on the
    loopback adapter and weak host receive on each uplink interface, for each address family that has a VIP
    (C(Set-NetIPInterface -WeakHostReceive/-WeakHostSend), the same as C(netsh interface ipv4 set interface ...
    weakhostreceive=enabled weakhostsend=enabled),
    U(https://learn.microsoft.com/powershell/module/nettcpip/set-netipinterface)). Microsoft documents the same
    three settings for floating IPs behind Azure Load Balancer
    (U(https://learn.microsoft.com/azure/load-balancer/load-balancer-floating-ip)).
  - Optionally allows inbound traffic to the VIPs on given ports in Windows Firewall, one rule per protocol
    (U(https://learn.microsoft.com/powershell/module/netsecurity/new-netfirewallrule)).
  - Every setting is read first and changed only when it differs, so a second run reports no change.
  - A VIP that already sits on another interface makes the module fail before it changes anything, because that
    interface would answer ARP for it. So does an uplink, or an existing loopback adapter, without a binding for a
    VIP's address family.
  - Runs only in a 64-bit PowerShell on 64-bit Windows (the default of Ansible's connections); a 32-bit one fails
    at once, because SetupAPI refuses to install devices there (C(ERROR_IN_WOW64)).
  - The decisions (which adapter, which addresses to add, fix or remove, which interface settings to change) are
    made by pure functions in the C(DsrLoopbackPlan) module utility; the C(DsrLoopbackDevice) C# utility holds the
    SetupAPI calls.
  - Written from Microsoft's documentation; not every code path has been run on a Windows host by the
    maintainers. See the role C(dsr_backend)'s WINDOWS.md for what was and was not run, and for the integration
    test to run on your own Windows host.
author:
  - adcops.netscaler maintainers (@adcops)
requirements:
  - Windows Server 2012 or later (NetTCPIP, DnsClient and NetSecurity cmdlets); Windows PowerShell 5.1 or later.
  - Administrator rights on the target.
options:
  vips:
    description:
      - The VIPs of the DSR vservers that send traffic to this host, IPv4 or IPv6, as plain addresses or with a
        host prefix (C(/32), C(/128)). Any other prefix is refused, because a wider prefix on the loopback adapter
        would make the whole subnet look local.
      - Unspecified, loopback, multicast and link-local addresses are refused.
      - With O(state=present) at least one is needed; with O(state=absent), the VIPs to remove.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) creates or adopts the adapter and configures everything described above.
      - V(absent) removes the listed VIPs from the adapter. The adapter is the one this module recorded for
        O(adapter_name) (found by its device instance id, even if it was renamed since), else the KM-TEST adapter
        with that name.
      - Once no address is left on the adapter, V(absent) also removes this module's firewall rules and sets each
        uplink's weak host receive back to what it was before this module changed it, except where another
        O(adapter_name) managed by this module relies on it. While other addresses stay on the adapter, the host is
        still a DSR backend for them, so the uplinks are left as they are (with a warning) and the firewall rules
        keep the remaining addresses.
      - If this module created the adapter and no other address is left on it, the adapter is removed as well;
        an adapter the module adopted, or one that still holds other addresses, is kept (and the result says
        why).
    type: str
    choices: [present, absent]
    default: present
  adapter_name:
    description:
      - Name (interface alias) of the loopback adapter. The seed guide's manual steps call it C(LBVS_Loopback).
      - An adapter with this name that is not a KM-TEST loopback adapter makes the module fail.
      - The name also names a registry key and firewall rules, so it must not contain C(\ / * ? " < > |), nor
        start or end with blanks, and it is at most 128 characters long.
    type: str
    default: LBVS_Loopback
  uplink_interfaces:
    description:
      - Interface aliases where the load balancer's traffic arrives; weak host receive is enabled on each of them.
      - When not set, the module detects it only where there is no choice to make, where exactly one interface (the
        KM-TEST loopback adapters left aside) has a usable address of each VIP's family. On a multi-homed host
        the network shared with the load balancer is often not the one with the default route, and weak host
        receive on every interface would make the host accept more than it should, so with several candidates
        the module fails before changing anything and asks for this option. C(Find-NetRoute -RemoteIPAddress
        <NetScaler SNIP>) on the host names the interface to give
        (U(https://learn.microsoft.com/powershell/module/nettcpip/find-netroute)).
    type: list
    elements: str
  purge_vips:
    description:
      - With V(true), addresses on the loopback adapter that are not in O(vips) are removed (link-local and
        automatic private addresses excepted). With V(false), they are left alone and reported in
        RV(unmanaged_addresses).
    type: bool
    default: false
  firewall_ports:
    description:
      - Local ports (C(80)) or port ranges (C(8000-8099)) to allow inbound to the VIPs, for each protocol in
        O(firewall_protocols). One rule per protocol is kept, named C(adcops.netscaler.dsr.<adapter_name>.<protocol>).
      - When not set, Windows Firewall is not touched. An empty list removes this module's rules.
    type: list
    elements: str
  firewall_protocols:
    description: Protocols of the firewall rules made from O(firewall_ports).
    type: list
    elements: str
    choices: [TCP, UDP]
    default: [TCP]
  adapter_timeout:
    description:
      - Seconds to wait for a newly created adapter to appear as a network adapter with an IP interface for each
        VIP family. Past it the module fails, unless Windows asked for a reboot (see O(state)).
    type: int
    default: 30
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - In check mode nothing is created or changed; a missing adapter is reported as one that would be created.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: windows
notes:
  - Creating the adapter can ask for a reboot; the module then returns RV(reboot_required=true) and does not
    reboot. Use C(ansible.windows.win_reboot) when it is true, then run the module again.
  - Errors of the Windows device installation functions keep their code in the message, as
    C(Win32ErrorCode N - 0xXXXXXXXX), for example C(0xE0000235) (C(ERROR_IN_WOW64)).
  - The module does not belong to the C(adcops.netscaler.nitro) action group; it talks to Windows, not to NITRO.
  - The health monitor on the load balancer must probe the server's real IP, and the service must listen on the VIP
    (or on all addresses) as well as on the real IP.
seealso:
  - name: Strong and Weak Host Models (TechNet Cable Guy)
    description: Why Windows Vista and later drop packets for an address held by another interface.
    link: https://learn.microsoft.com/previous-versions/technet-magazine/cc137807(v=msdn.10)
  - name: Set-NetIPInterface
    description: WeakHostReceive and WeakHostSend.
    link: https://learn.microsoft.com/powershell/module/nettcpip/set-netipinterface
  - name: DIF_INSTALLDEVICE
    description: Installs the selected driver on one device; the module uses it for the new loopback adapter.
    link: https://learn.microsoft.com/windows-hardware/drivers/install/dif-installdevice
"""

EXAMPLES = r"""
- name: Hold two VIPs on a KM-TEST loopback adapter and allow HTTP and HTTPS to them
  adcops.netscaler.win_dsr_loopback:
    vips:
      - 192.0.2.10
      - 2001:db8::10
    firewall_ports: ["80", "443"]
  register: dsr

- name: Reboot when the adapter installation asked for it
  ansible.windows.win_reboot:
  when: dsr.reboot_required

- name: Name the uplink explicitly on a host with several NICs
  adcops.netscaler.win_dsr_loopback:
    vips: [192.0.2.10]
    uplink_interfaces: [Ethernet0]

- name: Take the VIPs away again (and the adapter, if this module created it)
  adcops.netscaler.win_dsr_loopback:
    vips: [192.0.2.10, 2001:db8::10]
    firewall_ports: []
    state: absent
"""

RETURN = r"""
adapter:
  description: The loopback adapter after the run (as it would be, in check mode). Empty when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Interface alias.
      type: str
      sample: LBVS_Loopback
    interface_index:
      description: Interface index; C(null) when the adapter does not exist yet (check mode).
      type: int
      sample: 14
    instance_id:
      description: PnP device instance id.
      type: str
      sample: ROOT\NET\0000
    created:
      description: Whether this run created the adapter.
      type: bool
    managed:
      description: Whether this module created the adapter at some point, so that O(state=absent) may remove it.
      type: bool
  sample: {name: LBVS_Loopback, interface_index: 14, instance_id: ROOT\NET\0000, created: false, managed: true}
vips:
  description: The VIPs as the module understood them.
  returned: always
  type: list
  elements: dict
  sample:
    - {address: 192.0.2.10, prefix_length: 32, family: IPv4}
    - {address: 2001:db8::10, prefix_length: 128, family: IPv6}
uplinks:
  description:
    - Interface aliases whose weak host receive the module manages (given or detected).
    - With O(state=absent), the uplinks this adapter name had changed.
  returned: always
  type: list
  elements: str
  sample: [Ethernet0]
unmanaged_addresses:
  description: Addresses on the loopback adapter that are not VIPs and were left in place (O(purge_vips=false)).
  returned: always
  type: list
  elements: str
  sample: []
actions:
  description: What was changed (or would be, in check mode), one line each, in order.
  returned: always
  type: list
  elements: str
  sample:
    - create adapter LBVS_Loopback (*MSLOOP)
    - add 192.0.2.10/32 SkipAsSource
    - disable DNS registration on LBVS_Loopback
    - IPv4 WeakHostReceive Disabled -> Enabled on Ethernet0
adapter_kept_because:
  description: Why O(state=absent) kept the adapter (the module did not create it, or other addresses remain).
  returned: when O(state=absent) finds the adapter and keeps it
  type: str
  sample: the adapter was not created by this module, so it is kept
reboot_required:
  description:
    - Whether Windows asked for a reboot to finish installing or removing the adapter, or changing NetBIOS.
    - When it is true after the adapter was created and the adapter was not ready in time, the VIPs and settings
      were not applied yet; run the module again after the reboot.
  returned: always
  type: bool
  sample: false
"""
