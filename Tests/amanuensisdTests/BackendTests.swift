import AmanuensisProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// What the daemon says about where the model runs: no NPU compute is
/// claimed, `auto` says why it runs on the CPU, and `npu` that cannot run
/// refuses to start with the reason.
@Suite struct BackendTests {
    /// Whether this machine has an AMD XDNA NPU's PCI device.
    static let hasNPU: Bool = {
        let devices = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices")) ?? []
        return devices.contains { device in
            let read = { (name: String) in
                (try? String(contentsOfFile: "/sys/bus/pci/devices/\(device)/\(name)", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            }
            return read("vendor") == "0x1022" && ["0x1502", "0x17f0"].contains(read("device"))
        }
    }()

    @Test func npuThatCannotRunRefusesToStartWithTheReason() throws {
        let daemon = try DaemonHarness()
        let config = try daemon.directory.file("npu.conf", contents: Data("backend = \"npu\"\n".utf8)).path
        let result = try CommandResult.run([DaemonHarness.daemon, "--config", config, "--model", DaemonHarness.model,
                                            "--socket", daemon.socketPath])
        #expect(result.status == 69, "\(result.standardError)")
        #expect(result.standardError.contains("backend = npu cannot run: "), "\(result.standardError)")
        if !Self.hasNPU {
            #expect(result.standardError.contains("no AMD XDNA NPU found"), "\(result.standardError)")
        }
    }

    @Test func autoServesOnTheCPUAndSaysWhy() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let status = try daemon.amctl(["status"])
        let line = status.standardOutput.split(separator: "\n").first { $0.hasPrefix("backend:") } ?? ""
        let expected = Self.hasNPU ? "cpu (NPU found, but Amanuensis has no NPU encoder yet)" : "cpu (no NPU: no AMD XDNA NPU found"
        #expect(line.contains(expected), "\(status.standardOutput)")
        #expect(daemon.log.contains("backend cpu ("), "the start record names the backend: \(daemon.log)")
        #expect(try daemon.amctl(["transcribe", Samples.jfk]).standardOutput == Samples.jfkText + "\n")
        #expect(daemon.stop() == 0)
    }

    /// The decoder thread ran at nice 10: any busy program at normal
    /// priority starved every stream's decoding. No thread of the daemon
    /// runs below the daemon's own priority.
    @Test func noDaemonThreadGivesTheMachineAway() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        #expect(try daemon.amctl(["transcribe", Samples.jfk]).status == 0)
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/task")
        var names: [String] = []
        for task in tasks {
            // A thread that ended since the listing (a connection's, say) runs at no priority at all.
            guard let stat = try? String(contentsOfFile: "/proc/\(daemon.pid)/task/\(task)/stat", encoding: .utf8) else {
                continue
            }
            // Fields after the command's closing parenthesis: nice is the 17th of them.
            let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
            let name = (try? String(contentsOfFile: "/proc/\(daemon.pid)/task/\(task)/comm", encoding: .utf8)) ?? "?"
            names.append(name.trimmingCharacters(in: .newlines))
            #expect(fields[16] == "0", "\(name) runs at nice \(fields[16])")
        }
        #expect(names.contains("amanuensis-deco"), "the decoder thread is there to check: \(names)")
        #expect(daemon.stop() == 0)
    }
}
