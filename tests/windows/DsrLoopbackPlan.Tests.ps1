# Pester 5 tests of the pure decision functions of win_dsr_loopback. They need PowerShell but not Windows:
#   pwsh -NoProfile -Command "Invoke-Pester -Path tests/windows"
# (pytest runs this file through tests/unit/test_win_dsr_loopback.py when pwsh is on PATH.)

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../plugins/module_utils/DsrLoopbackPlan.psm1') -Force
}

Describe 'ConvertTo-DsrVip' {
    It 'reads <Vip> as <Address>/<Prefix>' -ForEach @(
        @{ Vip = '192.0.2.10'; Address = '192.0.2.10'; Prefix = 32; Family = 'IPv4' }
        @{ Vip = ' 192.0.2.10/32 '; Address = '192.0.2.10'; Prefix = 32; Family = 'IPv4' }
        @{ Vip = '2001:DB8:0:0::10'; Address = '2001:db8::10'; Prefix = 128; Family = 'IPv6' }
        @{ Vip = '2001:db8::10/128'; Address = '2001:db8::10'; Prefix = 128; Family = 'IPv6' }
    ) {
        $result = ConvertTo-DsrVip -Vip $Vip
        $result.Address | Should -Be $Address
        $result.PrefixLength | Should -Be $Prefix
        $result.Family | Should -Be $Family
    }

    It 'refuses <Vip>' -ForEach @(
        @{ Vip = '192.0.2.10/24'; Reason = 'host address' }
        @{ Vip = '2001:db8::10/64'; Reason = 'host address' }
        @{ Vip = '10.1'; Reason = 'not an IPv4' }
        @{ Vip = 'vip.example.com'; Reason = 'not an IPv4' }
        @{ Vip = ''; Reason = 'not an IPv4' }
        @{ Vip = '127.0.0.1'; Reason = 'loopback' }
        @{ Vip = '0.0.0.0'; Reason = 'unspecified' }
        @{ Vip = '224.0.0.1'; Reason = 'multicast' }
        @{ Vip = '169.254.1.1'; Reason = 'link-local' }
        @{ Vip = '::1'; Reason = 'loopback' }
        @{ Vip = 'fe80::1'; Reason = 'link-local' }
        @{ Vip = 'fe80::1%12'; Reason = 'not an IPv4' }
    ) {
        { ConvertTo-DsrVip -Vip $Vip } | Should -Throw "*$Reason*"
    }
}

Describe 'ConvertTo-DsrVipList' {
    It 'drops duplicates and reports the families in use' {
        $result = ConvertTo-DsrVipList -Vips @('192.0.2.10', '192.0.2.10/32', '2001:db8::10')
        @($result.Vips).Count | Should -Be 2
        (@($result.Families) -join '|') | Should -Be 'IPv4|IPv6'
    }
}

Describe 'Test-DsrAdapterName' {
    It 'accepts LBVS_Loopback' {
        Test-DsrAdapterName -Name 'LBVS_Loopback' | Should -BeNullOrEmpty
    }

    It 'refuses <Name>' -ForEach @(@{ Name = '' }, @{ Name = ' lo' }, @{ Name = 'a\b' }, @{ Name = 'a/b' }, @{ Name = ('x' * 129) }) {
        Test-DsrAdapterName -Name $Name | Should -BeLike 'adapter_name:*'
    }
}

Describe 'Select-DsrLoopbackAdapter' {
    BeforeAll {
        $lbvs = @{ Name = 'LBVS_Loopback'; InstanceId = 'ROOT\NET\0000'; InterfaceIndex = 14 }
        $other = @{ Name = 'Ethernet 3'; InstanceId = 'ROOT\NET\0001'; InterfaceIndex = 15 }
    }

    It 'uses the adapter that already has the name' {
        $result = Select-DsrLoopbackAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @($other, $lbvs)
        $result.Action | Should -Be 'use'
        $result.Adapter.InstanceId | Should -Be 'ROOT\NET\0000'
    }

    It 'creates one when there is no KM-TEST adapter' {
        (Select-DsrLoopbackAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @()).Action | Should -Be 'create'
    }

    It 'adopts the only KM-TEST adapter and renames it instead of creating a second' {
        $result = Select-DsrLoopbackAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @($other)
        $result.Action | Should -Be 'rename'
        $result.Adapter.Name | Should -Be 'Ethernet 3'
    }

    It 'renames the adapter it recorded, even when others exist' {
        $third = @{ Name = 'Ethernet 4'; InstanceId = 'ROOT\NET\0002'; InterfaceIndex = 16 }
        $result = Select-DsrLoopbackAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @($other, $third) -ManagedInstanceId 'ROOT\NET\0002'
        $result.Action | Should -Be 'rename'
        $result.Adapter.InstanceId | Should -Be 'ROOT\NET\0002'
    }

    It 'fails rather than guess between several unclaimed adapters' {
        $third = @{ Name = 'Ethernet 4'; InstanceId = 'ROOT\NET\0002'; InterfaceIndex = 16 }
        $result = Select-DsrLoopbackAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @($other, $third)
        $result.Action | Should -Be 'fail'
        $result.Message | Should -BeLike "*'Ethernet 3'*'Ethernet 4'*"
    }

    It 'never adopts an adapter claimed for another adapter name' {
        $result = Select-DsrLoopbackAdapter -AdapterName 'VIP2' -Loopbacks @($lbvs) -ClaimedInstanceIds @('ROOT\NET\0000')
        $result.Action | Should -Be 'create'
    }

    It 'adopts no device that has no network adapter' {
        $broken = @{ Name = $null; InstanceId = 'ROOT\NET\0003'; InterfaceIndex = $null }
        (Select-DsrLoopbackAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @($broken)).Action | Should -Be 'create'
        $recorded = Select-DsrLoopbackAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @($broken) -ManagedInstanceId 'ROOT\NET\0003'
        $recorded.Action | Should -Be 'fail'
        $recorded.Message | Should -BeLike '*no network adapter*'
    }

    It 'fails when the name belongs to an adapter that is not a loopback one' {
        $result = Select-DsrLoopbackAdapter -AdapterName 'Ethernet0' -Loopbacks @() -OtherAdapterNames @('Ethernet0')
        $result.Action | Should -Be 'fail'
        $result.Message | Should -BeLike '*not a KM-TEST*'
    }
}

Describe 'Get-DsrVipConflict' {
    It 'names the interface that already holds a VIP' {
        $vips = (ConvertTo-DsrVipList -Vips @('192.0.2.10', '2001:db8::10')).Vips
        $elsewhere = @(@{ Address = '192.0.2.10'; InterfaceAlias = 'Ethernet0' }, @{ Address = '192.0.2.11'; InterfaceAlias = 'Ethernet0' })
        $result = Get-DsrVipConflict -Vips $vips -Elsewhere $elsewhere
        @($result.Messages).Count | Should -Be 1
        $result.Messages[0] | Should -BeLike "*192.0.2.10*'Ethernet0'*"
    }
}

Describe 'Get-DsrAddressPlan' {
    BeforeAll {
        $vips = (ConvertTo-DsrVipList -Vips @('192.0.2.10', '192.0.2.11', '2001:db8::10')).Vips
    }

    It 'adds what is missing and leaves what is right alone' {
        $current = @(
            @{ Address = '192.0.2.10'; PrefixLength = 32; SkipAsSource = $true }
            @{ Address = 'fe80::5%14'; PrefixLength = 64; SkipAsSource = $false }
            @{ Address = '169.254.3.4'; PrefixLength = 16; SkipAsSource = $false }
        )
        $plan = Get-DsrAddressPlan -Vips $vips -Current $current
        (@(@($plan.ToAdd | ForEach-Object { $_.Address })) -join '|') | Should -Be '192.0.2.11|2001:db8::10'
        @($plan.ToReplace).Count | Should -Be 0
        @($plan.ToMarkSkipAsSource).Count | Should -Be 0
        @($plan.ToRemove).Count | Should -Be 0
        @($plan.Unmanaged).Count | Should -Be 0
    }

    It 'replaces a VIP with a wider prefix and marks one used as source' {
        $current = @(
            @{ Address = '192.0.2.10'; PrefixLength = 24; SkipAsSource = $true }
            @{ Address = '2001:DB8::10'; PrefixLength = 128; SkipAsSource = $false }
        )
        $plan = Get-DsrAddressPlan -Vips $vips -Current $current
        $plan.ToReplace[0].Vip.Address | Should -Be '192.0.2.10'
        $plan.ToMarkSkipAsSource[0].Address | Should -Be '2001:db8::10'
        (@(@($plan.ToAdd | ForEach-Object { $_.Address })) -join '|') | Should -Be '192.0.2.11'
    }

    It 'reports other addresses, and removes them only with Purge' {
        $current = @(@{ Address = '198.51.100.7'; PrefixLength = 32; SkipAsSource = $true })
        $kept = Get-DsrAddressPlan -Vips $vips -Current $current
        (@($kept.Unmanaged) -join '|') | Should -Be '198.51.100.7/32'
        @($kept.ToRemove).Count | Should -Be 0
        $purged = Get-DsrAddressPlan -Vips $vips -Current $current -Purge $true
        $purged.ToRemove[0].Address | Should -Be '198.51.100.7'
    }
}

Describe 'Select-DsrUplink' {
    BeforeAll {
        $routes = @(
            @{ InterfaceAlias = 'Ethernet0'; Family = 'IPv4' }
            @{ InterfaceAlias = 'LBVS_Loopback'; Family = 'IPv4' }
            @{ InterfaceAlias = 'Ethernet1'; Family = 'IPv6' }
        )
    }

    It 'detects the interfaces with a default route of each VIP family, never the loopback' {
        $result = Select-DsrUplink -Families @('IPv4', 'IPv6') -DefaultRoutes $routes -AdapterName 'LBVS_Loopback'
        (@($result.Uplinks) -join '|') | Should -Be 'Ethernet0|Ethernet1'
        @($result.Errors).Count | Should -Be 0
    }

    It 'says so when a family has no default route' {
        $result = Select-DsrUplink -Families @('IPv6') -DefaultRoutes @($routes[0]) -AdapterName 'LBVS_Loopback'
        $result.Errors[0] | Should -BeLike '*IPv6 default route*uplink_interfaces*'
    }

    It 'checks the interfaces it is given' {
        $result = Select-DsrUplink -Requested @('Ethernet0', 'Nope', 'LBVS_Loopback') -Interfaces @('Ethernet0', 'LBVS_Loopback') -AdapterName 'LBVS_Loopback'
        (@($result.Uplinks) -join '|') | Should -Be 'Ethernet0'
        @($result.Errors).Count | Should -Be 2
    }

    It 'manages no uplink when given an empty list' {
        $result = Select-DsrUplink -Requested @() -Families @('IPv4') -DefaultRoutes $routes -AdapterName 'LBVS_Loopback'
        @($result.Uplinks).Count | Should -Be 0
        @($result.Errors).Count | Should -Be 0
    }
}

Describe 'Get-DsrWeakHostPlan' {
    It 'enables receive and send on the loopback and receive on the uplink' {
        $current = @{
            'LBVS_Loopback|IPv4' = @{ WeakHostReceive = 'Disabled'; WeakHostSend = 'Enabled' }
            'Ethernet0|IPv4' = @{ WeakHostReceive = 'Disabled'; WeakHostSend = 'Disabled' }
        }
        $plan = Get-DsrWeakHostPlan -AdapterName 'LBVS_Loopback' -Uplinks @('Ethernet0') -Families @('IPv4') -Current $current
        $lines = @($plan.Changes | ForEach-Object { Format-DsrSettingChange -Change $_ })
        (@($lines) -join '|') | Should -Be 'IPv4 WeakHostReceive Disabled -> Enabled on LBVS_Loopback|IPv4 WeakHostReceive Disabled -> Enabled on Ethernet0'
    }

    It 'changes nothing when all is enabled' {
        $current = @{
            'LBVS_Loopback|IPv4' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Enabled' }
            'Ethernet0|IPv4' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Disabled' }
        }
        $plan = Get-DsrWeakHostPlan -AdapterName 'LBVS_Loopback' -Uplinks @('Ethernet0') -Families @('IPv4') -Current $current
        @($plan.Changes).Count | Should -Be 0
    }

    It 'predicts the settings of an adapter still to be created, and refuses an uplink without the family' {
        $current = @{ 'Ethernet0|IPv4' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Disabled' } }
        $plan = Get-DsrWeakHostPlan -AdapterName 'LBVS_Loopback' -Uplinks @('Ethernet0') -Families @('IPv4', 'IPv6') -Current $current -AdapterPending $true
        @($plan.Changes | Where-Object { $_.InterfaceAlias -eq 'LBVS_Loopback' }).Count | Should -Be 4
        (@($plan.Errors) -join '|') | Should -Be "interface 'Ethernet0' has no IPv6 binding, so WeakHostReceive cannot be enabled on it"
    }
}

Describe 'Uplink records and their restoration' {
    It 'remembers only uplink receive settings it has not remembered before' {
        $changes = @(
            @{ InterfaceAlias = 'LBVS_Loopback'; Family = 'IPv4'; Setting = 'WeakHostReceive'; From = 'Disabled'; To = 'Enabled' }
            @{ InterfaceAlias = 'Ethernet0'; Family = 'IPv4'; Setting = 'WeakHostReceive'; From = 'Disabled'; To = 'Enabled' }
            @{ InterfaceAlias = 'Ethernet1'; Family = 'IPv4'; Setting = 'WeakHostReceive'; From = 'Disabled'; To = 'Enabled' }
        )
        $records = (Get-DsrUplinkRecord -AdapterName 'LBVS_Loopback' -Changes $changes -Recorded @{ 'Ethernet1|IPv4' = 'Disabled' }).Records
        (@(@($records.Keys)) -join '|') | Should -Be 'Ethernet0|IPv4'
    }

    It 'puts back what it changed unless another adapter still needs it' {
        $recorded = @{ 'Ethernet0|IPv4' = 'Disabled'; 'Ethernet1|IPv4' = 'Disabled'; 'Gone|IPv4' = 'Disabled' }
        $current = @{
            'Ethernet0|IPv4' = @{ WeakHostReceive = 'Enabled' }
            'Ethernet1|IPv4' = @{ WeakHostReceive = 'Enabled' }
        }
        $plan = Get-DsrUplinkRestorePlan -Recorded $recorded -Current $current -StillNeeded @('Ethernet1|IPv4')
        @($plan.Changes).Count | Should -Be 1
        Format-DsrSettingChange -Change $plan.Changes[0] | Should -Be 'IPv4 WeakHostReceive Enabled -> Disabled on Ethernet0'
    }
}

Describe 'Get-DsrAdapterSettingPlan' {
    It 'turns off DNS registration and NetBIOS' {
        $plan = Get-DsrAdapterSettingPlan -RegisterInDns $true -NetbiosOption 0
        (@(@($plan.Changes | ForEach-Object { $_.Setting })) -join '|') | Should -Be 'RegisterThisConnectionsAddress|TcpipNetbiosOptions'
    }

    It 'leaves them alone when already off' {
        @((Get-DsrAdapterSettingPlan -RegisterInDns $false -NetbiosOption ([uint32]2)).Changes).Count | Should -Be 0
    }
}

Describe 'Firewall' {
    It 'canonicalises ports' {
        (@((ConvertTo-DsrPortList -Ports @('443', ' 80 ', '8000 - 8099', '80', '9000-9000')).Ports) -join '|') | Should -Be '443|80|8000-8099|9000'
    }

    It 'refuses <Port>' -ForEach @(@{ Port = '0' }, @{ Port = '70000' }, @{ Port = '90-80' }, @{ Port = 'http' }) {
        { ConvertTo-DsrPortList -Ports @($Port) } | Should -Throw '*firewall_ports*'
    }

    It 'creates one rule per protocol' {
        $plan = Get-DsrFirewallPlan -AdapterName 'LBVS_Loopback' -Protocols @('TCP', 'UDP') -Ports @('80') -Addresses @('192.0.2.10')
        $names = @($plan.Changes | ForEach-Object { "$($_.Action) $($_.Name)" })
        ($names -join '|') | Should -Be 'create adcops.netscaler.dsr.LBVS_Loopback.TCP|create adcops.netscaler.dsr.LBVS_Loopback.UDP'
    }

    It 'leaves a matching rule alone, whatever mask notation it reads back' {
        $current = @{ 'adcops.netscaler.dsr.LBVS_Loopback.TCP' = @{ Protocol = 'TCP'; LocalPort = @('443', '80')
                LocalAddress = @('192.0.2.10/255.255.255.255', '2001:DB8::10'); Enabled = 'True'; Action = 'Allow'; Direction = 'Inbound' } }
        $plan = Get-DsrFirewallPlan -AdapterName 'LBVS_Loopback' -Protocols @('TCP') -Ports @('443', '80') -Addresses @('192.0.2.10', '2001:db8::10') -Current $current
        @($plan.Changes).Count | Should -Be 0
    }

    It 'updates a rule that differs and removes one no longer wanted' {
        $current = @{
            'adcops.netscaler.dsr.LBVS_Loopback.TCP' = @{ Protocol = 'TCP'; LocalPort = @('80'); LocalAddress = @('192.0.2.10'); Enabled = 'False'; Action = 'Allow'; Direction = 'Inbound' }
            'adcops.netscaler.dsr.LBVS_Loopback.UDP' = @{ Protocol = 'UDP'; LocalPort = @('80'); LocalAddress = @('192.0.2.10'); Enabled = 'True'; Action = 'Allow'; Direction = 'Inbound' }
        }
        $plan = Get-DsrFirewallPlan -AdapterName 'LBVS_Loopback' -Protocols @('TCP') -Ports @('80') -Addresses @('192.0.2.10') -Current $current
        (@(@($plan.Changes | ForEach-Object { $_.Action })) -join '|') | Should -Be 'update|remove'
    }

    It 'does nothing when the firewall is not managed' {
        $current = @{ 'adcops.netscaler.dsr.LBVS_Loopback.TCP' = @{ Protocol = 'TCP' } }
        @((Get-DsrFirewallPlan -AdapterName 'LBVS_Loopback' -Protocols @('TCP') -Ports $null -Current $current).Changes).Count | Should -Be 0
    }
}

Describe 'Get-DsrAbsentPlan' {
    BeforeAll {
        $vips = (ConvertTo-DsrVipList -Vips @('192.0.2.10')).Vips
    }

    It 'removes the VIP and the adapter it created once nothing else is on it' {
        $current = @(@{ Address = '192.0.2.10'; PrefixLength = 32 }, @{ Address = 'fe80::1%14'; PrefixLength = 64 })
        $plan = Get-DsrAbsentPlan -Vips $vips -Current $current -Created $true -AdapterExists $true
        @($plan.ToRemove).Count | Should -Be 1
        $plan.RemoveAdapter | Should -BeTrue
    }

    It 'keeps an adapter that still holds other addresses' {
        $current = @(@{ Address = '192.0.2.10'; PrefixLength = 32 }, @{ Address = '198.51.100.7'; PrefixLength = 32 })
        $plan = Get-DsrAbsentPlan -Vips $vips -Current $current -Created $true -AdapterExists $true
        $plan.RemoveAdapter | Should -BeFalse
        $plan.KeepReason | Should -BeLike '*198.51.100.7*'
    }

    It 'keeps an adapter it adopted' {
        $plan = Get-DsrAbsentPlan -Vips $vips -Current @() -Created $false -AdapterExists $true
        $plan.RemoveAdapter | Should -BeFalse
        $plan.KeepReason | Should -BeLike '*not created by this module*'
    }
}
