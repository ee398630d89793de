// Copyright: (c) 2026, adcops.netscaler contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
//
// Finds, creates and removes root-enumerated network devices such as the Microsoft KM-TEST Loopback Adapter
// (hardware id *MSLOOP, driver %WINDIR%\inf\netloop.inf) through SetupAPI, so that no DevCon, no package
// manager and no download is needed.
//
// Creating: devcon's "install" command (setup/devcon/cmds.cpp in microsoft/Windows-driver-samples) registers a
// new devnode and then calls UpdateDriverForPlugAndPlayDevices, which installs the driver on EVERY present device
// with that hardware id (Microsoft's documentation of the function; ReactOS newdev.c loops over all of them), so
// every other KM-TEST adapter on the host would be restarted and its VIPs would vanish for a moment. Here the
// driver is selected and installed on the new device information element alone, the way WireGuard's wintun
// (api/adapter.c) and OpenVPN's tapctl create their root-enumerated network adapters:
//   SetupDiGetINFClass -> SetupDiCreateDeviceInfoList -> SetupDiCreateDeviceInfo(DICD_GENERATE_ID)
//   -> SetupDiSetDeviceRegistryProperty(SPDRP_HARDWAREID) -> SetupDiSetDeviceInstallParams(DI_ENUMSINGLEINF, inf)
//   -> SetupDiBuildDriverInfoList(SPDIT_COMPATDRIVER) -> DIF_SELECTBESTCOMPATDRV -> DIF_REGISTERDEVICE
//   -> DIF_REGISTER_COINSTALLERS -> DIF_INSTALLINTERFACES -> DIF_INSTALLDEVICE
// Removing: DIF_REMOVE with SP_REMOVEDEVICE_PARAMS, Scope DI_REMOVEDEVICE_GLOBAL, as devcon's "remove" does.
// Errors keep their Win32/SetupAPI code in the message (the pattern of Ansible's own C# utilities), so a code
// such as 0xE0000235 (ERROR_IN_WOW64) reaches the user.
// https://learn.microsoft.com/windows/win32/api/setupapi/nf-setupapi-setupdicreatedeviceinfow
// https://learn.microsoft.com/windows/win32/api/setupapi/nf-setupapi-setupdibuilddriverinfolist
// https://learn.microsoft.com/windows-hardware/drivers/install/dif-selectbestcompatdrv
// https://learn.microsoft.com/windows-hardware/drivers/install/dif-installdevice
// https://learn.microsoft.com/windows/win32/api/setupapi/ns-setupapi-sp_removedevice_params
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
        internal const uint DIF_INSTALLDEVICE = 0x00000002;
        internal const uint DIF_REMOVE = 0x00000005;
        internal const uint DIF_SELECTBESTCOMPATDRV = 0x00000017;
        internal const uint DIF_REGISTERDEVICE = 0x00000019;
        internal const uint DIF_INSTALLINTERFACES = 0x00000020;
        internal const uint DIF_REGISTER_COINSTALLERS = 0x00000022;
        internal const uint DI_REMOVEDEVICE_GLOBAL = 0x00000001;
        internal const uint DI_ENUMSINGLEINF = 0x00010000;
        internal const uint SPDIT_COMPATDRIVER = 0x00000002;
        internal const uint SPDRP_HARDWAREID = 0x00000001;
        internal const uint SPDRP_DEVICEDESC = 0x00000000;
        internal const uint SPDRP_FRIENDLYNAME = 0x0000000C;
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

        [StructLayout(LayoutKind.Sequential)]
        internal struct SP_CLASSINSTALL_HEADER
        {
            public uint cbSize;
            public uint InstallFunction;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct SP_REMOVEDEVICE_PARAMS
        {
            public SP_CLASSINSTALL_HEADER ClassInstallHeader;
            public uint Scope;
            public uint HwProfile;
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

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool SetupDiSetDeviceInstallParamsW(DeviceInfoSetHandle DeviceInfoSet,
            ref SP_DEVINFO_DATA DeviceInfoData, ref SP_DEVINSTALL_PARAMS DeviceInstallParams);

        [DllImport("setupapi.dll", SetLastError = true)]
        internal static extern bool SetupDiBuildDriverInfoList(DeviceInfoSetHandle DeviceInfoSet,
            ref SP_DEVINFO_DATA DeviceInfoData, uint DriverType);

        [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        internal static extern bool SetupDiSetClassInstallParamsW(DeviceInfoSetHandle DeviceInfoSet,
            ref SP_DEVINFO_DATA DeviceInfoData, ref SP_REMOVEDEVICE_PARAMS ClassInstallParams, uint ClassInstallParamsSize);

        [DllImport("setupapi.dll", SetLastError = true)]
        internal static extern bool SetupDiDestroyDeviceInfoList(IntPtr DeviceInfoSet);
    }

    /// <summary>
    /// A Win32 or SetupAPI error whose message keeps the code, as Ansible's own C# utilities write it:
    /// "what failed (system text, Win32ErrorCode N - 0xXXXXXXXX)". SetupAPI codes (0xE000xxxx) have no system
    /// text on most hosts; the code is what a user can look up (setupapi.h, winerror.h).
    /// </summary>
    public class SetupApiException : Win32Exception
    {
        private readonly string _message;

        public SetupApiException(string what) : this(Marshal.GetLastWin32Error(), what) { }

        public SetupApiException(int errorCode, string what) : base(errorCode)
        {
            uint code = unchecked((uint)errorCode);
            _message = String.Format("{0} ({1}, Win32ErrorCode {2} - 0x{2:X8})", what, base.Message, code);
        }

        public override string Message { get { return _message; } }
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
                    throw new SetupApiException("SetupDiGetClassDevs failed");
                for (uint index = 0; ; index++)
                {
                    NativeMethods.SP_DEVINFO_DATA info = NewDevInfoData();
                    if (!NativeMethods.SetupDiEnumDeviceInfo(set, index, ref info))
                    {
                        int error = Marshal.GetLastWin32Error();
                        if (error == NativeMethods.ERROR_NO_MORE_ITEMS)
                            break;
                        throw new SetupApiException(error, "SetupDiEnumDeviceInfo failed");
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

        /// <summary>
        /// Creates one root-enumerated device with hardwareId and installs the driver from infPath on it alone
        /// (other devices with the same hardware id are not touched).
        /// </summary>
        public static RootDeviceInfo Install(string infPath, string hardwareId, out bool rebootRequired)
        {
            string className;
            Guid classGuid = GetInfClass(infPath, out className);
            using (DeviceInfoSetHandle set = NativeMethods.SetupDiCreateDeviceInfoList(ref classGuid, IntPtr.Zero))
            {
                if (set.IsInvalid)
                    throw new SetupApiException("SetupDiCreateDeviceInfoList failed");

                NativeMethods.SP_DEVINFO_DATA info = NewDevInfoData();
                if (!NativeMethods.SetupDiCreateDeviceInfoW(set, className, ref classGuid, null, IntPtr.Zero,
                    NativeMethods.DICD_GENERATE_ID, ref info))
                    throw new SetupApiException("SetupDiCreateDeviceInfo failed");

                // SPDRP_HARDWAREID is a REG_MULTI_SZ: the id, its terminator and the list terminator.
                byte[] ids = Encoding.Unicode.GetBytes(hardwareId + "\0\0");
                if (!NativeMethods.SetupDiSetDeviceRegistryPropertyW(set, ref info, NativeMethods.SPDRP_HARDWAREID, ids,
                    (uint)ids.Length))
                    throw new SetupApiException("SetupDiSetDeviceRegistryProperty failed");

                // Look for drivers in this one INF only, then let the class installer pick the best one for the
                // hardware id (for *MSLOOP: netloop.inf's "Microsoft KM-TEST Loopback Adapter").
                NativeMethods.SP_DEVINSTALL_PARAMS installParams = NewInstallParams();
                if (!NativeMethods.SetupDiGetDeviceInstallParamsW(set, ref info, ref installParams))
                    throw new SetupApiException("SetupDiGetDeviceInstallParams failed");
                installParams.Flags |= NativeMethods.DI_ENUMSINGLEINF;
                installParams.DriverPath = infPath;
                if (!NativeMethods.SetupDiSetDeviceInstallParamsW(set, ref info, ref installParams))
                    throw new SetupApiException("SetupDiSetDeviceInstallParams(DI_ENUMSINGLEINF) failed");
                if (!NativeMethods.SetupDiBuildDriverInfoList(set, ref info, NativeMethods.SPDIT_COMPATDRIVER))
                    throw new SetupApiException("SetupDiBuildDriverInfoList failed for " + infPath);
                if (!NativeMethods.SetupDiCallClassInstaller(NativeMethods.DIF_SELECTBESTCOMPATDRV, set, ref info))
                    throw new SetupApiException("DIF_SELECTBESTCOMPATDRV found no driver for " + hardwareId + " in " + infPath);

                if (!NativeMethods.SetupDiCallClassInstaller(NativeMethods.DIF_REGISTERDEVICE, set, ref info))
                    throw new SetupApiException("DIF_REGISTERDEVICE failed");

                RootDeviceInfo created;
                try
                {
                    // Co-installers and interfaces are optional for a device; their failure is not the device's.
                    NativeMethods.SetupDiCallClassInstaller(NativeMethods.DIF_REGISTER_COINSTALLERS, set, ref info);
                    NativeMethods.SetupDiCallClassInstaller(NativeMethods.DIF_INSTALLINTERFACES, set, ref info);
                    if (!NativeMethods.SetupDiCallClassInstaller(NativeMethods.DIF_INSTALLDEVICE, set, ref info))
                        throw new SetupApiException("DIF_INSTALLDEVICE failed (the new device was removed again)");
                    created = Describe(set, ref info);
                }
                catch
                {
                    // Leave nothing half-installed behind: the registered devnode is removed again.
                    RemoveRegistered(set, ref info);
                    throw;
                }
                rebootRequired = NeedsReboot(set, ref info);
                return created;
            }
        }

        /// <summary>Removes the device; returns whether Windows asks for a reboot to finish.</summary>
        public static bool Remove(string instanceId)
        {
            using (DeviceInfoSetHandle set = NativeMethods.SetupDiCreateEmptyDeviceInfoList(IntPtr.Zero, IntPtr.Zero))
            {
                if (set.IsInvalid)
                    throw new SetupApiException("SetupDiCreateDeviceInfoList failed");
                NativeMethods.SP_DEVINFO_DATA info = NewDevInfoData();
                if (!NativeMethods.SetupDiOpenDeviceInfoW(set, instanceId, IntPtr.Zero, 0, ref info))
                    throw new SetupApiException("SetupDiOpenDeviceInfo failed for " + instanceId);
                if (!RemoveRegistered(set, ref info))
                    throw new SetupApiException("DIF_REMOVE failed for " + instanceId);
                return NeedsReboot(set, ref info);
            }
        }

        // DIF_REMOVE with the class install parameters devcon's "remove" sets: remove the device from every
        // hardware profile (DI_REMOVEDEVICE_GLOBAL). Returns false with the last error set when it fails.
        private static bool RemoveRegistered(DeviceInfoSetHandle set, ref NativeMethods.SP_DEVINFO_DATA info)
        {
            NativeMethods.SP_REMOVEDEVICE_PARAMS removeParams = new NativeMethods.SP_REMOVEDEVICE_PARAMS();
            removeParams.ClassInstallHeader.cbSize = (uint)Marshal.SizeOf(typeof(NativeMethods.SP_CLASSINSTALL_HEADER));
            removeParams.ClassInstallHeader.InstallFunction = NativeMethods.DIF_REMOVE;
            removeParams.Scope = NativeMethods.DI_REMOVEDEVICE_GLOBAL;
            removeParams.HwProfile = 0;
            if (!NativeMethods.SetupDiSetClassInstallParamsW(set, ref info, ref removeParams,
                (uint)Marshal.SizeOf(typeof(NativeMethods.SP_REMOVEDEVICE_PARAMS))))
                return false;
            return NativeMethods.SetupDiCallClassInstaller(NativeMethods.DIF_REMOVE, set, ref info);
        }

        private static bool NeedsReboot(DeviceInfoSetHandle set, ref NativeMethods.SP_DEVINFO_DATA info)
        {
            NativeMethods.SP_DEVINSTALL_PARAMS installParams = NewInstallParams();
            if (!NativeMethods.SetupDiGetDeviceInstallParamsW(set, ref info, ref installParams))
                return false;
            return (installParams.Flags & (NativeMethods.DI_NEEDREBOOT | NativeMethods.DI_NEEDRESTART)) != 0;
        }

        private static NativeMethods.SP_DEVINSTALL_PARAMS NewInstallParams()
        {
            NativeMethods.SP_DEVINSTALL_PARAMS installParams = new NativeMethods.SP_DEVINSTALL_PARAMS();
            installParams.cbSize = (uint)Marshal.SizeOf(typeof(NativeMethods.SP_DEVINSTALL_PARAMS));
            return installParams;
        }

        private static Guid GetInfClass(string infPath, out string className)
        {
            Guid classGuid;
            uint required;
            StringBuilder name = new StringBuilder(NativeMethods.MAX_CLASS_NAME_LEN);
            if (!NativeMethods.SetupDiGetINFClassW(infPath, out classGuid, name, (uint)name.Capacity, out required))
                throw new SetupApiException("SetupDiGetINFClass failed for " + infPath);
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
                throw new SetupApiException("SetupDiGetDeviceInstanceId failed");
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
                    throw new SetupApiException(error, "SetupDiGetDeviceRegistryProperty failed");
            }
            byte[] buffer = new byte[required];
            if (!NativeMethods.SetupDiGetDeviceRegistryPropertyW(set, ref info, property, out regType, buffer, required,
                out required))
                throw new SetupApiException("SetupDiGetDeviceRegistryProperty failed");
            foreach (string value in Encoding.Unicode.GetString(buffer, 0, (int)required).Split('\0'))
            {
                if (value.Length > 0)
                    values.Add(value);
            }
            return values;
        }
    }
}
