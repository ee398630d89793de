#!powershell

# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -CSharpUtil ansible_collections.adcops.netscaler.plugins.module_utils.DsrLoopbackDevice
#AnsibleRequires -PowerShell ansible_collections.adcops.netscaler.plugins.module_utils.DsrLoopbackPlan
#AnsibleRequires -OSVersion 6.2

# Gathers what exists, asks the pure functions of DsrLoopbackPlan what to change, and applies it (or, in
# check mode, only reports it). Every write below is guarded by one test of $module.CheckMode.

$spec = @{
    options = @{
        vips = @{ type = 'list'; elements = 'str'; required = $true }
        state = @{ type = 'str'; choices = 'present', 'absent'; default = 'present' }
        adapter_name = @{ type = 'str'; default = 'LBVS_Loopback' }
        uplink_interfaces = @{ type = 'list'; elements = 'str' }
        purge_vips = @{ type = 'bool'; default = $false }
        firewall_ports = @{ type = 'list'; elements = 'str' }
        firewall_protocols = @{ type = 'list'; elements = 'str'; choices = 'TCP', 'UDP'; default = @('TCP') }
        adapter_timeout = @{ type = 'int'; default = 30 }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

$osBits = 32
if ([Environment]::Is64BitOperatingSystem) { $osBits = 64 }
$bitnessError = Get-DsrBitnessError -OperatingSystemBits $osBits -ProcessBits ([IntPtr]::Size * 8)
if ($bitnessError) {
    $module.FailJson($bitnessError)
}

$state = $module.Params.state
$adapterName = $module.Params.adapter_name
$checkMode = $module.CheckMode
$infPath = Join-Path -Path $env:SystemRoot -ChildPath 'inf\netloop.inf'
$hardwareId = '*MSLOOP'
$markerRoot = 'HKLM:\SOFTWARE\adcops.netscaler\win_dsr_loopback'
$deviceType = [ansible_collections.adcops.netscaler.plugins.module_utils.DsrLoopbackDevice.RootDevice]

$module.Result.reboot_required = $false
$module.Result.actions = [System.Collections.Generic.List[string]]@()
$module.Result.adapter = @{}
$module.Result.uplinks = @()
$module.Result.unmanaged_addresses = @()

# Validate every option before touching anything.
try {
    $parsed = ConvertTo-DsrVipList -Vips $module.Params.vips
    $firewallPorts = $null
    if ($null -ne $module.Params.firewall_ports) {
        $firewallPorts = (ConvertTo-DsrPortList -Ports $module.Params.firewall_ports).Ports
    }
}
catch {
    $module.FailJson($_.Exception.Message)
}
$nameError = Test-DsrAdapterName -Name $module.Params.adapter_name
if ($nameError) {
    $module.FailJson($nameError)
}
if ($module.Params.adapter_timeout -lt 1) {
    $module.FailJson("adapter_timeout: $($module.Params.adapter_timeout) is not a positive number of seconds")
}
$vips = $parsed.Vips
$families = $parsed.Families
if ($state -eq 'present' -and @($vips).Count -eq 0) {
    $module.FailJson('vips: state=present needs at least one VIP')
}
$module.Result.vips = @($vips | ForEach-Object { @{ address = $_.Address; prefix_length = $_.PrefixLength; family = $_.Family } })

Function Add-Action {
    param ([string]$Text)
    $module.Result.actions.Add($Text)
    $module.Result.changed = $true
}

Function Get-Marker {
    # What this module remembers about an adapter name: the instance id of the adapter it created or adopted,
    # whether it created it, uplink settings as they were before it changed them (Uplink|<alias>|<family>),
    # and every uplink setting it relies on, changed by it or not (Need|<alias>|<family>).
    param ([string]$Name)
    $marker = @{ InstanceId = $null; Created = $false; Uplinks = @{}; Needs = @() }
    $path = Join-Path -Path $markerRoot -ChildPath $Name
    if (Test-Path -LiteralPath $path) {
        $key = Get-Item -LiteralPath $path
        foreach ($valueName in $key.GetValueNames()) {
            $value = $key.GetValue($valueName)
            if ($valueName -eq 'InstanceId') { $marker.InstanceId = [string]$value }
            elseif ($valueName -eq 'Created') { $marker.Created = [bool]$value }
            elseif ($valueName.StartsWith('Uplink|')) { $marker.Uplinks[$valueName.Substring(7)] = [string]$value }
            elseif ($valueName.StartsWith('Need|')) { $marker.Needs += $valueName.Substring(5) }
        }
    }
    return $marker
}

Function Set-MarkerValue {
    param ([string]$Name, [string]$ValueName, $Value, [string]$Type = 'String')
    $path = Join-Path -Path $markerRoot -ChildPath $Name
    if (-not (Test-Path -LiteralPath $path)) {
        New-Item -Path $path -Force | Out-Null
    }
    New-ItemProperty -LiteralPath $path -Name $ValueName -Value $Value -PropertyType $Type -Force | Out-Null
}

Function Remove-MarkerValue {
    param ([string]$Name, [string]$ValueName)
    $path = Join-Path -Path $markerRoot -ChildPath $Name
    Remove-ItemProperty -LiteralPath $path -Name $ValueName -ErrorAction SilentlyContinue
}

Function Get-OtherMarker {
    # Instance ids claimed by the other adapter names this module manages on this host, and for each of them
    # the uplink settings it relies on (Needs) and remembers (Records).
    $claimed = @()
    $others = @{}
    if (Test-Path -LiteralPath $markerRoot) {
        foreach ($child in @(Get-ChildItem -LiteralPath $markerRoot)) {
            if ($child.PSChildName -eq $adapterName) { continue }
            $other = Get-Marker -Name $child.PSChildName
            if ($other.InstanceId) { $claimed += $other.InstanceId }
            $others[$child.PSChildName] = @{ Needs = @($other.Needs); Records = @($other.Uplinks.Keys) }
        }
    }
    return @{ Claimed = $claimed; Others = $others }
}

Function Get-LoopbackAdapter {
    # KM-TEST adapters by hardware id, joined to their network adapter (name, index) by PnP instance id.
    # Errors are not swallowed: an enumeration that failed would make every KM-TEST device look adapterless and
    # lead to a duplicate adapter. Transient errors (CIM, or "Illegal operation attempted on a registry key that
    # has been marked for deletion" while a device is being installed or removed, which PlagueHO's LoopbackAdapter
    # retries in Wait-ForDevconUpdate.ps1) get a few more tries.
    $adapters = @()
    $devices = @()
    for ($attempt = 1; ; $attempt++) {
        try {
            $adapters = @(Get-NetAdapter -ErrorAction Stop)
            $devices = @($deviceType::Find($infPath, $hardwareId))
            break
        }
        catch {
            if ($attempt -ge 5) {
                throw "reading the network adapters failed $attempt times: $($_.Exception.Message)"
            }
            Start-Sleep -Milliseconds (400 * $attempt)
        }
    }
    $loopbacks = @()
    foreach ($device in $devices) {
        $netAdapter = @($adapters | Where-Object { $_.PnPDeviceID -eq $device.InstanceId })
        $entry = @{ Name = $null; InstanceId = $device.InstanceId; InterfaceIndex = $null }
        if ($netAdapter.Count -gt 0) {
            $entry.Name = $netAdapter[0].Name
            $entry.InterfaceIndex = [int]$netAdapter[0].ifIndex
        }
        $loopbacks += , $entry
    }
    $ids = @($loopbacks | ForEach-Object { $_.InstanceId })
    $others = @($adapters | Where-Object { $ids -notcontains $_.PnPDeviceID } | ForEach-Object { $_.Name })
    return @{ Loopbacks = $loopbacks; OtherNames = $others }
}

Function Get-InterfaceAddress {
    param ([int]$InterfaceIndex)
    return @(Get-NetIPAddress -InterfaceIndex $InterfaceIndex -ErrorAction SilentlyContinue | ForEach-Object {
            @{ Address = $_.IPAddress; PrefixLength = [int]$_.PrefixLength; SkipAsSource = [bool]$_.SkipAsSource
                Family = "$($_.AddressFamily)" }
        })
}

Function Get-WeakHostSetting {
    # "<alias>|<family>" -> @{ WeakHostReceive; WeakHostSend; Dhcp } for the given interfaces (the loopback by
    # index); no key for an interface without a binding of that family.
    param ([string[]]$Aliases, [AllowNull()]$LoopbackIndex)
    $settings = @{}
    foreach ($family in @('IPv4', 'IPv6')) {
        foreach ($alias in $Aliases) {
            $row = Get-NetIPInterface -InterfaceAlias $alias -AddressFamily $family -ErrorAction SilentlyContinue
            if ($row) {
                $settings["$alias|$family"] = ConvertTo-InterfaceSetting -Row $row
            }
        }
        if ($null -ne $LoopbackIndex) {
            $row = Get-NetIPInterface -InterfaceIndex $LoopbackIndex -AddressFamily $family -ErrorAction SilentlyContinue
            if ($row) {
                $settings["$adapterName|$family"] = ConvertTo-InterfaceSetting -Row $row
            }
        }
    }
    return $settings
}

Function ConvertTo-InterfaceSetting {
    param ($Row)
    return @{ WeakHostReceive = "$($Row.WeakHostReceive)"; WeakHostSend = "$($Row.WeakHostSend)"; Dhcp = "$($Row.Dhcp)" }
}

Function Set-WeakHostSetting {
    param ([hashtable]$Change, [AllowNull()]$LoopbackIndex)
    $arguments = @{ AddressFamily = $Change.Family; ErrorAction = 'Stop' }
    $arguments[$Change.Setting] = $Change.To
    if ($Change.InterfaceAlias -eq $adapterName -and $null -ne $LoopbackIndex) {
        $arguments.InterfaceIndex = $LoopbackIndex
    }
    else {
        $arguments.InterfaceAlias = $Change.InterfaceAlias
    }
    Set-NetIPInterface @arguments
}

Function Get-FirewallRuleState {
    # This module's rules for the adapter: name -> @{ Protocol; LocalPort; LocalAddress; Enabled; Action; Direction }.
    $rules = @{}
    foreach ($protocol in @('TCP', 'UDP')) {
        $name = Get-DsrFirewallRuleName -AdapterName $adapterName -Protocol $protocol
        $rule = Get-NetFirewallRule -Name $name -ErrorAction SilentlyContinue
        if ($rule) {
            $ports = $rule | Get-NetFirewallPortFilter
            $addresses = $rule | Get-NetFirewallAddressFilter
            $rules[$name] = @{ Protocol = "$($ports.Protocol)"; LocalPort = @($ports.LocalPort | ForEach-Object { "$_" })
                LocalAddress = @($addresses.LocalAddress | ForEach-Object { "$_" }); Enabled = "$($rule.Enabled)"
                Action = "$($rule.Action)"; Direction = "$($rule.Direction)"
            }
        }
    }
    return $rules
}

Function Invoke-FirewallChange {
    param ([hashtable]$Change)
    if ($Change.Action -eq 'remove') {
        Remove-NetFirewallRule -Name $Change.Name -ErrorAction Stop
        return
    }
    $arguments = @{
        Name = $Change.Name; Direction = 'Inbound'; Action = 'Allow'; Protocol = $Change.Protocol
        LocalPort = $Change.LocalPort; LocalAddress = $Change.LocalAddress; Enabled = 'True'; ErrorAction = 'Stop'
    }
    if ($Change.Action -eq 'create') {
        $arguments.DisplayName = "DSR VIPs on $adapterName ($($Change.Protocol))"
        $arguments.Group = 'adcops.netscaler DSR'
        $arguments.Profile = 'Any'
        New-NetFirewallRule @arguments | Out-Null
    }
    else {
        Set-NetFirewallRule @arguments
    }
}

Function Invoke-FirewallPlan {
    # Applies (or in check mode only reports) firewall changes planned from Before; returns the rules before and
    # after, for the diff.
    param ([AllowEmptyCollection()][object[]]$Changes, [hashtable]$Before)
    foreach ($change in $Changes) {
        if (-not $checkMode) {
            Invoke-FirewallChange -Change $change
        }
        Add-Action "$($change.Action) firewall rule $($change.Name) $($change.LocalPort -join ',') -> $($change.LocalAddress -join ',')"
    }
    $after = @{}
    foreach ($name in $Before.Keys) { $after[$name] = $Before[$name] }
    foreach ($change in $Changes) {
        if ($change.Action -eq 'remove') { $after.Remove($change.Name) }
        else { $after[$change.Name] = @{ Protocol = $change.Protocol; LocalPort = $change.LocalPort; LocalAddress = $change.LocalAddress } }
    }
    return @{ Before = $Before; After = $after }
}

Function Get-NetbiosOption {
    # TcpipNetbiosOptions through WMI when the adapter has IP enabled; the NetBT registry value otherwise
    # (what SetTcpipNetbios writes).
    param ([int]$InterfaceIndex)
    $config = Get-CimInstance -ClassName Win32_NetworkAdapterConfiguration -Filter "InterfaceIndex = $InterfaceIndex"
    if ($config -and $config.IPEnabled) {
        return @{ Value = $config.TcpipNetbiosOptions; Config = $config; Guid = $config.SettingID }
    }
    $guid = (Get-NetAdapter -InterfaceIndex $InterfaceIndex).InterfaceGuid
    $path = "HKLM:\SYSTEM\CurrentControlSet\Services\NetBT\Parameters\Interfaces\Tcpip_$guid"
    $value = $null
    $item = Get-ItemProperty -LiteralPath $path -Name NetbiosOptions -ErrorAction SilentlyContinue
    if ($item) { $value = $item.NetbiosOptions }
    return @{ Value = $value; Config = $null; Guid = $guid }
}

Function Disable-Netbios {
    param ([hashtable]$Current)
    if ($Current.Config) {
        $result = Invoke-CimMethod -InputObject $Current.Config -MethodName SetTcpipNetbios -Arguments @{ TcpipNetbiosOptions = [uint32]2 }
        if ($result.ReturnValue -eq 1) {
            $module.Result.reboot_required = $true
        }
        elseif ($result.ReturnValue -ne 0) {
            throw "SetTcpipNetbios(2) returned $($result.ReturnValue)"
        }
        return
    }
    $path = "HKLM:\SYSTEM\CurrentControlSet\Services\NetBT\Parameters\Interfaces\Tcpip_$($Current.Guid)"
    New-ItemProperty -LiteralPath $path -Name NetbiosOptions -Value 2 -PropertyType DWord -Force | Out-Null
}

Function Wait-AdapterReady {
    # A network adapter in Get-NetAdapter is not yet one that takes addresses: its IPv4/IPv6 interfaces and its
    # Win32_NetworkAdapterConfiguration appear later (PlagueHO's LoopbackAdapter, New-LoopbackAdapter.ps1, waits
    # up to 30 s for the adapter's IPv4 binding to show in CIM). Polls all of them until Get-DsrAdapterReadiness
    # says ready or Timeout seconds pass; read errors while the device settles count as "not yet".
    param ([string]$InstanceId, [int]$Timeout, [string[]]$Families)
    $deadline = [DateTime]::UtcNow.AddSeconds($Timeout)
    while ($true) {
        $adapter = $null
        $bound = @()
        $configFound = $false
        try {
            $adapter = @(Get-NetAdapter -ErrorAction Stop | Where-Object { $_.PnPDeviceID -eq $InstanceId }) | Select-Object -First 1
            if ($adapter) {
                $bound = @(Get-NetIPInterface -InterfaceIndex $adapter.ifIndex -ErrorAction SilentlyContinue |
                        ForEach-Object { "$($_.AddressFamily)" })
                $configFound = [bool](Get-CimInstance -ClassName Win32_NetworkAdapterConfiguration -Filter "InterfaceIndex = $($adapter.ifIndex)" `
                        -ErrorAction Stop)
            }
        }
        catch {
            $adapter = $null
        }
        $readiness = Get-DsrAdapterReadiness -AdapterFound ([bool]$adapter) -Families $Families -BoundFamilies $bound -ConfigFound $configFound
        if ($readiness.Ready -or [DateTime]::UtcNow -gt $deadline) {
            return @{ Adapter = $adapter; Readiness = $readiness }
        }
        Start-Sleep -Milliseconds 500
    }
}

Function Format-Address {
    param ($Address)
    return "$(ConvertTo-DsrAddressKey -Address $Address.Address)/$($Address.PrefixLength)"
}

$before = @{ adapter = $null; addresses = @(); used_as_source = @(); register_in_dns = $null; netbios_options = $null; weak_host = @{}
    firewall = @{}
}
$after = @{ adapter = $null; addresses = @(); used_as_source = @(); register_in_dns = $null; netbios_options = $null; weak_host = @{}
    firewall = @{}
}

try {
    $marker = Get-Marker -Name $adapterName
    $others = Get-OtherMarker
    $found = Get-LoopbackAdapter

    if ($state -eq 'present') {
        # 1. Which adapter: use, adopt (rename) or create one.
        $choice = Select-DsrLoopbackAdapter -AdapterName $adapterName -Loopbacks $found.Loopbacks `
            -OtherAdapterNames $found.OtherNames -ManagedInstanceId $marker.InstanceId -ClaimedInstanceIds $others.Claimed
        if ($choice.Action -eq 'fail') {
            throw $choice.Message
        }
        $adapter = $choice.Adapter
        $created = $false
        $index = $null
        if ($adapter) { $index = $adapter.InterfaceIndex }

        # 2. Everything that can be refused is refused before the first change. A VIP held by another
        # interface makes DSR unsafe (that interface answers ARP / neighbour discovery for it).
        $allAddresses = @(Get-NetIPAddress -ErrorAction Stop | ForEach-Object {
                @{ Address = $_.IPAddress; InterfaceAlias = $_.InterfaceAlias; InterfaceIndex = [int]$_.InterfaceIndex
                    SkipAsSource = [bool]$_.SkipAsSource; AddressState = "$($_.AddressState)" }
            })
        $elsewhere = @($allAddresses | Where-Object { $_.InterfaceIndex -ne $index })
        $conflicts = Get-DsrVipConflict -Vips $vips -Elsewhere $elsewhere
        if ($conflicts.Messages.Count -gt 0) {
            throw ($conflicts.Messages -join '; ')
        }
        $interfaces = @(Get-NetIPInterface -ErrorAction Stop | ForEach-Object { $_.InterfaceAlias } | Sort-Object -Unique)
        $loopbackIndexes = @($found.Loopbacks | Where-Object { $null -ne $_.InterfaceIndex } | ForEach-Object { [int]$_.InterfaceIndex })
        $candidates = @(Get-DsrUplinkCandidate -Addresses @($allAddresses | Where-Object { $_.AddressState -eq 'Preferred' }) `
            -LoopbackIndexes $loopbackIndexes)
        $uplinkChoice = Select-DsrUplink -Requested $module.Params.uplink_interfaces -Families $families -Candidates $candidates `
            -Interfaces $interfaces -AdapterName $adapterName
        if ($uplinkChoice.Errors.Count -gt 0) {
            throw ($uplinkChoice.Errors -join '; ')
        }
        # The bindings of the uplinks and, when it exists, of the loopback adapter itself.
        $settings = Get-WeakHostSetting -Aliases $uplinkChoice.Uplinks -LoopbackIndex $index
        $loopbackFamilies = @(@('IPv4', 'IPv6') | Where-Object { $settings.ContainsKey("$adapterName|$_") })
        $weakPlan = Get-DsrWeakHostPlan -AdapterName $adapterName -Uplinks $uplinkChoice.Uplinks -Families $families `
            -LoopbackFamilies $loopbackFamilies -Current $settings -AdapterPending ($null -eq $index)
        if ($weakPlan.Errors.Count -gt 0) {
            throw ($weakPlan.Errors -join '; ')
        }
        $module.Result.uplinks = $uplinkChoice.Uplinks

        # 3. The adapter.
        if ($adapter) { $before.adapter = $adapter.Name }
        $waitedFor = $null
        $stopForReboot = $false
        if ($choice.Action -eq 'create') {
            if (-not $checkMode) {
                $reboot = $false
                $device = $deviceType::Install($infPath, $hardwareId, [ref]$reboot)
                Add-Action "create adapter $adapterName ($hardwareId, $($device.InstanceId))"
                # Remember at once that this module created it, so state=absent can remove it even if a later
                # step fails.
                Set-MarkerValue -Name $adapterName -ValueName InstanceId -Value $device.InstanceId
                Set-MarkerValue -Name $adapterName -ValueName Created -Value 1 -Type DWord
                $marker.InstanceId = $device.InstanceId
                $marker.Created = $true
                if ($reboot) { $module.Result.reboot_required = $true }
                $waitedFor = Wait-AdapterReady -InstanceId $device.InstanceId -Timeout $module.Params.adapter_timeout -Families $families
                $outcome = Get-DsrInstallOutcome -Readiness $waitedFor.Readiness -RebootRequired $reboot -InstanceId $device.InstanceId `
                    -Timeout $module.Params.adapter_timeout
                if ($outcome.Action -eq 'fail') {
                    throw $outcome.Message
                }
                if ($outcome.Action -eq 'reboot') {
                    # changed and reboot_required, nothing else: the role's reboot notice runs, and the run after
                    # the reboot finds the adapter and applies the rest.
                    $module.Warn($outcome.Message)
                    $stopForReboot = $true
                }
                else {
                    $adapter = @{ Name = $waitedFor.Adapter.Name; InstanceId = $device.InstanceId
                        InterfaceIndex = [int]$waitedFor.Adapter.ifIndex
                    }
                }
            }
            else {
                Add-Action "create adapter $adapterName ($hardwareId)"
            }
            $created = $true
        }
        if ($adapter -and $adapter.Name -ne $adapterName) {
            if (-not $checkMode) {
                Get-NetAdapter -InterfaceIndex $adapter.InterfaceIndex | Rename-NetAdapter -NewName $adapterName -ErrorAction Stop
            }
            Add-Action "rename adapter $($adapter.Name) to $adapterName"
        }
        if ($adapter -and $marker.InstanceId -ne $adapter.InstanceId) {
            # Adopted: claim it so that another adapter_name never adopts it too; Created stays false.
            if (-not $checkMode) {
                Set-MarkerValue -Name $adapterName -ValueName InstanceId -Value $adapter.InstanceId
                Set-MarkerValue -Name $adapterName -ValueName Created -Value 0 -Type DWord
            }
            $marker.InstanceId = $adapter.InstanceId
        }
        $after.adapter = $adapterName
        if ($adapter) { $index = $adapter.InterfaceIndex }
        $instanceId = $marker.InstanceId
        if ($adapter) { $instanceId = $adapter.InstanceId }
        $module.Result.adapter = @{ name = $adapterName; interface_index = $index; instance_id = $instanceId; created = $created
            managed = ($created -or [bool]$marker.Created)
        }

        if (-not $stopForReboot) {
            # 4. Addresses.
            $current = @()
            if ($null -ne $index) { $current = Get-InterfaceAddress -InterfaceIndex $index }
            $plan = Get-DsrAddressPlan -Vips $vips -Current $current -Purge $module.Params.purge_vips
            $diffBefore = ConvertTo-DsrDiffAddress -Addresses $current
            $diffAfter = ConvertTo-DsrDiffAddress -Addresses $plan.After
            $before.addresses = $diffBefore.Addresses
            $before.used_as_source = $diffBefore.UsedAsSource
            $after.addresses = $diffAfter.Addresses
            $after.used_as_source = $diffAfter.UsedAsSource
            $module.Result.unmanaged_addresses = $plan.Unmanaged
            foreach ($address in $plan.ToRemove) {
                if (-not $checkMode) {
                    Remove-NetIPAddress -InterfaceIndex $index -IPAddress $address.Address -Confirm:$false -ErrorAction Stop
                }
                Add-Action "remove $(Format-Address $address)"
            }
            foreach ($item in $plan.ToFixPrefix) {
                # In place: the VIP never leaves the adapter (a remove and re-add would drop its connections).
                if (-not $checkMode) {
                    Set-NetIPAddress -InterfaceIndex $index -IPAddress $item.Current.Address -PrefixLength $item.Vip.PrefixLength `
                        -SkipAsSource $true -ErrorAction Stop
                }
                Add-Action "set prefix of $(Format-Address $item.Current) to /$($item.Vip.PrefixLength) SkipAsSource"
            }
            foreach ($vip in $plan.ToMarkSkipAsSource) {
                if (-not $checkMode) {
                    Set-NetIPAddress -InterfaceIndex $index -IPAddress $vip.Address -SkipAsSource $true -ErrorAction Stop
                }
                Add-Action "set SkipAsSource on $($vip.Address)"
            }
            foreach ($vip in $plan.ToAdd) {
                if (-not $checkMode) {
                    New-NetIPAddress -InterfaceIndex $index -IPAddress $vip.Address -PrefixLength $vip.PrefixLength `
                        -AddressFamily $vip.Family -SkipAsSource $true -ErrorAction Stop | Out-Null
                }
                Add-Action "add $($vip.Address)/$($vip.PrefixLength) SkipAsSource"
            }

            # 5. No DNS registration, no NetBIOS over TCP/IP on the loopback adapter.
            $dns = $null
            $netbios = @{ Value = $null; Config = $null; Guid = $null }
            if ($null -ne $index) {
                $dnsClient = Get-DnsClient -InterfaceIndex $index -ErrorAction SilentlyContinue
                if ($dnsClient) { $dns = $dnsClient.RegisterThisConnectionsAddress }
                $netbios = Get-NetbiosOption -InterfaceIndex $index
            }
            $before.register_in_dns = $dns
            $before.netbios_options = $netbios.Value
            foreach ($change in (Get-DsrAdapterSettingPlan -RegisterInDns $dns -NetbiosOption $netbios.Value).Changes) {
                if (-not $checkMode) {
                    if ($change.Setting -eq 'RegisterThisConnectionsAddress') {
                        Set-DnsClient -InterfaceIndex $index -RegisterThisConnectionsAddress $false -ErrorAction Stop
                    }
                    else {
                        Disable-Netbios -Current $netbios
                    }
                }
                Add-Action "$(Format-DsrSettingChange -Change $change) on $adapterName"
            }
            $after.register_in_dns = $false
            $after.netbios_options = 2

            # 6. Weak host model: receive and send on the loopback adapter, receive on the uplinks; DHCP off on the
            # loopback. Read again when the adapter has just been created (step 2 could only predict it).
            if ($waitedFor) {
                $settings = Get-WeakHostSetting -Aliases $uplinkChoice.Uplinks -LoopbackIndex $index
                $loopbackFamilies = @(@('IPv4', 'IPv6') | Where-Object { $settings.ContainsKey("$adapterName|$_") })
                $weakPlan = Get-DsrWeakHostPlan -AdapterName $adapterName -Uplinks $uplinkChoice.Uplinks -Families $families `
                    -LoopbackFamilies $loopbackFamilies -Current $settings -AdapterPending $false
                if ($weakPlan.Errors.Count -gt 0) {
                    throw ($weakPlan.Errors -join '; ')
                }
            }
            $records = (Get-DsrUplinkRecord -AdapterName $adapterName -Changes $weakPlan.Changes -Recorded $marker.Uplinks).Records
            foreach ($key in $settings.Keys) {
                $before.weak_host[$key] = $settings[$key].Clone()
                $after.weak_host[$key] = $settings[$key].Clone()
            }
            foreach ($change in $weakPlan.Changes) {
                if (-not $checkMode) {
                    $key = "$($change.InterfaceAlias)|$($change.Family)"
                    if ($records.ContainsKey($key)) {
                        Set-MarkerValue -Name $adapterName -ValueName "Uplink|$key" -Value $records[$key]
                    }
                    Set-WeakHostSetting -Change $change -LoopbackIndex $index
                }
                Add-Action (Format-DsrSettingChange -Change $change)
                $key = "$($change.InterfaceAlias)|$($change.Family)"
                if (-not $after.weak_host.ContainsKey($key)) { $after.weak_host[$key] = @{} }
                $after.weak_host[$key][$change.Setting] = $change.To
            }
            # Which uplink settings this adapter name relies on, whoever changed them: bookkeeping for state=absent of
            # another adapter name, not a change of the host.
            $need = Get-DsrUplinkNeed -Uplinks $uplinkChoice.Uplinks -Families $families -Recorded $marker.Needs
            if (-not $checkMode) {
                foreach ($key in $need.ToAdd) { Set-MarkerValue -Name $adapterName -ValueName "Need|$key" -Value 1 -Type DWord }
                foreach ($key in $need.ToRemove) { Remove-MarkerValue -Name $adapterName -ValueName "Need|$key" }
            }

            # 7. Firewall, only when firewall_ports is given.
            $rules = Get-FirewallRuleState
            $firewallPlan = Get-DsrFirewallPlan -AdapterName $adapterName -Protocols $module.Params.firewall_protocols -Ports $firewallPorts `
                -Addresses @($vips | ForEach-Object { $_.Address }) -Current $rules
            $firewall = Invoke-FirewallPlan -Changes $firewallPlan.Changes -Before $rules
            $before.firewall = $firewall.Before
            $after.firewall = $firewall.After
        }
    }
    else {
        # The adapter this module recorded (by instance id: it may have been renamed), else the one named so.
        $adapter = Select-DsrAbsentAdapter -AdapterName $adapterName -Loopbacks $found.Loopbacks -ManagedInstanceId $marker.InstanceId
        $index = $null
        $adapterShownAs = $adapterName
        if ($adapter) {
            $index = $adapter.InterfaceIndex
            if ($adapter.Name) { $adapterShownAs = $adapter.Name }
            $before.adapter = $adapterShownAs
            $after.adapter = $adapterShownAs
        }
        $current = @()
        if ($null -ne $index) { $current = Get-InterfaceAddress -InterfaceIndex $index }
        $created = [bool]($marker.Created -and $adapter -and $marker.InstanceId -eq $adapter.InstanceId)
        $plan = Get-DsrAbsentPlan -Vips $vips -Current $current -Created $created -AdapterExists ([bool]$adapter)
        $removedKeys = @($plan.ToRemove | ForEach-Object { ConvertTo-DsrAddressKey -Address $_.Address })
        $diffBefore = ConvertTo-DsrDiffAddress -Addresses $current
        $diffAfter = ConvertTo-DsrDiffAddress -Addresses @($current | Where-Object { $removedKeys -notcontains (ConvertTo-DsrAddressKey -Address $_.Address) })
        $before.addresses = $diffBefore.Addresses
        $before.used_as_source = $diffBefore.UsedAsSource
        $after.addresses = $diffAfter.Addresses
        $after.used_as_source = $diffAfter.UsedAsSource

        # Firewall rules first (they name the VIPs), then the VIPs, then the adapter. Rules keep the addresses
        # that stay on the adapter.
        $rules = Get-FirewallRuleState
        $stillHeld = @()
        if ($plan.KeepUplinks) { $stillHeld = @($plan.Remaining) }
        $firewallPlan = Get-DsrFirewallAbsentPlan -Current $rules -Remaining $stillHeld
        $firewall = Invoke-FirewallPlan -Changes $firewallPlan.Changes -Before $rules
        $before.firewall = $firewall.Before
        $after.firewall = $firewall.After
        foreach ($address in $plan.ToRemove) {
            if (-not $checkMode) {
                Remove-NetIPAddress -InterfaceIndex $index -IPAddress $address.Address -Confirm:$false -ErrorAction Stop
            }
            Add-Action "remove $(Format-Address $address)"
        }
        if ($plan.RemoveAdapter) {
            if (-not $checkMode) {
                if ($deviceType::Remove($adapter.InstanceId)) { $module.Result.reboot_required = $true }
            }
            Add-Action "remove adapter $adapterShownAs ($($adapter.InstanceId))"
            $after.adapter = $null
        }
        elseif ($adapter) {
            $module.Result.adapter_kept_because = $plan.KeepReason
        }

        # Uplinks back to what they were, unless addresses stay on the adapter (the host is still a DSR backend
        # for them) or another adapter name relies on them (then its marker takes over the value to restore).
        $aliases = @($marker.Uplinks.Keys | ForEach-Object { ($_ -split '\|', 2)[0] } | Sort-Object -Unique)
        $settings = Get-WeakHostSetting -Aliases $aliases -LoopbackIndex $null
        foreach ($key in $settings.Keys) {
            $before.weak_host[$key] = $settings[$key].Clone()
            $after.weak_host[$key] = $settings[$key].Clone()
        }
        $module.Result.uplinks = $aliases
        if ($plan.KeepUplinks) {
            if ($aliases.Count -gt 0) {
                $module.Warn("weak host receive stays enabled on $($aliases -join ', '): $adapterShownAs still holds $($plan.Remaining -join ', ')")
            }
        }
        else {
            $restore = Get-DsrUplinkRestorePlan -Recorded $marker.Uplinks -Current $settings -Others $others.Others
            foreach ($handOver in $restore.HandOver) {
                if (-not $checkMode) {
                    Set-MarkerValue -Name $handOver.Marker -ValueName "Uplink|$($handOver.Key)" -Value $handOver.Value
                }
            }
            foreach ($change in $restore.Changes) {
                if (-not $checkMode) {
                    Set-WeakHostSetting -Change $change -LoopbackIndex $null
                }
                Add-Action (Format-DsrSettingChange -Change $change)
                $after.weak_host["$($change.InterfaceAlias)|$($change.Family)"][$change.Setting] = $change.To
            }
            # Forget the adapter name once its adapter is gone; an adapter kept stays claimed, without uplink
            # records or needs.
            $markerPath = Join-Path -Path $markerRoot -ChildPath $adapterName
            if (Test-Path -LiteralPath $markerPath) {
                if (-not $checkMode) {
                    if ($plan.RemoveAdapter -or -not $adapter) {
                        Remove-Item -LiteralPath $markerPath -Recurse -Force
                    }
                    else {
                        foreach ($key in @($marker.Uplinks.Keys)) { Remove-MarkerValue -Name $adapterName -ValueName "Uplink|$key" }
                        foreach ($key in @($marker.Needs)) { Remove-MarkerValue -Name $adapterName -ValueName "Need|$key" }
                    }
                }
            }
        }
        $module.Result.adapter = @{}
        if ($adapter -and -not $plan.RemoveAdapter) {
            $module.Result.adapter = @{ name = $adapterShownAs; interface_index = $index; instance_id = $adapter.InstanceId
                created = $false; managed = $created
            }
        }
    }
}
catch {
    # FailJson only here, outside the try: it ends the module, which a catch must not intercept. After a partial
    # change the result stays changed and the message lists what was applied (actions lists it too).
    $message = $_.Exception.Message
    if ($module.Result.actions.Count -gt 0) {
        $message += " (applied before the failure: $($module.Result.actions -join '; '))"
    }
    else {
        $message += ' (nothing was changed)'
    }
    $module.FailJson($message, $_)
}

if ($module.Result.changed) {
    $module.Diff.before = $before
    $module.Diff.after = $after
}
$module.ExitJson()
