import Foundation

/// Whether this machine could drive an AMD XDNA NPU, and if not, the first
/// missing piece in the order an operator has to fix them: hardware, driver,
/// device node, memlock limit, XRT, XRT's release, XRT's XDNA plug-in. It only
/// reads files, so a test can hand it a fake root; it never opens the device.
public struct NPUDiscovery: Sendable {
    public enum Finding: Sendable, Equatable {
        /// `device` is the PCI address, `accelNode` the path as seen from the root.
        case usable(device: String, accelNode: String, xrtVersion: String)
        /// One sentence, fit for the journal and `amctl status`.
        case unavailable(reason: String)
    }

    public static let vendorID = "1022"
    public static let deviceIDs = ["1502", "17f0"]
    public static let driver = "amdxdna"

    public let root: String
    public let memlock: MemlockLimit

    public init(root: String = "/", memlock: MemlockLimit = .ofThisProcess()) {
        self.root = root
        self.memlock = memlock
    }

    public func find() -> Finding {
        let root = FileSystemRoot(path: root)
        let devices = Self.xdnaDevices(under: root)
        guard !devices.isEmpty else {
            return .unavailable(reason: "no AMD XDNA NPU found (no PCI device 1022:1502 or 1022:17f0)")
        }
        guard let bound = devices.first(where: { $0.driver == Self.driver }) else {
            let device = devices[0]
            let holder = device.driver.map { "is bound to \($0), not amdxdna" } ?? "is bound to no driver; it needs amdxdna"
            return .unavailable(reason: "the AMD XDNA NPU at \(device.address) (\(device.id)) \(holder)")
        }
        let accelNode: String
        switch Self.accelNode(of: bound.address, under: root) {
        case .success(let node): accelNode = node
        case .failure(let missing): return .unavailable(reason: "amdxdna is bound to \(bound.address) but \(missing.text)")
        }
        guard memlock.isEnoughForNPU else {
            return .unavailable(reason: "the memlock limit is \(memlock), below the \(MemlockLimit.bytes(MemlockLimit.minimumBytes)) "
                + "(or unlimited) the NPU's pinned buffers need; set LimitMEMLOCK=infinity")
        }
        guard let xrt = XRTInstallation.find(under: root) else {
            let places = XRTInstallation.libraryDirectories.map { "/" + $0 }.joined(separator: ", ")
            return .unavailable(reason: "no XRT (no libxrt_coreutil.so or libxrt_core.so in \(places))")
        }
        guard let version = xrt.version else {
            return .unavailable(reason: "XRT at \(xrt.library) has no readable version "
                + "(no /opt/xilinx/xrt/version.json or dpkg entry); need 2.18 or later")
        }
        guard let parsed = XRTVersion(parsing: version.text), parsed >= .minimumForXDNA else {
            return .unavailable(reason: "XRT too old (found \(version.text) from \(version.source), need 2.18 or later)")
        }
        guard xrt.plugin != nil else {
            return .unavailable(reason: "no XDNA plug-in for XRT \(version.text) (no libxrt_driver_xdna.so beside \(xrt.library))")
        }
        return .usable(device: bound.address, accelNode: accelNode, xrtVersion: version.text)
    }

    private struct PCIDevice {
        let address: String
        let id: String
        let driver: String?
    }

    private static func xdnaDevices(under root: FileSystemRoot) -> [PCIDevice] {
        let devices = "sys/bus/pci/devices"
        return root.contents(of: devices).compactMap { address in
            let vendor = hexID(root.text("\(devices)/\(address)/vendor"))
            let device = hexID(root.text("\(devices)/\(address)/device"))
            guard vendor == vendorID, let device, deviceIDs.contains(device) else { return nil }
            return PCIDevice(address: address, id: "\(vendorID):\(device)", driver: root.linkName("\(devices)/\(address)/driver"))
        }
    }

    /// sysfs writes IDs as "0x1022\n".
    private static func hexID(_ text: String?) -> String? {
        guard let text else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return trimmed.hasPrefix("0x") ? String(trimmed.dropFirst(2)) : trimmed
    }

    private struct MissingNode: Error {
        let text: String
    }

    /// The node sysfs names for this device when it names one, since another
    /// accelerator may own the other /dev/accel nodes; otherwise any node.
    private static func accelNode(of address: String, under root: FileSystemRoot) -> Result<String, MissingNode> {
        let named = root.contents(of: "sys/bus/pci/devices/\(address)/accel").filter { $0.hasPrefix("accel") }
        if let name = named.first {
            let node = "dev/accel/\(name)"
            return root.exists(node) ? .success("/" + node) : .failure(MissingNode(text: "/\(node) does not exist"))
        }
        if let name = root.contents(of: "dev/accel").first(where: { $0.hasPrefix("accel") }) {
            return .success("/dev/accel/\(name)")
        }
        return .failure(MissingNode(text: "there is no /dev/accel/accel* node"))
    }
}

extension NPUDiscovery.Finding {
    public var reason: String? {
        if case .unavailable(let reason) = self { reason } else { nil }
    }
}
