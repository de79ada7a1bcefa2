import AmanuensisCore
import AmanuensisProtocol
import AmanuensisTransport
import Dispatch
import Foundation
import Glibc
import TestSupport
import Testing

/// Faults one client once caused for everyone: each attack runs while good
/// clients transcribe, and every good transcription must come back right.
@Suite(.serialized) struct ClientIsolationTests {
    let hostile = HostileClientTests()
    /// `O_PATH` (Linux, asm-generic/fcntl.h), which Glibc's module does not export.
    static let openPathOnly: Int32 = 0o10_000_000

    /// Finite float samples near 1e19 reached the sampler as NaN, which
    /// trapped: the daemon died with SIGILL and every client lost its request.
    @Test func hugeFloatSamplesCannotKillTheDaemon() throws {
        try hostile.whileAGoodClientTranscribes { daemon in
            let values = [Float](repeating: 0, count: 100) + [Float](repeating: 1e19, count: 100) + [Float](repeating: 0, count: 15_800)
            let bytes = Data(values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } })
            let result = try daemon.amctl(["transcribe", "--raw", "f32le:16000:1", "-"], standardInput: bytes)
            #expect(result.status == 0, "\(result.standardError)")
        }
    }

    /// libsndfile closed a descriptor it failed to open and the daemon closed
    /// the same number again: whatever another session had opened under it
    /// (a client's socket, a client's file) was closed or read by the wrong
    /// request. Bad files from two clients for 10 s, while good clients go on.
    @Test func filesThatFailToOpenNeverTouchAnotherConnection() throws {
        let files = try TemporaryDirectory()
        var generator = SystemRandomNumberGenerator()
        let noise = try files.file("noise.wav", contents: Data((0..<5_000).map { _ in UInt8.random(in: 0...255, using: &generator) })).path
        let brokenHeader = Data("RIFF\u{FF}\u{FF}\u{FF}\u{FF}WAVEfmt ".utf8.prefix(16)) + Data((0..<3_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let broken = try files.file("broken.wav", contents: brokenHeader).path
        try hostile.whileAGoodClientTranscribes { daemon in
            let second = HostileClientTests.GoodClient(socketPath: daemon.socketPath)
            second.start()
            let deadline = ContinuousClock.now + .seconds(10)
            let refusals = Locked(0)
            let socketPath = daemon.socketPath
            DispatchQueue.concurrentPerform(iterations: 2) { attacker in
                while ContinuousClock.now < deadline {
                    for file in [noise, broken] {
                        let command = [DaemonHarness.amctl, "transcribe", "--socket", socketPath, file]
                        guard let result = try? CommandResult.run(command) else { continue }
                        #expect(result.status == 1, "\(file): \(result.standardError)")
                        if result.status == 1 { refusals.withLock { $0 += 1 } }
                    }
                    // A descriptor that cannot be read at all.
                    guard let socket = try? UnixSocket.connect(path: socketPath) else { continue }
                    let connection = TestConnection(socket)
                    guard (try? connection.hello()) != nil else { continue }
                    let path = open(Samples.jfk, Self.openPathOnly | O_CLOEXEC)
                    defer { close(path) }
                    try? connection.send(.transcribe(TranscribeRequest(requestID: 1, source: .descriptor)), attaching: path)
                    if case .error(1, let error) = try? connection.receive() {
                        #expect(error.code == .badAudio, "\(error)")
                    } else {
                        Issue.record("an O_PATH descriptor was not refused (attacker \(attacker))")
                    }
                }
            }
            for result in second.stop() {
                #expect(result.status == 0 && result.standardOutput == Samples.jfkText + "\n", "\(result.standardError)")
            }
            #expect(refusals.withLock { $0 } > 10)
        }
    }

    /// Streams were sized for the configured beam, so `--beam-size 8` against
    /// a default daemon failed after `accepted`; every valid size works.
    @Test func everyBeamSizeWorksAgainstADefaultDaemon() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        for beam in [2, 8, 16] {
            let result = try daemon.amctl(["transcribe", "--beam-size", String(beam), Samples.jfk])
            #expect(result.status == 0 && result.standardOutput.contains("ask what you can do for your country"),
                    "beam \(beam): \(result.standardError)")
        }
        let config = daemon.directory.url.appendingPathComponent("amanuensisd.conf")
        try Data("beam_size = 12\n".utf8).write(to: config)
        kill(daemon.pid, SIGHUP)
        try waitFor { daemon.log.contains("applied beam_size") }
        let result = try daemon.amctl(["transcribe", Samples.jfk])
        #expect(result.status == 0 && result.standardOutput.contains("ask what you can do for your country"), "\(result.standardError)")
        #expect(daemon.stop() == 0, "\(daemon.log)")
    }

    private func waitFor(_ condition: () -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            try #require(ContinuousClock.now < deadline, "timed out")
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
