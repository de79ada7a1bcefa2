import Foundation
import Testing
@testable import AmanuensisRuntime

/// A directory mimicking the parts of /sys, /dev, /opt and /var that NPU
/// discovery reads, removed when the test drops it.
final class FakeRoot {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("amanuensis-npu-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ contents: String = "") throws {
        let file = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: false, encoding: .utf8)
    }

    /// A PCI device as sysfs shows it; `driver` becomes a dangling symlink, as
    /// only its last component matters.
    func pciDevice(_ address: String, vendor: String = "0x1022", device: String, driver: String?) throws {
        let directory = "sys/bus/pci/devices/\(address)"
        try write("\(directory)/vendor", vendor + "\n")
        try write("\(directory)/device", device + "\n")
        if let driver {
            try FileManager.default.createSymbolicLink(atPath: "\(path)/\(directory)/driver",
                                                       withDestinationPath: "../../../bus/pci/drivers/\(driver)")
        }
    }

    /// Everything a working XDNA setup has, for tests to take pieces away from.
    func workingNPU(xrtVersion: String = "2.18.179", plugin: Bool = true) throws {
        try pciDevice("0000:c5:00.1", device: "0x17f0", driver: "amdxdna")
        try write("sys/bus/pci/devices/0000:c5:00.1/accel/accel0/dev", "261:0\n")
        try write("dev/accel/accel0")
        try write("opt/xilinx/xrt/lib/libxrt_coreutil.so.2")
        try write("opt/xilinx/xrt/version.json", #"{"BUILD_VERSION" : "\#(xrtVersion)", "BUILD_BRANCH" : "2024.2"}"#)
        if plugin { try write("opt/xilinx/xrt/lib/libxrt_driver_xdna.so.2") }
    }

    func find(memlock: MemlockLimit = .unlimited) -> NPUDiscovery.Finding {
        NPUDiscovery(root: path, memlock: memlock).find()
    }
}

@Suite struct NPUDiscoveryTests {
    @Test func noDeviceIsReportedFirst() throws {
        let root = try FakeRoot()
        try root.pciDevice("0000:00:01.0", vendor: "0x1af4", device: "0x1045", driver: "virtio-pci")
        try root.pciDevice("0000:00:08.0", device: "0x1234", driver: "pcieport")
        #expect(root.find(memlock: .bytes(0)) == .unavailable(reason: "no AMD XDNA NPU found (no PCI device 1022:1502 or 1022:17f0)"))
    }

    @Test func aDeviceBoundToAnotherDriverNamesThatDriver() throws {
        let root = try FakeRoot()
        try root.pciDevice("0000:c5:00.1", device: "0x1502", driver: "vfio-pci")
        #expect(root.find() == .unavailable(reason: "the AMD XDNA NPU at 0000:c5:00.1 (1022:1502) is bound to vfio-pci, not amdxdna"))
    }

    @Test func anUnboundDeviceSaysSo() throws {
        let root = try FakeRoot()
        try root.pciDevice("0000:c5:00.1", device: "0x17f0", driver: nil)
        #expect(root.find().reason == "the AMD XDNA NPU at 0000:c5:00.1 (1022:17f0) is bound to no driver; it needs amdxdna")
    }

    @Test func aBoundDeviceWithoutAnAccelNode() throws {
        let root = try FakeRoot()
        try root.pciDevice("0000:c5:00.1", device: "0x17f0", driver: "amdxdna")
        #expect(root.find().reason == "amdxdna is bound to 0000:c5:00.1 but there is no /dev/accel/accel* node")
        try root.write("sys/bus/pci/devices/0000:c5:00.1/accel/accel1/dev", "261:1\n")
        try root.write("dev/accel/accel0")
        #expect(root.find().reason == "amdxdna is bound to 0000:c5:00.1 but /dev/accel/accel1 does not exist")
    }

    @Test func aLowMemlockLimitGivesTheValueAndWhatIsNeeded() throws {
        let root = try FakeRoot()
        try root.workingNPU()
        #expect(root.find(memlock: .bytes(8 << 20)).reason
            == "the memlock limit is 8 MiB, below the 64 MiB (or unlimited) the NPU's pinned buffers need; set LimitMEMLOCK=infinity")
        #expect(root.find(memlock: .bytes(64 << 20)).reason == nil)
    }

    @Test func noXRT() throws {
        let root = try FakeRoot()
        try root.pciDevice("0000:c5:00.1", device: "0x17f0", driver: "amdxdna")
        try root.write("dev/accel/accel0")
        #expect(root.find().reason
            == "no XRT (no libxrt_coreutil.so or libxrt_core.so in /opt/xilinx/xrt/lib, /usr/lib, /usr/lib/x86_64-linux-gnu)")
    }

    @Test func debiansXRTIsTooOld() throws {
        let root = try FakeRoot()
        try root.pciDevice("0000:c5:00.1", device: "0x17f0", driver: "amdxdna")
        try root.write("dev/accel/accel0")
        try root.write("usr/lib/x86_64-linux-gnu/libxrt_coreutil.so.2.13.466")
        try root.write("var/lib/dpkg/status", """
            Package: libc6
            Status: install ok installed
            Version: 2.36-9+deb12u10

            Package: libxrt2
            Status: install ok installed
            Architecture: amd64
            Version: 2.13.466+dfsg-1
            Description: Xilinx runtime
             continuation line: Version: 9.99

            """)
        #expect(root.find().reason == "XRT too old (found 2.13.466+dfsg-1 from dpkg package libxrt2, need 2.18 or later)")
    }

    @Test func xrtWithoutAVersion() throws {
        let root = try FakeRoot()
        try root.pciDevice("0000:c5:00.1", device: "0x17f0", driver: "amdxdna")
        try root.write("dev/accel/accel0")
        try root.write("usr/lib/libxrt_core.so.2")
        #expect(root.find().reason?.hasPrefix("XRT at /usr/lib/libxrt_core.so.2 has no readable version") == true)
    }

    @Test func xrt218WithoutThePlugIn() throws {
        let root = try FakeRoot()
        try root.workingNPU(plugin: false)
        #expect(root.find().reason
            == "no XDNA plug-in for XRT 2.18.179 (no libxrt_driver_xdna.so beside /opt/xilinx/xrt/lib/libxrt_coreutil.so.2)")
    }

    @Test func everythingPresentIsUsableButNotSelected() throws {
        let root = try FakeRoot()
        try root.workingNPU()
        let finding = root.find()
        #expect(finding == .usable(device: "0000:c5:00.1", accelNode: "/dev/accel/accel0", xrtVersion: "2.18.179"))
        #expect(BackendSelection.select(choice: .npu, discovery: finding)
            == .failure(BackendError(reason: "NPU found, but Amanuensis has no NPU encoder yet")))
        #expect(try BackendSelection.select(choice: .auto, discovery: finding).get().status
            == "cpu (NPU found, but Amanuensis has no NPU encoder yet)")
    }

    @Test(arguments: [("2.13.466+dfsg-1", 2, 13), ("202410.2.18.179", 2, 18), ("1:2.19.0-1", 2, 19), ("2.18", 2, 18)])
    func xrtVersionsParse(text: String, major: Int, minor: Int) {
        #expect(XRTVersion(parsing: text) == XRTVersion(major: major, minor: minor))
    }

    @Test func unparsableVersionsAreNotGuessed() {
        #expect(XRTVersion(parsing: "unknown") == nil)
        #expect(XRTVersion(parsing: "2") == nil)
    }

    /// On a machine without an XDNA NPU (as CI and this project's build hosts
    /// are), the real root must say so rather than anything more hopeful.
    @Test(.enabled(if: !NPUDiscoveryTests.machineHasXDNADevice()))
    func thisMachineHasNoNPU() {
        let finding = NPUDiscovery().find()
        #expect(finding.reason?.hasPrefix("no AMD XDNA NPU found") == true, "\(finding)")
    }

    static func machineHasXDNADevice() -> Bool {
        let devices = "/sys/bus/pci/devices"
        return ((try? FileManager.default.contentsOfDirectory(atPath: devices)) ?? []).contains { address in
            func read(_ name: String) -> String {
                ((try? String(contentsOfFile: "\(devices)/\(address)/\(name)", encoding: .utf8)) ?? "")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return read("vendor") == "0x1022" && ["0x1502", "0x17f0"].contains(read("device"))
        }
    }
}

@Suite struct BackendSelectionTests {
    let none = NPUDiscovery.Finding.unavailable(reason: "no AMD XDNA NPU found")

    @Test func autoRunsOnTheCPUAndSaysWhy() throws {
        let selected = try BackendSelection.select(choice: .auto, discovery: none).get()
        #expect(selected.kind == .cpu)
        #expect(selected.status == "cpu (no NPU: no AMD XDNA NPU found)")
    }

    @Test func cpuNeedsNoReason() throws {
        for finding in [none, .usable(device: "0000:c5:00.1", accelNode: "/dev/accel/accel0", xrtVersion: "2.18.179")] {
            let selected = try BackendSelection.select(choice: .cpu, discovery: finding).get()
            #expect(selected == SelectedBackend(kind: .cpu, why: nil))
            #expect(selected.status == "cpu")
        }
    }

    @Test func npuThatCannotRunIsAnErrorWithTheDiscoveryReason() {
        let result = BackendSelection.select(choice: .npu, discovery: none)
        #expect(result == .failure(BackendError(reason: "no AMD XDNA NPU found")))
        if case .failure(let error) = result {
            #expect(error.description == "backend = npu cannot run: no AMD XDNA NPU found")
        }
        #expect(BackendError.exitCode == 69)
    }

    @Test func everyChoiceParsesFromTheConfiguration() {
        #expect(BackendChoice.allCases.map { BackendChoice(rawValue: $0.rawValue) } == [.auto, .cpu, .npu])
    }
}

@Suite struct EncoderGateTests {
    static let width = 4
    /// Three frames, none zero, none parallel to another.
    static let cpu: [Float] = [0.5, -1, 2, 0.25, 1, 0, 0, 0, -3, 0.5, 0.5, 1]

    struct FakeEncoder: AcceleratorEncoder {
        let deviceName = "fake NPU"
        let output: [Float]?
        var error: (any Error)?

        func encode(mel: UnsafePointer<Float>, frames: Int, into: UnsafeMutablePointer<Float>) throws {
            if let error { throw error }
            if let output { into.update(from: output, count: output.count) }
        }
    }

    struct DeviceLost: Error {}

    @Test func identicalOutputsPass() {
        let verdict = EncoderGate.compare(cpu: Self.cpu, accelerator: Self.cpu, width: Self.width)
        #expect(verdict.passed)
        #expect(verdict.failure == nil)
        #expect(abs(verdict.worstCosine - 1) < 1e-12)
    }

    @Test func anAllZeroAcceleratorFails() {
        let verdict = EncoderGate.compare(cpu: Self.cpu, accelerator: [Float](repeating: 0, count: Self.cpu.count), width: Self.width)
        #expect(!verdict.passed)
        #expect(verdict.failure == "the accelerator output is all zero")
    }

    @Test func oneFrameAtCosine099FailsNamingIt() {
        var accelerator = Self.cpu
        accelerator.replaceSubrange(4..<8, with: [0.99, Float((1 - 0.99 * 0.99).squareRoot()), 0, 0])
        let verdict = EncoderGate.compare(cpu: Self.cpu, accelerator: accelerator, width: Self.width)
        #expect(!verdict.passed)
        #expect(verdict.worstFrame == 1)
        #expect(abs(verdict.worstCosine - 0.99) < 1e-6)
        #expect(verdict.failure?.hasPrefix("frame 1 has cosine 0.99") == true, "\(verdict)")
    }

    @Test func aSmallDeviationWithinTheMarginPasses() {
        let accelerator = Self.cpu.enumerated().map { $1 * (1 + ($0 % 2 == 0 ? 0.01 : -0.01)) }
        let verdict = EncoderGate.compare(cpu: Self.cpu, accelerator: accelerator, width: Self.width)
        #expect(verdict.passed, "\(verdict)")
        #expect(verdict.worstCosine < 1)
    }

    @Test func aNaNFails() {
        var accelerator = Self.cpu
        accelerator[9] = .nan
        let verdict = EncoderGate.compare(cpu: Self.cpu, accelerator: accelerator, width: Self.width)
        #expect(!verdict.passed)
        #expect(verdict.worstFrame == 2)
        #expect(verdict.failure == "frame 2 holds nan")
    }

    @Test func aShapeMismatchFails() {
        #expect(!EncoderGate.compare(cpu: Self.cpu, accelerator: Array(Self.cpu.dropLast()), width: Self.width).passed)
        #expect(!EncoderGate.compare(cpu: Self.cpu, accelerator: Self.cpu, width: 5).passed)
    }

    @Test func anInjectedBackendIsGatedBeforeItServes() {
        let mel = [Float](repeating: 0.1, count: 80 * 6)
        func gate(_ encoder: FakeEncoder) -> EncoderGate.Verdict {
            EncoderGate.run(encoder, mel: mel, melFrames: 6, cpuOutput: Self.cpu, width: Self.width)
        }
        #expect(gate(FakeEncoder(output: Self.cpu)).passed)
        #expect(gate(FakeEncoder(output: [Float](repeating: 0, count: Self.cpu.count))).failure == "the accelerator output is all zero")
        // A device that writes nothing leaves the NaN the buffer started with.
        #expect(gate(FakeEncoder(output: nil)).failure == "frame 0 holds nan")
        #expect(gate(FakeEncoder(output: Array(Self.cpu.prefix(8)))).failure == "frame 2 holds nan")
        let lost = gate(FakeEncoder(output: Self.cpu, error: DeviceLost()))
        #expect(lost.failure?.hasPrefix("fake NPU failed to encode") == true)
        #expect(lost.description.hasPrefix("encoder gate failed: fake NPU failed to encode"))
    }
}
