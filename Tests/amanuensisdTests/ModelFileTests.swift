import Foundation
import Glibc
import TestSupport
import Testing

/// The daemon reads rows of the embedding from its model.bin while it runs
/// (`HalfRows`): a model replaced as fetch-model.sh replaces it, by a new
/// directory, leaves it serving with what it loaded, and a file cut short
/// under it stops it with a message naming the file.
@Suite struct ModelFileTests {
    /// A copy of tiny.en that the test may remove or cut short.
    static func modelCopy(in directory: TemporaryDirectory) throws -> URL {
        let source = URL(fileURLWithPath: DaemonHarness.model), copy = directory.url.appendingPathComponent("tiny.en")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: false)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        return copy
    }

    @Test func aModelDirectoryRemovedUnderTheDaemonLeavesItServing() throws {
        let daemon = try DaemonHarness()
        let model = try Self.modelCopy(in: daemon.directory)
        try daemon.start(model: model.path)
        try FileManager.default.removeItem(at: model)
        let result = try daemon.amctl(["transcribe", Samples.jfk])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == Samples.jfkText + "\n")
        #expect(daemon.stop() == 0)
    }

    @Test func aModelFileCutShortUnderTheDaemonStopsItNamingTheFile() throws {
        let daemon = try DaemonHarness()
        let model = try Self.modelCopy(in: daemon.directory)
        try daemon.start(model: model.path)
        let file = model.appendingPathComponent("model.bin").path
        #expect(truncate(file, 4096) == 0)
        let result = try daemon.amctl(["transcribe", Samples.jfk])
        #expect(result.status != 0, "no transcript from weights it can no longer read")
        #expect(daemon.waitForExit(timeout: 30) != nil, "the daemon stopped")
        #expect(daemon.log.contains("\(file) changed under the loaded model"), "\(daemon.log.suffix(2000))")
    }
}
