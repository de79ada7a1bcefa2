import Foundation

/// What of XRT is installed under a root. XDNA needs two things Debian 12's
/// XRT 2.13 does not give: a release of 2.18 or later, and the separately
/// built `libxrt_driver_xdna` plug-in through which XRT reaches the device.
struct XRTInstallation: Sendable {
    /// The core library as seen from the root, e.g. "/usr/lib/libxrt_coreutil.so.2".
    let library: String
    /// The version as written by its source, and where it was read.
    let version: (text: String, source: String)?
    let plugin: String?

    /// Upstream installs live under /opt/xilinx/xrt and are searched first: a
    /// newer XRT installed beside Debian's older package is the setup that
    /// works, and judging it by the package would call it too old.
    static let libraryDirectories = ["opt/xilinx/xrt/lib", "usr/lib", "usr/lib/x86_64-linux-gnu"]
    static let libraryPrefixes = ["libxrt_coreutil.so", "libxrt_core.so"]
    static let pluginPrefix = "libxrt_driver_xdna.so"
    /// Debian's binary packages that carry the XRT core library.
    static let debianPackages: Set<String> = ["xrt", "libxrt2", "libxrt-coreutil2"]

    static func find(under root: FileSystemRoot) -> XRTInstallation? {
        guard let (directory, library) = firstFile(prefixes: libraryPrefixes, under: root) else { return nil }
        let version = directory.hasPrefix("opt/xilinx/xrt")
            ? upstreamVersion(under: root) ?? debianVersion(under: root)
            : debianVersion(under: root) ?? upstreamVersion(under: root)
        let plugin = firstFile(prefixes: [pluginPrefix], under: root).map { "/" + $0.directory + "/" + $0.name }
        return XRTInstallation(library: "/" + directory + "/" + library, version: version, plugin: plugin)
    }

    private static func firstFile(prefixes: [String], under root: FileSystemRoot) -> (directory: String, name: String)? {
        for directory in libraryDirectories {
            let names = root.contents(of: directory)
            if let name = names.first(where: { name in prefixes.contains { name.hasPrefix($0) } }) {
                return (directory, name)
            }
        }
        return nil
    }

    private static func upstreamVersion(under root: FileSystemRoot) -> (text: String, source: String)? {
        let path = "opt/xilinx/xrt/version.json"
        guard let data = root.data(path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let version = object["BUILD_VERSION"] as? String else { return nil }
        return (version, "/" + path)
    }

    /// The installed version of the first XRT package in dpkg's status file.
    private static func debianVersion(under root: FileSystemRoot) -> (text: String, source: String)? {
        guard let status = root.text("var/lib/dpkg/status") else { return nil }
        for stanza in status.components(separatedBy: "\n\n") {
            var fields: [String: String] = [:]
            for line in stanza.split(separator: "\n") where !line.hasPrefix(" ") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            if let package = fields["Package"], debianPackages.contains(package),
               fields["Status"]?.hasSuffix(" installed") ?? true, let version = fields["Version"] {
                return (version, "dpkg package \(package)")
            }
        }
        return nil
    }
}
