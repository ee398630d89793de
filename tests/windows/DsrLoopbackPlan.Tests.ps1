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

    It 'fixes the prefix of a VIP in place (never remove and re-add) and marks one used as source' {
        $current = @(
            @{ Address = '192.0.2.10'; PrefixLength = 24; SkipAsSource = $false }
            @{ Address = '2001:DB8::10'; PrefixLength = 128; SkipAsSource = $false }
        )
        $plan = Get-DsrAddressPlan -Vips $vips -Current $current
        @($plan.ToFixPrefix).Count | Should -Be 1
        $plan.ToFixPrefix[0].Current.PrefixLength | Should -Be 24
        $plan.ToFixPrefix[0].Vip.PrefixLength | Should -Be 32
        @($plan.ToRemove).Count | Should -Be 0
        $plan.ToMarkSkipAsSource[0].Address | Should -Be '2001:db8::10'
        (@(@($plan.ToAdd | ForEach-Object { $_.Address })) -join '|') | Should -Be '192.0.2.11'
        $plan.ContainsKey('ToReplace') | Should -BeFalse
    }

    It 'predicts the addresses after the run, for the diff' {
        $current = @(
            @{ Address = '192.0.2.10'; PrefixLength = 24; SkipAsSource = $false }
            @{ Address = '198.51.100.7'; PrefixLength = 32; SkipAsSource = $false }
            @{ Address = 'fe80::5%14'; PrefixLength = 64; SkipAsSource = $false }
        )
        $after = ConvertTo-DsrDiffAddress -Addresses (Get-DsrAddressPlan -Vips $vips -Current $current).After
        ($after.Addresses -join '|') | Should -Be '192.0.2.10/32|192.0.2.11/32|198.51.100.7/32|2001:db8::10/128'
        ($after.UsedAsSource -join '|') | Should -Be '198.51.100.7/32'
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

Describe 'ConvertTo-DsrDiffAddress' {
    It 'lists the same kinds of addresses before and after: no link-local, no APIPA, no suffixes' {
        $current = @(
            @{ Address = '192.0.2.10'; PrefixLength = 32; SkipAsSource = $true }
            @{ Address = '192.0.2.201'; PrefixLength = 32; SkipAsSource = $false }
            @{ Address = 'fe80::5%14'; PrefixLength = 64; SkipAsSource = $false }
            @{ Address = '169.254.3.4'; PrefixLength = 16; SkipAsSource = $false }
        )
        $diff = ConvertTo-DsrDiffAddress -Addresses $current
        ($diff.Addresses -join '|') | Should -Be '192.0.2.10/32|192.0.2.201/32'
        ($diff.UsedAsSource -join '|') | Should -Be '192.0.2.201/32'
    }
}

Describe 'Select-DsrUplink' {
    BeforeAll {
        $one = @(@{ InterfaceAlias = 'Ethernet0'; Family = 'IPv4' }, @{ InterfaceAlias = 'Ethernet0'; Family = 'IPv6' })
        $two = @(@{ InterfaceAlias = 'Ethernet0'; Family = 'IPv4' }, @{ InterfaceAlias = 'Storage'; Family = 'IPv4' })
    }

    It 'detects the uplink when a single interface could receive the traffic of each VIP family' {
        $result = Select-DsrUplink -Families @('IPv4', 'IPv6') -Candidates $one -AdapterName 'LBVS_Loopback'
        (@($result.Uplinks) -join '|') | Should -Be 'Ethernet0'
        @($result.Errors).Count | Should -Be 0
    }

    It 'refuses to guess on a multi-homed host and says how to find the uplink' {
        $result = Select-DsrUplink -Families @('IPv4') -Candidates $two -AdapterName 'LBVS_Loopback'
        @($result.Uplinks).Count | Should -Be 0
        $result.Errors[0] | Should -BeLike '*several interfaces*Ethernet0, Storage*uplink_interfaces*Find-NetRoute -RemoteIPAddress*'
    }

    It 'says so when a family has no candidate' {
        $result = Select-DsrUplink -Families @('IPv6') -Candidates @($two[0]) -AdapterName 'LBVS_Loopback'
        $result.Errors[0] | Should -BeLike '*no interface has an IPv6 address*uplink_interfaces*'
    }

    It 'checks the interfaces it is given' {
        $interfaces = @('Ethernet0', 'LBVS_Loopback')
        $result = Select-DsrUplink -Requested @('Ethernet0', 'Nope', 'LBVS_Loopback') -Interfaces $interfaces -AdapterName 'LBVS_Loopback'
        (@($result.Uplinks) -join '|') | Should -Be 'Ethernet0'
        @($result.Errors).Count | Should -Be 2
    }

    It 'takes the interfaces it is given even on a multi-homed host' {
        $result = Select-DsrUplink -Requested @('Storage') -Families @('IPv4') -Candidates $two -Interfaces @('Ethernet0', 'Storage') `
            -AdapterName 'LBVS_Loopback'
        (@($result.Uplinks) -join '|') | Should -Be 'Storage'
        @($result.Errors).Count | Should -Be 0
    }

    It 'manages no uplink when given an empty list' {
        $result = Select-DsrUplink -Requested @() -Families @('IPv4') -Candidates $two -AdapterName 'LBVS_Loopback'
        @($result.Uplinks).Count | Should -Be 0
        @($result.Errors).Count | Should -Be 0
    }
}

Describe 'Get-DsrUplinkCandidate' {
    It 'counts interfaces with a usable address, not loopbacks, link-local, APIPA or SkipAsSource ones' {
        $addresses = @(
            @{ InterfaceAlias = 'Ethernet0'; InterfaceIndex = 4; Address = '10.0.0.5'; SkipAsSource = $false }
            @{ InterfaceAlias = 'Ethernet0'; InterfaceIndex = 4; Address = 'fe80::1%4'; SkipAsSource = $false }
            @{ InterfaceAlias = 'Loopback Pseudo-Interface 1'; InterfaceIndex = 1; Address = '127.0.0.1'; SkipAsSource = $false }
            @{ InterfaceAlias = 'Loopback Pseudo-Interface 1'; InterfaceIndex = 1; Address = '::1'; SkipAsSource = $false }
            @{ InterfaceAlias = 'LBVS_Loopback'; InterfaceIndex = 14; Address = '192.0.2.10'; SkipAsSource = $true }
            @{ InterfaceAlias = 'Other_Loopback'; InterfaceIndex = 15; Address = '192.0.2.99'; SkipAsSource = $false }
            @{ InterfaceAlias = 'Unplugged'; InterfaceIndex = 6; Address = '169.254.9.9'; SkipAsSource = $false }
            @{ InterfaceAlias = 'Ethernet1'; InterfaceIndex = 5; Address = '2001:db8:1::5'; SkipAsSource = $false }
        )
        $found = @(Get-DsrUplinkCandidate -Addresses $addresses -LoopbackIndexes @(14, 15))
        (@($found | ForEach-Object { "$($_.InterfaceAlias)|$($_.Family)" }) -join ',') | Should -Be 'Ethernet0|IPv4,Ethernet1|IPv6'
    }
}

Describe 'Get-DsrWeakHostPlan' {
    It 'enables receive and send on the loopback and receive on the uplink' {
        $current = @{
            'LBVS_Loopback|IPv4' = @{ WeakHostReceive = 'Disabled'; WeakHostSend = 'Enabled'; Dhcp = 'Disabled' }
            'Ethernet0|IPv4' = @{ WeakHostReceive = 'Disabled'; WeakHostSend = 'Disabled'; Dhcp = 'Enabled' }
        }
        $plan = Get-DsrWeakHostPlan -AdapterName 'LBVS_Loopback' -Uplinks @('Ethernet0') -Families @('IPv4') -Current $current
        $lines = @($plan.Changes | ForEach-Object { Format-DsrSettingChange -Change $_ })
        $expected = @(
            'IPv4 WeakHostReceive Disabled -> Enabled on LBVS_Loopback'
            'IPv4 WeakHostReceive Disabled -> Enabled on Ethernet0'
        )
        (@($lines) -join '|') | Should -Be ($expected -join '|')
    }

    It 'turns DHCP off on the loopback for every family it is bound to, not only the VIP families' {
        $current = @{
            'LBVS_Loopback|IPv4' = @{ WeakHostReceive = 'Disabled'; WeakHostSend = 'Disabled'; Dhcp = 'Enabled' }
            'LBVS_Loopback|IPv6' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Enabled'; Dhcp = 'Enabled' }
            'Ethernet0|IPv6' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Disabled'; Dhcp = 'Enabled' }
        }
        $plan = Get-DsrWeakHostPlan -AdapterName 'LBVS_Loopback' -Uplinks @('Ethernet0') -Families @('IPv6') `
            -LoopbackFamilies @('IPv4', 'IPv6') -Current $current
        $lines = @($plan.Changes | ForEach-Object { Format-DsrSettingChange -Change $_ })
        ($lines -join '|') | Should -Be 'IPv4 Dhcp Enabled -> Disabled on LBVS_Loopback|IPv6 Dhcp Enabled -> Disabled on LBVS_Loopback'
        @($plan.Errors).Count | Should -Be 0
        # nothing changes on the IPv4 weak host settings of an IPv6-only loopback, nor on the uplink's DHCP
        @($plan.Changes | Where-Object { $_.Setting -ne 'Dhcp' }).Count | Should -Be 0
    }

    It 'refuses before any change when the existing loopback adapter lacks a binding of a VIP family' {
        $current = @{
            'LBVS_Loopback|IPv4' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Enabled'; Dhcp = 'Disabled' }
            'Ethernet0|IPv4' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Disabled'; Dhcp = 'Enabled' }
            'Ethernet0|IPv6' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Disabled'; Dhcp = 'Enabled' }
        }
        $plan = Get-DsrWeakHostPlan -AdapterName 'LBVS_Loopback' -Uplinks @('Ethernet0') -Families @('IPv4', 'IPv6') `
            -LoopbackFamilies @('IPv4') -Current $current -AdapterPending $false
        @($plan.Errors | Where-Object { $_ -like "interface 'LBVS_Loopback' has no IPv6 binding*" }).Count | Should -Be 3
    }

    It 'changes nothing when all is enabled' {
        $current = @{
            'LBVS_Loopback|IPv4' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Enabled'; Dhcp = 'Disabled' }
            'Ethernet0|IPv4' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Disabled'; Dhcp = 'Enabled' }
        }
        $plan = Get-DsrWeakHostPlan -AdapterName 'LBVS_Loopback' -Uplinks @('Ethernet0') -Families @('IPv4') -Current $current
        @($plan.Changes).Count | Should -Be 0
    }

    It 'predicts the settings of an adapter still to be created, and refuses an uplink without the family' {
        $current = @{ 'Ethernet0|IPv4' = @{ WeakHostReceive = 'Enabled'; WeakHostSend = 'Disabled' } }
        $plan = Get-DsrWeakHostPlan -AdapterName 'LBVS_Loopback' -Uplinks @('Ethernet0') -Families @('IPv4', 'IPv6') -Current $current `
            -AdapterPending $true
        # receive, send and DHCP off, for each family
        @($plan.Changes | Where-Object { $_.InterfaceAlias -eq 'LBVS_Loopback' }).Count | Should -Be 6
        (@($plan.Errors) -join '|') | Should -Be "interface 'Ethernet0' has no IPv6 binding, so WeakHostReceive cannot be set on it"
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

    It 'puts back what it changed unless another adapter name relies on it' {
        $recorded = @{ 'Ethernet0|IPv4' = 'Disabled'; 'Ethernet1|IPv4' = 'Disabled'; 'Gone|IPv4' = 'Disabled' }
        $current = @{
            'Ethernet0|IPv4' = @{ WeakHostReceive = 'Enabled' }
            'Ethernet1|IPv4' = @{ WeakHostReceive = 'Enabled' }
        }
        $others = @{ 'VIP2' = @{ Needs = @('Ethernet1|IPv4'); Records = @() } }
        $plan = Get-DsrUplinkRestorePlan -Recorded $recorded -Current $current -Others $others
        @($plan.Changes).Count | Should -Be 1
        Format-DsrSettingChange -Change $plan.Changes[0] | Should -Be 'IPv4 WeakHostReceive Enabled -> Disabled on Ethernet0'
    }

    It 'never disables an uplink another adapter name relies on without having changed it itself' {
        # VIP1 enabled weak host receive on Ethernet0 first; VIP2 found it enabled and recorded nothing but its need.
        $others = @{ 'VIP2' = @{ Needs = @('Ethernet0|IPv4'); Records = @() } }
        $plan = Get-DsrUplinkRestorePlan -Recorded @{ 'Ethernet0|IPv4' = 'Disabled' } `
            -Current @{ 'Ethernet0|IPv4' = @{ WeakHostReceive = 'Enabled' } } -Others $others
        @($plan.Changes).Count | Should -Be 0
        # and VIP2 takes over the value to put back when it goes too
        @($plan.HandOver).Count | Should -Be 1
        $plan.HandOver[0].Marker | Should -Be 'VIP2'
        $plan.HandOver[0].Key | Should -Be 'Ethernet0|IPv4'
        $plan.HandOver[0].Value | Should -Be 'Disabled'
    }

    It 'hands nothing over to a marker that remembers a value of its own, and reads old markers by their records' {
        $others = @{ 'VIP2' = @{ Needs = @(); Records = @('Ethernet0|IPv4') } }
        $plan = Get-DsrUplinkRestorePlan -Recorded @{ 'Ethernet0|IPv4' = 'Disabled' } `
            -Current @{ 'Ethernet0|IPv4' = @{ WeakHostReceive = 'Enabled' } } -Others $others
        @($plan.Changes).Count | Should -Be 0
        @($plan.HandOver).Count | Should -Be 0
    }
}

Describe 'Get-DsrUplinkNeed' {
    It 'records every uplink and family relied on, and forgets those no longer used' {
        $need = Get-DsrUplinkNeed -Uplinks @('Ethernet0') -Families @('IPv4', 'IPv6') -Recorded @('Ethernet0|IPv4', 'Old|IPv4')
        ($need.Needs -join ',') | Should -Be 'Ethernet0|IPv4,Ethernet0|IPv6'
        ($need.ToAdd -join ',') | Should -Be 'Ethernet0|IPv6'
        ($need.ToRemove -join ',') | Should -Be 'Old|IPv4'
    }

    It 'changes nothing on a second run' {
        $need = Get-DsrUplinkNeed -Uplinks @('Ethernet0') -Families @('IPv4') -Recorded @('Ethernet0|IPv4')
        @($need.ToAdd).Count | Should -Be 0
        @($need.ToRemove).Count | Should -Be 0
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
        $plan = Get-DsrFirewallPlan -AdapterName 'LBVS_Loopback' -Protocols @('TCP') -Ports @('443', '80') `
            -Addresses @('192.0.2.10', '2001:db8::10') -Current $current
        @($plan.Changes).Count | Should -Be 0
    }

    It 'updates a rule that differs and removes one no longer wanted' {
        $current = @{
            'adcops.netscaler.dsr.LBVS_Loopback.TCP' = @{ Protocol = 'TCP'; LocalPort = @('80'); LocalAddress = @('192.0.2.10')
                Enabled = 'False'; Action = 'Allow'; Direction = 'Inbound'
            }
            'adcops.netscaler.dsr.LBVS_Loopback.UDP' = @{ Protocol = 'UDP'; LocalPort = @('80'); LocalAddress = @('192.0.2.10')
                Enabled = 'True'; Action = 'Allow'; Direction = 'Inbound'
            }
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

    It 'keeps the uplinks and the remaining VIPs' rules while other VIPs stay on the adapter' {
        $current = @(
            @{ Address = '192.0.2.10'; PrefixLength = 32 }
            @{ Address = '192.0.2.11'; PrefixLength = 32 }
            @{ Address = 'fe80::1%14'; PrefixLength = 64 }
        )
        $plan = Get-DsrAbsentPlan -Vips $vips -Current $current -Created $true -AdapterExists $true
        $plan.KeepUplinks | Should -BeTrue
        ($plan.Remaining -join ',') | Should -Be '192.0.2.11'
        $rules = @{ 'adcops.netscaler.dsr.LBVS_Loopback.TCP' = @{ Protocol = 'TCP'; LocalPort = @('80', '443')
                LocalAddress = @('192.0.2.10/255.255.255.255', '192.0.2.11') } }
        $firewall = Get-DsrFirewallAbsentPlan -Current $rules -Remaining $plan.Remaining
        @($firewall.Changes).Count | Should -Be 1
        $firewall.Changes[0].Action | Should -Be 'update'
        ($firewall.Changes[0].LocalAddress -join ',') | Should -Be '192.0.2.11'
        ($firewall.Changes[0].LocalPort -join ',') | Should -Be '80,443'
    }

    It 'restores the uplinks and removes the rules once no VIP is left' {
        $current = @(@{ Address = '192.0.2.10'; PrefixLength = 32 }, @{ Address = 'fe80::1%14'; PrefixLength = 64 })
        $plan = Get-DsrAbsentPlan -Vips $vips -Current $current -Created $false -AdapterExists $true
        $plan.KeepUplinks | Should -BeFalse
        $rules = @{ 'adcops.netscaler.dsr.LBVS_Loopback.TCP' = @{ Protocol = 'TCP'; LocalPort = @('80'); LocalAddress = @('192.0.2.10') } }
        $firewall = Get-DsrFirewallAbsentPlan -Current $rules -Remaining $plan.Remaining
        (@($firewall.Changes | ForEach-Object { $_.Action }) -join ',') | Should -Be 'remove'
    }

    It 'restores the uplinks when the adapter is gone' {
        $plan = Get-DsrAbsentPlan -Vips $vips -Current @() -Created $false -AdapterExists $false
        $plan.KeepUplinks | Should -BeFalse
    }

    It 'leaves a rule alone when all its addresses stay' {
        $rules = @{ 'adcops.netscaler.dsr.LBVS_Loopback.TCP' = @{ Protocol = 'TCP'; LocalPort = @('80'); LocalAddress = @('192.0.2.11') } }
        @((Get-DsrFirewallAbsentPlan -Current $rules -Remaining @('192.0.2.11')).Changes).Count | Should -Be 0
    }
}

Describe 'Select-DsrAbsentAdapter' {
    BeforeAll {
        $renamed = @{ Name = 'Ethernet 7'; InstanceId = 'ROOT\NET\0000'; InterfaceIndex = 14 }
        $named = @{ Name = 'LBVS_Loopback'; InstanceId = 'ROOT\NET\0001'; InterfaceIndex = 15 }
    }

    It 'finds the recorded adapter by instance id even after a rename' {
        $adapter = Select-DsrAbsentAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @($named, $renamed) -ManagedInstanceId 'ROOT\NET\0000'
        $adapter.Name | Should -Be 'Ethernet 7'
    }

    It 'falls back to the name without a record, and finds nothing when neither matches' {
        (Select-DsrAbsentAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @($named, $renamed)).InstanceId | Should -Be 'ROOT\NET\0001'
        (Select-DsrAbsentAdapter -AdapterName 'LBVS_Loopback' -Loopbacks @($named) -ManagedInstanceId 'ROOT\NET\0009').InstanceId |
            Should -Be 'ROOT\NET\0001'
        Select-DsrAbsentAdapter -AdapterName 'Other' -Loopbacks @($renamed) | Should -BeNullOrEmpty
    }
}

Describe 'Get-DsrBitnessError' {
    It 'refuses a 32-bit process on 64-bit Windows, naming ERROR_IN_WOW64' {
        Get-DsrBitnessError -OperatingSystemBits 64 -ProcessBits 32 | Should -BeLike '*32-bit*ERROR_IN_WOW64*0xE0000235*'
    }

    It 'accepts <Os>-bit Windows with a <Process>-bit process' -ForEach @(@{ Os = 64; Process = 64 }, @{ Os = 32; Process = 32 }) {
        Get-DsrBitnessError -OperatingSystemBits $Os -ProcessBits $Process | Should -BeNullOrEmpty
    }
}

Describe 'Waiting for a new adapter' {
    It 'is not ready until every VIP family has an IP interface' {
        $readiness = Get-DsrAdapterReadiness -AdapterFound $true -Families @('IPv4', 'IPv6') -BoundFamilies @('IPv4') -ConfigFound $true
        $readiness.Ready | Should -BeFalse
        ($readiness.Missing -join ',') | Should -Be 'IPv6'
        $readiness.Message | Should -BeLike '*no IPv6 interface*'
    }

    It 'is not ready before the adapter or its CIM configuration exists' {
        (Get-DsrAdapterReadiness -AdapterFound $false -Families @('IPv4')).Ready | Should -BeFalse
        $noConfig = Get-DsrAdapterReadiness -AdapterFound $true -Families @('IPv4') -BoundFamilies @('IPv4', 'IPv6') -ConfigFound $false
        $noConfig.Ready | Should -BeFalse
        $noConfig.Message | Should -BeLike '*CIM*'
    }

    It 'is ready with the adapter, its interfaces and its configuration' {
        (Get-DsrAdapterReadiness -AdapterFound $true -Families @('IPv6') -BoundFamilies @('IPv4', 'IPv6') -ConfigFound $true).Ready |
            Should -BeTrue
    }

    It 'turns a reboot request into changed + reboot_required instead of a failure' {
        $readiness = Get-DsrAdapterReadiness -AdapterFound $false -Families @('IPv4')
        $outcome = Get-DsrInstallOutcome -Readiness $readiness -RebootRequired $true -InstanceId 'ROOT\NET\0000' -Timeout 30
        $outcome.Action | Should -Be 'reboot'
        $outcome.Message | Should -BeLike '*reboot the host and run again*'
    }

    It 'fails when the adapter does not come up without a reboot request, and continues when it does' {
        $readiness = Get-DsrAdapterReadiness -AdapterFound $false -Families @('IPv4')
        $outcome = Get-DsrInstallOutcome -Readiness $readiness -RebootRequired $false -InstanceId 'ROOT\NET\0000' -Timeout 30
        $outcome.Action | Should -Be 'fail'
        $outcome.Message | Should -BeLike '*ROOT\NET\0000*30 seconds*adapter_timeout*'
        $ready = Get-DsrAdapterReadiness -AdapterFound $true -Families @('IPv4') -BoundFamilies @('IPv4') -ConfigFound $true
        (Get-DsrInstallOutcome -Readiness $ready -InstanceId 'ROOT\NET\0000').Action | Should -Be 'continue'
    }
}
