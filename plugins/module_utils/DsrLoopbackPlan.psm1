# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The decisions of win_dsr_loopback, as pure functions. Each takes what exists on the host as plain
# hashtables and arrays (the module gathers them) and returns a hashtable saying what to change. None of
# them calls a cmdlet that reads or changes the system, so they run the same under Pester on any
# PowerShell, Windows or not (tests/windows/DsrLoopbackPlan.Tests.ps1).
#
# What a Windows DSR backend needs (Microsoft and load-balancer vendors agree):
#   - a KM-TEST loopback adapter (hardware id *MSLOOP) holding each VIP as a host address, no gateway,
#     SkipAsSource so Windows never sources its own traffic from a VIP, no DNS registration, no NetBIOS;
#   - weak host receive and weak host send on the loopback adapter, weak host receive on the interface the
#     load balancer's traffic arrives on (strong host is the default since Vista / Server 2008);
#   - the service's ports open in Windows Firewall for the VIPs.

Set-StrictMode -Version 2.0

$script:HardwareId = '*MSLOOP'

Function ConvertTo-DsrAddressKey {
    # The canonical text of an IP address (lower case, compressed IPv6, no zone index) for comparisons.
    param ([Parameter(Mandatory = $true)][string]$Address)

    $text = ($Address -split '%', 2)[0]
    $ip = $null
    if (-not [System.Net.IPAddress]::TryParse($text, [ref]$ip)) {
        return $Address.ToLowerInvariant()
    }
    return $ip.ToString()
}

Function Test-DsrAutoconfAddress {
    # Addresses Windows gives an interface by itself: IPv6 link-local (fe80::/10), IPv4 APIPA (169.254.0.0/16).
    param ([Parameter(Mandatory = $true)][string]$Address)

    $ip = $null
    if (-not [System.Net.IPAddress]::TryParse(($Address -split '%', 2)[0], [ref]$ip)) {
        return $false
    }
    if ($ip.AddressFamily -eq [System.Net.Sockets.AddressFamily]::InterNetworkV6) {
        return $ip.IsIPv6LinkLocal
    }
    $bytes = $ip.GetAddressBytes()
    return ($bytes[0] -eq 169 -and $bytes[1] -eq 254)
}

Function ConvertTo-DsrVip {
    # One VIP as given ("192.0.2.10", "192.0.2.10/32", "2001:db8::10/128") to
    # @{ Address; Family; PrefixLength }. Throws, naming the option, for anything that is not a host address
    # a DSR backend can hold.
    param ([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Vip)

    $text = $Vip.Trim()
    $prefix = $null
    if ($text.Contains('/')) {
        $text, $prefix = $text -split '/', 2
    }
    $ip = $null
    $parsed = ($text -notmatch '%') -and [System.Net.IPAddress]::TryParse($text, [ref]$ip)
    if ($parsed -and $ip.AddressFamily -eq [System.Net.Sockets.AddressFamily]::InterNetwork) {
        # TryParse also takes "10.1" and "167772161"; a VIP is written as four octets.
        $parsed = $text -match '^\d{1,3}(\.\d{1,3}){3}$'
    }
    if (-not $parsed) {
        throw "vips: '$Vip' is not an IPv4 or IPv6 address"
    }

    if ($ip.AddressFamily -eq [System.Net.Sockets.AddressFamily]::InterNetwork) {
        $family = 'IPv4'
        $hostPrefix = 32
        $bytes = $ip.GetAddressBytes()
        $unusable = ($bytes[0] -eq 0) -or ($bytes[0] -eq 127) -or ($bytes[0] -ge 224) -or
        ($bytes[0] -eq 169 -and $bytes[1] -eq 254)
    }
    else {
        $family = 'IPv6'
        $hostPrefix = 128
        $unusable = $ip.Equals([System.Net.IPAddress]::IPv6Any) -or $ip.Equals([System.Net.IPAddress]::IPv6Loopback) -or
        $ip.IsIPv6Multicast -or $ip.IsIPv6LinkLocal
    }
    if ($unusable) {
        throw "vips: '$Vip' is an unspecified, loopback, multicast, broadcast or link-local address, not a VIP"
    }
    if ($null -ne $prefix -and "$prefix" -ne "$hostPrefix") {
        throw ("vips: '$Vip' has prefix /$prefix; a VIP on the loopback adapter must be a host address " +
            "(/$hostPrefix), or the whole prefix would look local to this host")
    }
    return @{ Address = $ip.ToString(); Family = $family; PrefixLength = $hostPrefix }
}

Function ConvertTo-DsrVipList {
    # All VIPs, parsed and without duplicates, in the order given, and the address families they use.
    param ([AllowEmptyCollection()][string[]]$Vips = @())

    $list = @()
    $seen = @{}
    foreach ($text in $Vips) {
        $vip = ConvertTo-DsrVip -Vip $text
        if (-not $seen.ContainsKey($vip.Address)) {
            $seen[$vip.Address] = $true
            $list += , $vip
        }
    }
    $families = @()
    foreach ($family in @('IPv4', 'IPv6')) {
        if (@($list | Where-Object { $_.Family -eq $family }).Count -gt 0) {
            $families += $family
        }
    }
    return @{ Vips = $list; Families = $families }
}

Function Test-DsrAdapterName {
    # adapter_name becomes an interface alias, a registry key name and part of firewall rule names: no path
    # separators, no leading or trailing blanks, at most 128 characters. Returns an error message or $null.
    param ([AllowEmptyString()][string]$Name)

    if ($Name.Trim().Length -eq 0 -or $Name -ne $Name.Trim()) {
        return "adapter_name: '$Name' must not be empty or start or end with blanks"
    }
    if ($Name -match '[\\/*?"<>|]') {
        return "adapter_name: '$Name' must not contain \ / * ? `" < > or |"
    }
    if ($Name.Length -gt 128) {
        return "adapter_name: '$Name' is longer than 128 characters"
    }
    return $null
}

Function Select-DsrLoopbackAdapter {
    # Which loopback adapter to use. Loopbacks: the KM-TEST adapters found by hardware id, each
    # @{ Name; InstanceId; InterfaceIndex }. OtherAdapterNames: names of adapters that are not KM-TEST ones.
    # ManagedInstanceId: the adapter this module recorded for AdapterName. ClaimedInstanceIds: adapters
    # recorded for other adapter names, never adopted here.
    # Returns @{ Action = use | rename | create | fail; Adapter; Message }.
    param (
        [Parameter(Mandatory = $true)][string]$AdapterName,
        [AllowEmptyCollection()][object[]]$Loopbacks = @(),
        [AllowEmptyCollection()][string[]]$OtherAdapterNames = @(),
        [AllowNull()][string]$ManagedInstanceId = $null,
        [AllowEmptyCollection()][string[]]$ClaimedInstanceIds = @()
    )

    if ($OtherAdapterNames -contains $AdapterName) {
        return @{ Action = 'fail'; Adapter = $null; Message = ("adapter_name: '$AdapterName' is the name of an adapter " +
                "that is not a KM-TEST loopback adapter ($script:HardwareId); choose another name") }
    }
    $named = @($Loopbacks | Where-Object { $_.Name -eq $AdapterName })
    if ($named.Count -gt 0) {
        return @{ Action = 'use'; Adapter = $named[0]; Message = "found loopback adapter $AdapterName" }
    }
    if ($ManagedInstanceId) {
        $managed = @($Loopbacks | Where-Object { $_.InstanceId -eq $ManagedInstanceId })
        if ($managed.Count -gt 0 -and $null -eq $managed[0].InterfaceIndex) {
            return @{ Action = 'fail'; Adapter = $null; Message = ("loopback device $ManagedInstanceId exists but has no " +
                    "network adapter (is its driver installed?); remove it in Device Manager or with pnputil /remove-device") }
        }
        if ($managed.Count -gt 0) {
            return @{ Action = 'rename'; Adapter = $managed[0]; Message = "rename loopback adapter $($managed[0].Name) to $AdapterName" }
        }
    }
    # Only a device that is a working network adapter can be adopted.
    $free = @($Loopbacks | Where-Object { $null -ne $_.InterfaceIndex -and $ClaimedInstanceIds -notcontains $_.InstanceId })
    if ($free.Count -eq 1) {
        return @{ Action = 'rename'; Adapter = $free[0]; Message = "adopt loopback adapter $($free[0].Name) as $AdapterName" }
    }
    if ($free.Count -gt 1) {
        $names = ($free | ForEach-Object { "'$($_.Name)' ($($_.InstanceId))" }) -join ', '
        return @{ Action = 'fail'; Adapter = $null; Message = ("adapter_name: no loopback adapter is named '$AdapterName' " +
                "and several could be adopted: $names; set adapter_name to one of them") }
    }
    return @{ Action = 'create'; Adapter = $null; Message = "create loopback adapter $AdapterName ($script:HardwareId)" }
}

Function Get-DsrVipConflict {
    # VIPs that already sit on another interface: that interface would answer ARP / neighbour discovery for
    # them, which is exactly what DSR must avoid. Elsewhere: @{ Address; InterfaceAlias } of other interfaces.
    param (
        [AllowEmptyCollection()][object[]]$Vips = @(),
        [AllowEmptyCollection()][object[]]$Elsewhere = @()
    )

    $messages = @()
    foreach ($address in $Elsewhere) {
        $key = ConvertTo-DsrAddressKey -Address $address.Address
        if (@($Vips | Where-Object { $_.Address -eq $key }).Count -gt 0) {
            $messages += ("VIP $key is configured on interface '$($address.InterfaceAlias)', which would answer ARP or " +
                "neighbour discovery for it; remove it there first")
        }
    }
    return @{ Messages = $messages }
}

Function Get-DsrAddressPlan {
    # What to do with the loopback adapter's addresses. Current: @{ Address; PrefixLength; SkipAsSource }.
    # A VIP with the wrong prefix is replaced (removed, then added as a host address), one without
    # SkipAsSource gets it set, a missing one is added. Other addresses are removed only with Purge;
    # link-local and APIPA addresses are Windows' own and never touched.
    param (
        [AllowEmptyCollection()][object[]]$Vips = @(),
        [AllowEmptyCollection()][object[]]$Current = @(),
        [bool]$Purge = $false
    )

    $plan = @{ ToAdd = @(); ToReplace = @(); ToMarkSkipAsSource = @(); ToRemove = @(); Unmanaged = @() }
    $found = @{}
    foreach ($address in $Current) {
        $key = ConvertTo-DsrAddressKey -Address $address.Address
        $vip = @($Vips | Where-Object { $_.Address -eq $key })
        if ($vip.Count -gt 0) {
            $found[$key] = $true
            if ([int]$address.PrefixLength -ne $vip[0].PrefixLength) {
                $plan.ToReplace += , @{ Current = $address; Vip = $vip[0] }
            }
            elseif (-not $address.SkipAsSource) {
                $plan.ToMarkSkipAsSource += , $vip[0]
            }
        }
        elseif (Test-DsrAutoconfAddress -Address $address.Address) {
            continue
        }
        elseif ($Purge) {
            $plan.ToRemove += , $address
        }
        else {
            $plan.Unmanaged += "$key/$($address.PrefixLength)"
        }
    }
    foreach ($vip in $Vips) {
        if (-not $found.ContainsKey($vip.Address)) {
            $plan.ToAdd += , $vip
        }
    }
    return $plan
}

Function Select-DsrUplink {
    # The interfaces whose weak host receive must be on. Requested: uplink_interfaces ($null = detect).
    # Detection takes every interface with a default route of a VIP family (DefaultRoutes: @{ InterfaceAlias;
    # Family }), except the loopback adapter. Returns @{ Uplinks; Errors }.
    param (
        [AllowNull()][AllowEmptyCollection()][string[]]$Requested = $null,
        [AllowEmptyCollection()][string[]]$Families = @(),
        [AllowEmptyCollection()][object[]]$DefaultRoutes = @(),
        [AllowEmptyCollection()][string[]]$Interfaces = @(),
        [Parameter(Mandatory = $true)][string]$AdapterName
    )

    $uplinks = @()
    $errors = @()
    if ($null -ne $Requested) {
        foreach ($name in $Requested) {
            if ($name -eq $AdapterName) {
                $errors += "uplink_interfaces: '$name' is the loopback adapter itself"
            }
            elseif ($Interfaces -notcontains $name) {
                $errors += "uplink_interfaces: there is no interface named '$name' (interfaces: $($Interfaces -join ', '))"
            }
            elseif ($uplinks -notcontains $name) {
                $uplinks += $name
            }
        }
        return @{ Uplinks = $uplinks; Errors = $errors }
    }
    foreach ($family in $Families) {
        $found = @($DefaultRoutes | Where-Object { $_.Family -eq $family -and $_.InterfaceAlias -ne $AdapterName })
        if ($found.Count -eq 0) {
            $errors += "uplink_interfaces: no interface holds an $family default route, so the uplink cannot be detected; set uplink_interfaces"
        }
        foreach ($route in $found) {
            if ($uplinks -notcontains $route.InterfaceAlias) {
                $uplinks += $route.InterfaceAlias
            }
        }
    }
    return @{ Uplinks = $uplinks; Errors = $errors }
}

Function Get-DsrWeakHostPlan {
    # Weak host receive and send on the loopback adapter, weak host receive on each uplink, per VIP family.
    # Current: "<alias>|<family>" -> @{ WeakHostReceive; WeakHostSend } ('Enabled' / 'Disabled'); a missing
    # key means the interface has no binding for that family. AdapterPending: the adapter does not exist
    # yet (check mode), so its settings are predicted rather than read.
    # Returns @{ Changes = @(@{ InterfaceAlias; Family; Setting; From; To }); Errors }.
    param (
        [Parameter(Mandatory = $true)][string]$AdapterName,
        [AllowEmptyCollection()][string[]]$Uplinks = @(),
        [AllowEmptyCollection()][string[]]$Families = @(),
        [hashtable]$Current = @{},
        [bool]$AdapterPending = $false
    )

    $wanted = @()
    foreach ($family in $Families) {
        $wanted += , @{ InterfaceAlias = $AdapterName; Family = $family; Setting = 'WeakHostReceive' }
        $wanted += , @{ InterfaceAlias = $AdapterName; Family = $family; Setting = 'WeakHostSend' }
        foreach ($uplink in $Uplinks) {
            $wanted += , @{ InterfaceAlias = $uplink; Family = $family; Setting = 'WeakHostReceive' }
        }
    }
    $changes = @()
    $errors = @()
    foreach ($item in $wanted) {
        $key = "$($item.InterfaceAlias)|$($item.Family)"
        $now = $null
        if ($Current.ContainsKey($key)) {
            $now = $Current[$key][$item.Setting]
        }
        elseif (-not ($AdapterPending -and $item.InterfaceAlias -eq $AdapterName)) {
            $errors += "interface '$($item.InterfaceAlias)' has no $($item.Family) binding, so $($item.Setting) cannot be enabled on it"
            continue
        }
        if ("$now" -ne 'Enabled') {
            $changes += , @{ InterfaceAlias = $item.InterfaceAlias; Family = $item.Family; Setting = $item.Setting
                From = $now; To = 'Enabled' }
        }
    }
    return @{ Changes = $changes; Errors = $errors }
}

Function Get-DsrUplinkRecord {
    # Which uplink settings to remember before changing them, so that state=absent can put them back:
    # "<alias>|<family>" -> the value before. A value already remembered is kept (it is the older one).
    param (
        [Parameter(Mandatory = $true)][string]$AdapterName,
        [AllowEmptyCollection()][object[]]$Changes = @(),
        [hashtable]$Recorded = @{}
    )

    $records = @{}
    foreach ($change in $Changes) {
        $key = "$($change.InterfaceAlias)|$($change.Family)"
        if ($change.InterfaceAlias -ne $AdapterName -and $change.Setting -eq 'WeakHostReceive' -and
            $null -ne $change.From -and -not $Recorded.ContainsKey($key)) {
            $records[$key] = "$($change.From)"
        }
    }
    return @{ Records = $records }
}

Function Get-DsrUplinkRestorePlan {
    # state=absent: put each remembered uplink setting back, unless another DSR adapter still needs it
    # (StillNeeded: keys remembered for other adapters) or the interface is gone.
    param (
        [hashtable]$Recorded = @{},
        [hashtable]$Current = @{},
        [AllowEmptyCollection()][string[]]$StillNeeded = @()
    )

    $changes = @()
    foreach ($key in @($Recorded.Keys | Sort-Object)) {
        if ($StillNeeded -contains $key -or -not $Current.ContainsKey($key)) {
            continue
        }
        $now = $Current[$key].WeakHostReceive
        if ("$now" -ne "$($Recorded[$key])") {
            $alias, $family = $key -split '\|', 2
            $changes += , @{ InterfaceAlias = $alias; Family = $family; Setting = 'WeakHostReceive'; From = $now
                To = $Recorded[$key] }
        }
    }
    return @{ Changes = $changes }
}

Function Get-DsrAdapterSettingPlan {
    # DNS registration off (Set-DnsClient -RegisterThisConnectionsAddress $false) and NetBIOS over TCP/IP
    # disabled (SetTcpipNetbios 2) on the loopback adapter. $null means unknown (adapter still to be created).
    param (
        [AllowNull()]$RegisterInDns = $null,
        [AllowNull()]$NetbiosOption = $null
    )

    $changes = @()
    if ($null -eq $RegisterInDns -or [bool]$RegisterInDns) {
        $changes += , @{ Setting = 'RegisterThisConnectionsAddress'; From = $RegisterInDns; To = $false }
    }
    if ($null -eq $NetbiosOption -or [int]$NetbiosOption -ne 2) {
        $changes += , @{ Setting = 'TcpipNetbiosOptions'; From = $NetbiosOption; To = 2 }
    }
    return @{ Changes = $changes }
}

Function ConvertTo-DsrPortList {
    # firewall_ports to canonical, sorted, unique strings ("80", "8000-8099"); throws on anything else.
    param ([AllowEmptyCollection()][string[]]$Ports = @())

    $canonical = @()
    foreach ($port in $Ports) {
        $text = "$port".Trim()
        if ($text -match '^(\d{1,5})$') {
            $low = [int]$Matches[1]
            $high = $low
        }
        elseif ($text -match '^(\d{1,5})\s*-\s*(\d{1,5})$') {
            $low = [int]$Matches[1]
            $high = [int]$Matches[2]
        }
        else {
            throw "firewall_ports: '$port' is neither a port (80) nor a port range (8000-8099)"
        }
        if ($low -lt 1 -or $high -gt 65535 -or $low -gt $high) {
            throw "firewall_ports: '$port' is outside 1-65535 or its range is reversed"
        }
        $item = "$low"
        if ($high -ne $low) {
            $item = "$low-$high"
        }
        if ($canonical -notcontains $item) {
            $canonical += $item
        }
    }
    return @{ Ports = @($canonical | Sort-Object) }
}

Function ConvertTo-DsrFirewallAddress {
    # A firewall rule's LocalAddress entry to the canonical text of a host address ("192.0.2.10/32",
    # "192.0.2.10/255.255.255.255" and "192.0.2.10" read the same); anything else is kept as written.
    param ([Parameter(Mandatory = $true)][string]$Address)

    $text, $mask = $Address -split '/', 2
    if ($null -eq $mask -or @('32', '128', '255.255.255.255') -contains $mask) {
        return ConvertTo-DsrAddressKey -Address $text
    }
    return $Address.ToLowerInvariant()
}

Function Get-DsrFirewallRuleName {
    param ([Parameter(Mandatory = $true)][string]$AdapterName, [Parameter(Mandatory = $true)][string]$Protocol)

    return "adcops.netscaler.dsr.$AdapterName.$Protocol"
}

Function Test-DsrSameSet {
    param ([AllowNull()][AllowEmptyCollection()][string[]]$Left, [AllowNull()][AllowEmptyCollection()][string[]]$Right)

    $a = @($Left | Where-Object { $_ } | ForEach-Object { $_.ToLowerInvariant() } | Sort-Object -Unique)
    $b = @($Right | Where-Object { $_ } | ForEach-Object { $_.ToLowerInvariant() } | Sort-Object -Unique)
    return (($a -join ',') -eq ($b -join ','))
}

Function Get-DsrFirewallPlan {
    # One inbound allow rule per protocol for the VIPs and ports. Ports: canonical ports, $null when the
    # firewall is not managed, empty to remove this module's rules. Current: rule name -> @{ Protocol;
    # LocalPort; LocalAddress; Enabled; Action; Direction } for this module's rules that exist.
    # Returns @{ Changes = @(@{ Action = create | update | remove; Name; Protocol; LocalPort; LocalAddress }) }.
    param (
        [Parameter(Mandatory = $true)][string]$AdapterName,
        [AllowEmptyCollection()][string[]]$Protocols = @(),
        [AllowNull()][AllowEmptyCollection()][string[]]$Ports = $null,
        [AllowEmptyCollection()][string[]]$Addresses = @(),
        [hashtable]$Current = @{}
    )

    $changes = @()
    if ($null -eq $Ports) {
        return @{ Changes = $changes }
    }
    $desired = @{}
    if ($Ports.Count -gt 0) {
        foreach ($protocol in $Protocols) {
            $desired[(Get-DsrFirewallRuleName -AdapterName $AdapterName -Protocol $protocol)] = $protocol
        }
    }
    foreach ($name in @($desired.Keys | Sort-Object)) {
        $want = @{ Name = $name; Protocol = $desired[$name]; LocalPort = $Ports; LocalAddress = $Addresses }
        if (-not $Current.ContainsKey($name)) {
            $changes += , ($want + @{ Action = 'create' })
            continue
        }
        $have = $Current[$name]
        $haveAddresses = @($have.LocalAddress | Where-Object { $_ } | ForEach-Object { ConvertTo-DsrFirewallAddress -Address $_ })
        $same = (Test-DsrSameSet -Left $have.LocalPort -Right $Ports) -and
        (Test-DsrSameSet -Left $haveAddresses -Right $Addresses) -and
        ("$($have.Protocol)" -eq $want.Protocol) -and ("$($have.Enabled)" -eq 'True') -and
        ("$($have.Action)" -eq 'Allow') -and ("$($have.Direction)" -eq 'Inbound')
        if (-not $same) {
            $changes += , ($want + @{ Action = 'update' })
        }
    }
    foreach ($name in @($Current.Keys | Sort-Object)) {
        if (-not $desired.ContainsKey($name)) {
            $changes += , @{ Action = 'remove'; Name = $name; Protocol = $Current[$name].Protocol; LocalPort = @()
                LocalAddress = @() }
        }
    }
    return @{ Changes = $changes }
}

Function Get-DsrAbsentPlan {
    # state=absent: remove the listed VIPs; remove the adapter too only if this module created it and nothing
    # but Windows' own link-local / APIPA addresses would be left on it.
    param (
        [AllowEmptyCollection()][object[]]$Vips = @(),
        [AllowEmptyCollection()][object[]]$Current = @(),
        [bool]$Created = $false,
        [bool]$AdapterExists = $false
    )

    $remove = @()
    $remaining = @()
    foreach ($address in $Current) {
        $key = ConvertTo-DsrAddressKey -Address $address.Address
        if (@($Vips | Where-Object { $_.Address -eq $key }).Count -gt 0) {
            $remove += , $address
        }
        elseif (-not (Test-DsrAutoconfAddress -Address $address.Address)) {
            $remaining += $key
        }
    }
    $removeAdapter = $false
    $reason = $null
    if (-not $AdapterExists) {
        $reason = 'there is no such adapter'
    }
    elseif (-not $Created) {
        $reason = 'the adapter was not created by this module, so it is kept'
    }
    elseif ($remaining.Count -gt 0) {
        $reason = "the adapter still holds $($remaining -join ', '), so it is kept"
    }
    else {
        $removeAdapter = $true
    }
    return @{ ToRemove = $remove; RemoveAdapter = $removeAdapter; KeepReason = $reason }
}

Function Format-DsrSettingChange {
    # One line of the module's "actions" result for a setting change.
    param ([Parameter(Mandatory = $true)][hashtable]$Change)

    $from = if ($null -eq $Change.From) { '(unset)' } else { "$($Change.From)" }
    $where = ''
    if ($Change.ContainsKey('InterfaceAlias')) {
        $where = " on $($Change.InterfaceAlias)"
    }
    $family = ''
    if ($Change.ContainsKey('Family')) {
        $family = "$($Change.Family) "
    }
    return "$family$($Change.Setting) $from -> $($Change.To)$where"
}

# Every function here is named <Verb>-Dsr<Noun>, and every one is exported.
Export-ModuleMember -Function '*-Dsr*'
