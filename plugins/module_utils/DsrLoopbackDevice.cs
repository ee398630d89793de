// Copyright: (c) 2026, adcops.netscaler contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
//
// Finds, creates and removes root-enumerated network devices such as the Microsoft KM-TEST Loopback Adapter
// (hardware id *MSLOOP, driver %WINDIR%\inf\netloop.inf) through SetupAPI and NewDev, so that no DevCon, no
// package manager and no download is needed. The creation sequence is the one Microsoft documents for a
// root-enumerated, non-Plug-and-Play device (what "devcon install <inf> <hwid>" does):
//   SetupDiGetINFClass -> SetupDiCreateDeviceInfoList -> SetupDiCreateDeviceInfo(DICD_GENERATE_ID)
//   -> SetupDiSetDeviceRegistryProperty(SPDRP_HARDWAREID) -> SetupDiCallClassInstaller(DIF_REGISTERDEVICE)
//   -> UpdateDriverForPlugAndPlayDevices
// https://learn.microsoft.com/windows-hardware/drivers/devtest/devcon-install
// https://learn.microsoft.com/windows/win32/api/setupapi/nf-setupapi-setupdicreatedeviceinfow
// https://learn.microsoft.com/windows/win32/api/setupapi/nf-setupapi-setupdicallclassinstaller
// https://learn.microsoft.com/windows/win32/api/newdev/nf-newdev-updatedriverforplugandplaydevicesw

using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ansible_collections.adcops.netscaler.plugins.module_utils.DsrLoopbackDevice
{
    internal static class NativeMethods
    {
        internal const uint DIGCF_PRESENT = 0x00000002;
        internal const uint DICD_GENERATE_ID = 0x00000001;
        internal const uint DIF_REMOVE = 0x00000005;
        internal const uint DIF_REGISTERDEVICE = 0x00000019;
        internal const uint SPDRP_HARDWAREID = 0x00000001;
        internal const uint SPDRP_DEVICEDESC = 0x00000000;
        internal const uint SPDRP_FRIENDLYNAME = 0x0000000C;
        internal const uint INSTALLFLAG_FORCE = 0x00000001;
        internal const uint INSTALLFLAG_NONINTERACTIVE = 0x00000004;
        internal const uint DI_NEEDRESTART = 0x00000080;
        internal const uint DI_NEEDREBOOT = 0x00000100;
        internal const int ERROR_NO_MORE_ITEMS = 259;
        internal const int ERROR_INSUFFICIENT_BUFFER = 122;
        internal const int ERROR_INVALID_DATA = 13;
        internal const int MAX_CLASS_NAME_LEN = 32;
        internal const int MAX_DEVICE_ID_LEN = 200;

        [StructLayout(LayoutKind.Sequential)]
        internal struct SP_DEVINFO_DATA
        {
            public uint cbSize;
            public Guid ClassGuid;
            public uint DevInst;
            public IntPtr Reserved;
        }

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        internal struct SP_DEVINSTALL_PARAMS
        {
            public uint cbSize;
            public uint Flags;
            public uint FlagsEx;
            public IntPtr hwndParent;
            public IntPtr InstallMsgHandler;
            public IntPtr InstallMsgHandlerContext;
            public IntPtr FileQueue;
            public UIntPtr ClassInstallReserved;
            public uint Reserved;
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 260)]
            public string DriverPath;
        }

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool SetupDiGetINFClassW(string InfName, out Guid ClassGuid, StringBuilder ClassName,
            uint ClassNameSize, out uint RequiredSize);

        [DllImport("setupapi.dll", SetLastError = true)]
        internal static extern DeviceInfoSetHandle SetupDiCreateDeviceInfoList(ref Guid ClassGuid, IntPtr hwndParent);

        [DllImport("setupapi.dll", EntryPoint = "SetupDiCreateDeviceInfoList", SetLastError = true)]
        internal static extern DeviceInfoSetHandle SetupDiCreateEmptyDeviceInfoList(IntPtr ClassGuid, IntPtr hwndParent);

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern DeviceInfoSetHandle SetupDiGetClassDevsW(ref Guid ClassGuid, IntPtr Enumerator,
            IntPtr hwndParent, uint Flags);

        [DllImport("setupapi.dll", SetLastError = true)]
        internal static extern bool SetupDiEnumDeviceInfo(DeviceInfoSetHandle DeviceInfoSet, uint MemberIndex,
            ref SP_DEVINFO_DATA DeviceInfoData);

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool SetupDiCreateDeviceInfoW(DeviceInfoSetHandle DeviceInfoSet, string DeviceName,
            ref Guid ClassGuid, string DeviceDescription, IntPtr hwndParent, uint CreationFlags,
            ref SP_DEVINFO_DATA DeviceInfoData);

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool SetupDiOpenDeviceInfoW(DeviceInfoSetHandle DeviceInfoSet, string DeviceInstanceId,
            IntPtr hwndParent, uint OpenFlags, ref SP_DEVINFO_DATA DeviceInfoData);

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool SetupDiGetDeviceRegistryPropertyW(DeviceInfoSetHandle DeviceInfoSet,
            ref SP_DEVINFO_DATA DeviceInfoData, uint Property, out uint PropertyRegDataType, byte[] PropertyBuffer,
            uint PropertyBufferSize, out uint RequiredSize);

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool SetupDiSetDeviceRegistryPropertyW(DeviceInfoSetHandle DeviceInfoSet,
            ref SP_DEVINFO_DATA DeviceInfoData, uint Property, byte[] PropertyBuffer, uint PropertyBufferSize);

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool SetupDiGetDeviceInstanceIdW(DeviceInfoSetHandle DeviceInfoSet,
            ref SP_DEVINFO_DATA DeviceInfoData, StringBuilder DeviceInstanceId, uint DeviceInstanceIdSize,
            out uint RequiredSize);

        [DllImport("setupapi.dll", SetLastError = true)]
        internal static extern bool SetupDiCallClassInstaller(uint InstallFunction, DeviceInfoSetHandle DeviceInfoSet,
            ref SP_DEVINFO_DATA DeviceInfoData);

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool SetupDiGetDeviceInstallParamsW(DeviceInfoSetHandle DeviceInfoSet,
            ref SP_DEVINFO_DATA DeviceInfoData, ref SP_DEVINSTALL_PARAMS DeviceInstallParams);

        [DllImport("setupapi.dll", SetLastError = true)]
        internal static extern bool SetupDiDestroyDeviceInfoList(IntPtr DeviceInfoSet);

        [DllImport("newdev.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool UpdateDriverForPlugAndPlayDevicesW(IntPtr hwndParent, string HardwareId,
            string FullInfPath, uint InstallFlags, out bool bRebootRequired);
    }

    internal sealed class DeviceInfoSetHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public DeviceInfoSetHandle() : base(true) { }

        protected override bool ReleaseHandle()
        {
            return NativeMethods.SetupDiDestroyDeviceInfoList(handle);
        }
    }

    /// <summary>A device as SetupAPI reports it.</summary>
    public class RootDeviceInfo
    {
        public string InstanceId { get; set; }
        public string Description { get; set; }
    }

    public static class RootDevice
    {
        /// <summary>Present devices of the INF's setup class whose hardware ids include hardwareId (case-insensitive).</summary>
        public static List<RootDeviceInfo> Find(string infPath, string hardwareId)
        {
            string className;
            Guid classGuid = GetInfClass(infPath, out className);
            List<RootDeviceInfo> found = new List<RootDeviceInfo>();
            using (DeviceInfoSetHandle set = NativeMethods.SetupDiGetClassDevsW(ref classGuid, IntPtr.Zero, IntPtr.Zero,
                NativeMethods.DIGCF_PRESENT))
            {
                if (set.IsInvalid)
                    throw new Win32Exception(Marshal.GetLastWin32Error(), "SetupDiGetClassDevs failed");
                for (uint index = 0; ; index++)
                {
                    NativeMethods.SP_DEVINFO_DATA info = NewDevInfoData();
                    if (!NativeMethods.SetupDiEnumDeviceInfo(set, index, ref info))
                    {
                        int error = Marshal.GetLastWin32Error();
                        if (error == NativeMethods.ERROR_NO_MORE_ITEMS)
                            break;
                        throw new Win32Exception(error, "SetupDiEnumDeviceInfo failed");
                    }
                    foreach (string id in GetMultiStringProperty(set, ref info, NativeMethods.SPDRP_HARDWAREID))
                    {
                        if (String.Equals(id, hardwareId, StringComparison.OrdinalIgnoreCase))
                        {
                            found.Add(Describe(set, ref info));
                            break;
                        }
                    }
                }
            }
            return found;
        }

        /// <summary>Creates a root-enumerated device with hardwareId and installs the driver from infPath.</summary>
        public static RootDeviceInfo Install(string infPath, string hardwareId, out bool rebootRequired)
        {
            string className;
            Guid classGuid = GetInfClass(infPath, out className);
            using (DeviceInfoSetHandle set = NativeMethods.SetupDiCreateDeviceInfoList(ref classGuid, IntPtr.Zero))
            {
                if (set.IsInvalid)
                    throw new Win32Exception(Marshal.GetLastWin32Error(), "SetupDiCreateDeviceInfoList failed");

                NativeMethods.SP_DEVINFO_DATA info = NewDevInfoData();
                if (!NativeMethods.SetupDiCreateDeviceInfoW(set, className, ref classGuid, null, IntPtr.Zero,
                    NativeMethods.DICD_GENERATE_ID, ref info))
                    throw new Win32Exception(Marshal.GetLastWin32Error(), "SetupDiCreateDeviceInfo failed");

                // SPDRP_HARDWAREID is a REG_MULTI_SZ: the id, its terminator and the list terminator.
                byte[] ids = Encoding.Unicode.GetBytes(hardwareId + "\0\0");
                if (!NativeMethods.SetupDiSetDeviceRegistryPropertyW(set, ref info, NativeMethods.SPDRP_HARDWAREID, ids,
                    (uint)ids.Length))
                    throw new Win32Exception(Marshal.GetLastWin32Error(), "SetupDiSetDeviceRegistryProperty failed");

                if (!NativeMethods.SetupDiCallClassInstaller(NativeMethods.DIF_REGISTERDEVICE, set, ref info))
                    throw new Win32Exception(Marshal.GetLastWin32Error(), "DIF_REGISTERDEVICE failed");

                RootDeviceInfo created = Describe(set, ref info);
                bool reboot;
                if (!NativeMethods.UpdateDriverForPlugAndPlayDevicesW(IntPtr.Zero, hardwareId, infPath,
                    NativeMethods.INSTALLFLAG_FORCE | NativeMethods.INSTALLFLAG_NONINTERACTIVE, out reboot))
                {
                    int error = Marshal.GetLastWin32Error();
                    // Leave nothing half-installed behind: the registered devnode is removed again.
                    NativeMethods.SetupDiCallClassInstaller(NativeMethods.DIF_REMOVE, set, ref info);
                    throw new Win32Exception(error, "UpdateDriverForPlugAndPlayDevices failed (the new device was removed again)");
                }
                rebootRequired = reboot;
                return created;
            }
        }

        /// <summary>Removes the device; returns whether Windows asks for a reboot to finish.</summary>
        public static bool Remove(string instanceId)
        {
            using (DeviceInfoSetHandle set = NativeMethods.SetupDiCreateEmptyDeviceInfoList(IntPtr.Zero, IntPtr.Zero))
            {
                if (set.IsInvalid)
                    throw new Win32Exception(Marshal.GetLastWin32Error(), "SetupDiCreateDeviceInfoList failed");
                NativeMethods.SP_DEVINFO_DATA info = NewDevInfoData();
                if (!NativeMethods.SetupDiOpenDeviceInfoW(set, instanceId, IntPtr.Zero, 0, ref info))
                    throw new Win32Exception(Marshal.GetLastWin32Error(), "SetupDiOpenDeviceInfo failed for " + instanceId);
                if (!NativeMethods.SetupDiCallClassInstaller(NativeMethods.DIF_REMOVE, set, ref info))
                    throw new Win32Exception(Marshal.GetLastWin32Error(), "DIF_REMOVE failed for " + instanceId);

                NativeMethods.SP_DEVINSTALL_PARAMS installParams = new NativeMethods.SP_DEVINSTALL_PARAMS();
                installParams.cbSize = (uint)Marshal.SizeOf(typeof(NativeMethods.SP_DEVINSTALL_PARAMS));
                if (!NativeMethods.SetupDiGetDeviceInstallParamsW(set, ref info, ref installParams))
                    return false;
                return (installParams.Flags & (NativeMethods.DI_NEEDREBOOT | NativeMethods.DI_NEEDRESTART)) != 0;
            }
        }

        private static Guid GetInfClass(string infPath, out string className)
        {
            Guid classGuid;
            uint required;
            StringBuilder name = new StringBuilder(NativeMethods.MAX_CLASS_NAME_LEN);
            if (!NativeMethods.SetupDiGetINFClassW(infPath, out classGuid, name, (uint)name.Capacity, out required))
                throw new Win32Exception(Marshal.GetLastWin32Error(), "SetupDiGetINFClass failed for " + infPath);
            className = name.ToString();
            return classGuid;
        }

        private static NativeMethods.SP_DEVINFO_DATA NewDevInfoData()
        {
            NativeMethods.SP_DEVINFO_DATA info = new NativeMethods.SP_DEVINFO_DATA();
            info.cbSize = (uint)Marshal.SizeOf(typeof(NativeMethods.SP_DEVINFO_DATA));
            return info;
        }

        private static RootDeviceInfo Describe(DeviceInfoSetHandle set, ref NativeMethods.SP_DEVINFO_DATA info)
        {
            StringBuilder id = new StringBuilder(NativeMethods.MAX_DEVICE_ID_LEN);
            uint required;
            if (!NativeMethods.SetupDiGetDeviceInstanceIdW(set, ref info, id, (uint)id.Capacity, out required))
                throw new Win32Exception(Marshal.GetLastWin32Error(), "SetupDiGetDeviceInstanceId failed");
            List<string> names = GetMultiStringProperty(set, ref info, NativeMethods.SPDRP_FRIENDLYNAME);
            if (names.Count == 0)
                names = GetMultiStringProperty(set, ref info, NativeMethods.SPDRP_DEVICEDESC);
            RootDeviceInfo result = new RootDeviceInfo();
            result.InstanceId = id.ToString();
            result.Description = names.Count > 0 ? names[0] : null;
            return result;
        }

        // Reads a REG_SZ or REG_MULTI_SZ device property as a list of strings; empty when it is not set.
        private static List<string> GetMultiStringProperty(DeviceInfoSetHandle set, ref NativeMethods.SP_DEVINFO_DATA info,
            uint property)
        {
            List<string> values = new List<string>();
            uint regType;
            uint required;
            if (!NativeMethods.SetupDiGetDeviceRegistryPropertyW(set, ref info, property, out regType, null, 0, out required))
            {
                int error = Marshal.GetLastWin32Error();
                if (error == NativeMethods.ERROR_INVALID_DATA)
                    return values;
                if (error != NativeMethods.ERROR_INSUFFICIENT_BUFFER)
                    throw new Win32Exception(error, "SetupDiGetDeviceRegistryProperty failed");
            }
            byte[] buffer = new byte[required];
            if (!NativeMethods.SetupDiGetDeviceRegistryPropertyW(set, ref info, property, out regType, buffer, required,
                out required))
                throw new Win32Exception(Marshal.GetLastWin32Error(), "SetupDiGetDeviceRegistryProperty failed");
            foreach (string value in Encoding.Unicode.GetString(buffer, 0, (int)required).Split('\0'))
            {
                if (value.Length > 0)
                    values.Add(value);
            }
            return values;
        }
    }
}
