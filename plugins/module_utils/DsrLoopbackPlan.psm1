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
    # A VIP with the wrong prefix gets the host prefix (and SkipAsSource) in place, with Set-NetIPAddress
    # -PrefixLength, so it never disappears; one without SkipAsSource gets it set; a missing one is added.
    # Other addresses are removed only with Purge; link-local and APIPA addresses are Windows' own and never
    # touched. After: the addresses (autoconf ones left out) as they will be, for the diff.
    param (
        [AllowEmptyCollection()][object[]]$Vips = @(),
        [AllowEmptyCollection()][object[]]$Current = @(),
        [bool]$Purge = $false
    )

    $plan = @{ ToAdd = @(); ToFixPrefix = @(); ToMarkSkipAsSource = @(); ToRemove = @(); Unmanaged = @(); After = @() }
    $found = @{}
    foreach ($address in $Current) {
        $key = ConvertTo-DsrAddressKey -Address $address.Address
        $vip = @($Vips | Where-Object { $_.Address -eq $key })
        if ($vip.Count -gt 0) {
            $found[$key] = $true
            if ([int]$address.PrefixLength -ne $vip[0].PrefixLength) {
                $plan.ToFixPrefix += , @{ Current = $address; Vip = $vip[0] }
            }
            elseif (-not $address.SkipAsSource) {
                $plan.ToMarkSkipAsSource += , $vip[0]
            }
            $plan.After += , @{ Address = $key; PrefixLength = $vip[0].PrefixLength; SkipAsSource = $true }
        }
        elseif (Test-DsrAutoconfAddress -Address $address.Address) {
            continue
        }
        elseif ($Purge) {
            $plan.ToRemove += , $address
        }
        else {
            $plan.Unmanaged += "$key/$($address.PrefixLength)"
            $plan.After += , @{ Address = $key; PrefixLength = [int]$address.PrefixLength; SkipAsSource = [bool]$address.SkipAsSource }
        }
    }
    foreach ($vip in $Vips) {
        if (-not $found.ContainsKey($vip.Address)) {
            $plan.ToAdd += , $vip
            $plan.After += , @{ Address = $vip.Address; PrefixLength = $vip.PrefixLength; SkipAsSource = $true }
        }
    }
    return $plan
}

Function ConvertTo-DsrDiffAddress {
    # The diff's view of a list of addresses (@{ Address; PrefixLength; SkipAsSource }): "before" and "after"
    # both list the addresses this module reasons about, sorted, as "address/prefix", with Windows' own
    # link-local and APIPA addresses left out; UsedAsSource lists those without SkipAsSource.
    param ([AllowEmptyCollection()][object[]]$Addresses = @())

    $listed = @()
    $source = @()
    foreach ($address in $Addresses) {
        if (Test-DsrAutoconfAddress -Address $address.Address) {
            continue
        }
        $text = "$(ConvertTo-DsrAddressKey -Address $address.Address)/$($address.PrefixLength)"
        $listed += $text
        if (-not $address.SkipAsSource) {
            $source += $text
        }
    }
    return @{ Addresses = @($listed | Sort-Object); UsedAsSource = @($source | Sort-Object) }
}

Function Select-DsrUplink {
    # The interfaces whose weak host receive must be on. Requested: uplink_interfaces ($null = detect).
    # Detection is safe only when it cannot pick the wrong interface: Candidates (@{ InterfaceAlias; Family },
    # interfaces with a usable unicast address of that family, the loopback adapters excepted) must name exactly
    # one interface per VIP family. On a multi-homed host the VLAN shared with the load balancer is often not
    # the one with the default route, and weak host receive on every interface would widen what the host
    # accepts (Microsoft's "Strong and Weak Host Models" warns about exactly that), so several candidates
    # are an error that asks for uplink_interfaces. Returns @{ Uplinks; Errors }.
    param (
        [AllowNull()][AllowEmptyCollection()][string[]]$Requested = $null,
        [AllowEmptyCollection()][string[]]$Families = @(),
        [AllowEmptyCollection()][object[]]$Candidates = @(),
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
    $hint = 'set uplink_interfaces to the interface on the load balancer''s network (Find-NetRoute -RemoteIPAddress <NetScaler SNIP> names it)'
    foreach ($family in $Families) {
        $found = @($Candidates | Where-Object { $_.Family -eq $family -and $_.InterfaceAlias -ne $AdapterName } |
                ForEach-Object { $_.InterfaceAlias } | Sort-Object -Unique)
        if ($found.Count -eq 0) {
            $errors += "uplink_interfaces: no interface has an $family address, so the uplink cannot be detected; $hint"
        }
        elseif ($found.Count -gt 1) {
            $errors += "uplink_interfaces: several interfaces have an $family address ($($found -join ', ')); $hint"
        }
        elseif ($uplinks -notcontains $found[0]) {
            $uplinks += $found[0]
        }
    }
    if ($errors.Count -gt 0) {
        $uplinks = @()
    }
    return @{ Uplinks = $uplinks; Errors = $errors }
}

Function Get-DsrUplinkCandidate {
    # Which interfaces could receive the load balancer's traffic, per family: those with a unicast address the
    # host may use as a source. Addresses: @{ InterfaceAlias; InterfaceIndex; Address; SkipAsSource }. Left out:
    # loopback adapters (LoopbackIndexes, they hold VIPs), the loopback pseudo-interface (127.0.0.0/8, ::1),
    # link-local and APIPA addresses, and SkipAsSource addresses. Returns @(@{ InterfaceAlias; Family }).
    param (
        [AllowEmptyCollection()][object[]]$Addresses = @(),
        [AllowEmptyCollection()][int[]]$LoopbackIndexes = @()
    )

    $candidates = @()
    $seen = @{}
    foreach ($address in $Addresses) {
        $ip = $null
        if (-not [System.Net.IPAddress]::TryParse(($address.Address -split '%', 2)[0], [ref]$ip)) {
            continue
        }
        if ($LoopbackIndexes -contains [int]$address.InterfaceIndex -or [System.Net.IPAddress]::IsLoopback($ip) -or
            $address.SkipAsSource -or (Test-DsrAutoconfAddress -Address $address.Address)) {
            continue
        }
        $family = 'IPv4'
        if ($ip.AddressFamily -eq [System.Net.Sockets.AddressFamily]::InterNetworkV6) {
            $family = 'IPv6'
        }
        $key = "$($address.InterfaceAlias)|$family"
        if (-not $seen.ContainsKey($key)) {
            $seen[$key] = $true
            $candidates += , @{ InterfaceAlias = $address.InterfaceAlias; Family = $family }
        }
    }
    return $candidates
}

Function Get-DsrWeakHostPlan {
    # Weak host receive and send on the loopback adapter, weak host receive on each uplink, per VIP family;
    # and DHCP off on the loopback adapter for every family it has a binding for (LoopbackFamilies), since an
    # IPv6-only VIP list would otherwise leave IPv4 DHCP on and an APIPA address on the adapter.
    # Current: "<alias>|<family>" -> @{ WeakHostReceive; WeakHostSend; Dhcp } ('Enabled' / 'Disabled'); a
    # missing key means the interface has no binding for that family. AdapterPending: the adapter does not
    # exist yet (check mode), so its settings are predicted rather than read.
    # Returns @{ Changes = @(@{ InterfaceAlias; Family; Setting; From; To }); Errors }.
    param (
        [Parameter(Mandatory = $true)][string]$AdapterName,
        [AllowEmptyCollection()][string[]]$Uplinks = @(),
        [AllowEmptyCollection()][string[]]$Families = @(),
        [AllowEmptyCollection()][string[]]$LoopbackFamilies = @(),
        [hashtable]$Current = @{},
        [bool]$AdapterPending = $false
    )

    $wanted = @()
    foreach ($family in $Families) {
        $wanted += , @{ InterfaceAlias = $AdapterName; Family = $family; Setting = 'WeakHostReceive'; To = 'Enabled' }
        $wanted += , @{ InterfaceAlias = $AdapterName; Family = $family; Setting = 'WeakHostSend'; To = 'Enabled' }
        foreach ($uplink in $Uplinks) {
            $wanted += , @{ InterfaceAlias = $uplink; Family = $family; Setting = 'WeakHostReceive'; To = 'Enabled' }
        }
    }
    foreach ($family in @('IPv4', 'IPv6')) {
        if ($LoopbackFamilies -contains $family -or $Families -contains $family) {
            $wanted += , @{ InterfaceAlias = $AdapterName; Family = $family; Setting = 'Dhcp'; To = 'Disabled'; Optional = $true }
        }
    }
    $changes = @()
    $errors = @()
    foreach ($item in $wanted) {
        $key = "$($item.InterfaceAlias)|$($item.Family)"
        $pending = $AdapterPending -and $item.InterfaceAlias -eq $AdapterName
        $now = $null
        if ($Current.ContainsKey($key)) {
            $now = $Current[$key][$item.Setting]
        }
        elseif ($item.ContainsKey('Optional') -and -not $pending -and $Families -notcontains $item.Family) {
            continue
        }
        elseif (-not $pending) {
            $errors += "interface '$($item.InterfaceAlias)' has no $($item.Family) binding, so $($item.Setting) cannot be set on it"
            continue
        }
        if ("$now" -ne $item.To) {
            $changes += , @{ InterfaceAlias = $item.InterfaceAlias; Family = $item.Family; Setting = $item.Setting
                From = $now; To = $item.To }
        }
    }
    return @{ Changes = $changes; Errors = $errors }
}

Function Get-DsrUplinkNeed {
    # The "<alias>|<family>" keys an adapter name relies on (weak host receive on each uplink for each VIP
    # family), recorded in its marker whether or not this run changed them, so that state=absent of another
    # adapter name never turns off what this one needs. Recorded: the keys recorded before.
    # Returns @{ Needs; ToAdd; ToRemove }.
    param (
        [AllowEmptyCollection()][string[]]$Uplinks = @(),
        [AllowEmptyCollection()][string[]]$Families = @(),
        [AllowEmptyCollection()][string[]]$Recorded = @()
    )

    $needs = @()
    foreach ($uplink in $Uplinks) {
        foreach ($family in $Families) {
            $needs += "$uplink|$family"
        }
    }
    return @{
        Needs = $needs
        ToAdd = @($needs | Where-Object { $Recorded -notcontains $_ })
        ToRemove = @($Recorded | Where-Object { $needs -notcontains $_ })
    }
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
    # state=absent: put each remembered uplink setting back (Recorded: "<alias>|<family>" -> value before),
    # unless the interface is gone or another adapter name still relies on it. Others: marker name ->
    # @{ Needs = keys it relies on; Records = keys it remembers a value for } (a marker written before Needs
    # existed relies on what it remembers). A value still needed is handed over to one of the markers that
    # need it when none of them remembers one, so that the last of them to go puts the uplink back.
    # Returns @{ Changes; HandOver = @(@{ Marker; Key; Value }) }.
    param (
        [hashtable]$Recorded = @{},
        [hashtable]$Current = @{},
        [hashtable]$Others = @{}
    )

    $changes = @()
    $handOver = @()
    foreach ($key in @($Recorded.Keys | Sort-Object)) {
        $needing = @($Others.Keys | Sort-Object | Where-Object {
                @($Others[$_].Needs) -contains $key -or @($Others[$_].Records) -contains $key })
        if ($needing.Count -gt 0) {
            $remembering = @($needing | Where-Object { @($Others[$_].Records) -contains $key })
            if ($remembering.Count -eq 0) {
                $handOver += , @{ Marker = $needing[0]; Key = $key; Value = "$($Recorded[$key])" }
            }
            continue
        }
        if (-not $Current.ContainsKey($key)) {
            continue
        }
        $now = $Current[$key].WeakHostReceive
        if ("$now" -ne "$($Recorded[$key])") {
            $alias, $family = $key -split '\|', 2
            $changes += , @{ InterfaceAlias = $alias; Family = $family; Setting = 'WeakHostReceive'; From = $now
                To = $Recorded[$key] }
        }
    }
    return @{ Changes = $changes; HandOver = $handOver }
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
    # but Windows' own link-local / APIPA addresses would be left on it. Remaining: the addresses left on the
    # adapter; while any is left, the host is still a DSR backend for it, so the uplinks keep weak host receive
    # (KeepUplinks) and the firewall rules keep the addresses that remain.
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
    return @{ ToRemove = $remove; RemoveAdapter = $removeAdapter; KeepReason = $reason; Remaining = $remaining
        KeepUplinks = ($AdapterExists -and $remaining.Count -gt 0) }
}

Function Get-DsrFirewallAbsentPlan {
    # state=absent: this module's rules (Current, as for Get-DsrFirewallPlan) lose the addresses that are no
    # longer on the adapter; a rule left without any is removed. Remaining: addresses still on the adapter.
    param (
        [hashtable]$Current = @{},
        [AllowEmptyCollection()][string[]]$Remaining = @()
    )

    $left = @($Remaining | Where-Object { $_ } | ForEach-Object { ConvertTo-DsrAddressKey -Address $_ })
    $changes = @()
    foreach ($name in @($Current.Keys | Sort-Object)) {
        $have = $Current[$name]
        $addresses = @($have.LocalAddress | Where-Object { $_ } | ForEach-Object { ConvertTo-DsrFirewallAddress -Address $_ })
        $keep = @($addresses | Where-Object { $left -contains $_ })
        if ($keep.Count -eq 0) {
            $changes += , @{ Action = 'remove'; Name = $name; Protocol = $have.Protocol; LocalPort = @(); LocalAddress = @() }
        }
        elseif ($keep.Count -ne $addresses.Count) {
            $changes += , @{ Action = 'update'; Name = $name; Protocol = $have.Protocol; LocalPort = @($have.LocalPort)
                LocalAddress = $keep }
        }
    }
    return @{ Changes = $changes }
}

Function Select-DsrAbsentAdapter {
    # state=absent: the adapter this module recorded for AdapterName (by PnP instance id, so a renamed one is
    # still found), else the KM-TEST adapter named AdapterName. $null when there is neither.
    param (
        [Parameter(Mandatory = $true)][string]$AdapterName,
        [AllowEmptyCollection()][object[]]$Loopbacks = @(),
        [AllowNull()][string]$ManagedInstanceId = $null
    )

    if ($ManagedInstanceId) {
        $managed = @($Loopbacks | Where-Object { $_.InstanceId -eq $ManagedInstanceId })
        if ($managed.Count -gt 0) {
            return $managed[0]
        }
    }
    $named = @($Loopbacks | Where-Object { $_.Name -eq $AdapterName })
    if ($named.Count -gt 0) {
        return $named[0]
    }
    return $null
}

Function Get-DsrBitnessError {
    # SetupAPI refuses to install devices from a 32-bit process on 64-bit Windows (ERROR_IN_WOW64,
    # 0xE0000235), and the 32-bit registry view would hide the module's markers: say so before anything else.
    # OperatingSystemBits: 64 or 32 ([Environment]::Is64BitOperatingSystem); ProcessBits: [IntPtr]::Size * 8.
    param ([int]$OperatingSystemBits = 64, [int]$ProcessBits = 64)

    if ($OperatingSystemBits -eq 64 -and $ProcessBits -ne 64) {
        return ('win_dsr_loopback runs in a 32-bit PowerShell on 64-bit Windows, where SetupAPI cannot install devices ' +
            '(ERROR_IN_WOW64, 0xE0000235); run it with the 64-bit PowerShell (the default of Ansible''s WinRM and SSH connections)')
    }
    return $null
}

Function Get-DsrAdapterReadiness {
    # After the device is installed: is it ready for addresses and settings? Ready when the network adapter
    # exists, has an IP interface for every family the module will configure (VIP families; New-NetIPAddress,
    # Set-NetIPInterface and Get-DnsClient fail before that), and Windows has registered its IP configuration
    # in CIM (ConfigFound: Win32_NetworkAdapterConfiguration, which the NetBIOS setting goes through).
    # BoundFamilies: families Get-NetIPInterface returns for the adapter. Returns @{ Ready; Missing; Message }.
    param (
        [bool]$AdapterFound = $false,
        [AllowEmptyCollection()][string[]]$Families = @(),
        [AllowEmptyCollection()][string[]]$BoundFamilies = @(),
        [bool]$ConfigFound = $false
    )

    if (-not $AdapterFound) {
        return @{ Ready = $false; Missing = @($Families); Message = 'no network adapter has appeared for the device' }
    }
    $missing = @($Families | Where-Object { $BoundFamilies -notcontains $_ })
    if ($missing.Count -gt 0) {
        return @{ Ready = $false; Missing = $missing; Message = "the adapter has no $($missing -join ' or ') interface yet" }
    }
    if (-not $ConfigFound) {
        return @{ Ready = $false; Missing = @(); Message = 'Windows has not registered the adapter''s IP configuration (CIM) yet' }
    }
    return @{ Ready = $true; Missing = @(); Message = 'ready' }
}

Function Get-DsrInstallOutcome {
    # What to do when the new adapter is not ready within adapter_timeout. When Windows asked for a reboot
    # to finish the driver installation, that is the expected reason: stop with changed and reboot_required,
    # skipping what needs the adapter, and ask for a run after the reboot. Otherwise it is a failure.
    # Returns @{ Action = continue | reboot | fail; Message }.
    param (
        [Parameter(Mandatory = $true)][hashtable]$Readiness,
        [bool]$RebootRequired = $false,
        [Parameter(Mandatory = $true)][string]$InstanceId,
        [int]$Timeout = 0
    )

    if ($Readiness.Ready) {
        return @{ Action = 'continue'; Message = $Readiness.Message }
    }
    if ($RebootRequired) {
        return @{ Action = 'reboot'; Message = ("device $InstanceId was installed and Windows asked for a reboot to finish it; " +
                "$($Readiness.Message) after $Timeout seconds, so the VIPs and settings were not applied: reboot the host " +
                'and run again') }
    }
    return @{ Action = 'fail'; Message = ("device $InstanceId was installed but $($Readiness.Message) after $Timeout seconds " +
            '(raise adapter_timeout if the host is slow)') }
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
