import AmanuensisCore
import AmanuensisProtocol
import AmanuensisTransport
import Dispatch
import Foundation
import Glibc
import Testing

/// Malformed traffic of every kind: each bad client gets an error (for its
/// request, or for its connection, which then closes), while a good client
/// transcribes throughout without noticing.
@Suite(.serialized) struct HostileClientTests {
    /// Runs `attack` against a daemon while a good client transcribes jfk.wav
    /// in a loop; every one of the good client's transcriptions must succeed.
    func whileAGoodClientTranscribes(_ attack: (DaemonHarness) throws -> Void) throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "read_timeout = 1\n")
        let good = GoodClient(socketPath: daemon.socketPath)
        good.start()
        defer { good.stop() }
        try attack(daemon)
        for result in good.stop() {
            #expect(result.status == 0 && result.standardOutput == Samples.jfkText + "\n",
                    "the good client failed: \(result.standardError)")
        }
        #expect(try daemon.amctl(["ping"]).status == 0)
        #expect(daemon.stop() == 0, "\(daemon.log)")
    }

    /// Transcribes jfk.wav through amctl in a loop on its own thread.
    final class GoodClient: Sendable {
        let socketPath: String
        private let state = Locked((stopped: false, results: [CommandResult]()))
        private let done = DispatchSemaphore(value: 0)

        init(socketPath: String) { self.socketPath = socketPath }

        func start() {
            Thread { [self] in
                while !state.withLock({ $0.stopped }) || state.withLock({ $0.results.isEmpty }) {
                    let result = try? CommandResult.run([DaemonHarness.amctl, "transcribe", "--socket", socketPath, Samples.jfk])
                    if let result { state.withLock { $0.results.append(result) } }
                }
                done.signal()
            }.start()
        }

        /// Stops after at least one transcription and returns them all.
        @discardableResult
        func stop() -> [CommandResult] {
            let first = state.withLock { state in
                defer { state.stopped = true }
                return !state.stopped
            }
            if first { done.wait() }
            return state.withLock { $0.results }
        }
    }

    /// The connection's last message is an error with `code`, then it closes.
    func expectClosed(_ connection: TestConnection, with code: ProtocolError.Code) throws {
        let messages = try connection.drain()
        guard case .error(0, let error) = messages.last else {
            Issue.record("expected a \(code) error, got \(messages)")
            return
        }
        #expect(error.code == code, "\(error)")
    }

    @Test func randomBytes() throws {
        try whileAGoodClientTranscribes { daemon in
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<5 {
                let connection = try daemon.connect()
                // A plausible length, then noise: the frame decodes to garbage.
                try connection.sendRaw([200, 0, 0, 0] + (0..<200).map { _ in UInt8.random(in: 0...255, using: &generator) })
                try expectClosed(connection, with: .malformedFrame)
            }
        }
    }

    @Test func aFourGigabyteLengthPrefix() throws {
        try whileAGoodClientTranscribes { daemon in
            let connection = try daemon.connect()
            try connection.sendRaw([0xFF, 0xFF, 0xFF, 0xFF, 0x01])
            try expectClosed(connection, with: .frameTooLarge)
        }
    }

    @Test func aTruncatedFrameThenSilence() throws {
        try whileAGoodClientTranscribes { daemon in
            let connection = try daemon.connect()
            try connection.hello()
            try connection.sendRaw([100, 0, 0, 0, 0x06])
            let started = ContinuousClock.now
            try expectClosed(connection, with: .timeout)
            #expect(ContinuousClock.now - started < .seconds(5), "dropped only after the 1 s read deadline")
        }
    }

    @Test func aWrongProtocolVersion() throws {
        try whileAGoodClientTranscribes { daemon in
            let connection = try daemon.connect()
            try connection.send(.hello(version: 999, client: "future"))
            try expectClosed(connection, with: .unsupportedVersion)
        }
    }

    @Test func descriptorsThatAreNotAudioFiles() throws {
        try whileAGoodClientTranscribes { daemon in
            let connection = try daemon.connect()
            try connection.hello()
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            defer { close(ends[0]); close(ends[1]) }
            let directory = open("/tmp", O_RDONLY | O_DIRECTORY), zero = open("/dev/zero", O_RDONLY)
            defer { close(directory); close(zero) }
            for (id, descriptor) in [(1, directory), (2, ends[0]), (3, zero)] as [(UInt32, Int32)] {
                try connection.send(.transcribe(TranscribeRequest(requestID: id, source: .descriptor)), attaching: descriptor)
                guard case .error(id, let error) = try connection.receive() else {
                    Issue.record("request \(id) was not refused")
                    continue
                }
                #expect(error.code == .badAudio, "\(error)")
            }
            // A request that announces a descriptor but attaches none.
            try connection.send(.transcribe(TranscribeRequest(requestID: 4, source: .descriptor)))
            guard case .error(4, let missing) = try connection.receive() else { Issue.record("not refused"); return }
            #expect(missing.code == .badRequest)
            // The connection is still good for more.
            try connection.send(.ping(nonce: 7))
            #expect(try connection.receive() == .pong(nonce: 7))
        }
    }

    @Test func rawAudioWithZeroChannels() throws {
        try whileAGoodClientTranscribes { daemon in
            let connection = try daemon.connect()
            try connection.hello()
            let format = RawAudioFormat(encoding: .s16le, sampleRate: 16_000, channels: 0)
            try connection.send(.transcribe(TranscribeRequest(requestID: 1, source: .raw(format))))
            guard case .error(1, let error) = try connection.receive() else { Issue.record("not refused"); return }
            #expect(error.code == .badAudio)
            #expect(error.message.contains("channels"), "\(error.message)")
            let cli = try daemon.amctl(["transcribe", "--raw", "s16le:16000:0", "-"], standardInput: Data([0, 0]))
            #expect(cli.status == 1 && cli.standardError.contains("channels"), "\(cli.standardError)")
        }
    }

    /// A recorder stopped mid-frame: the whole frames count, the stray byte
    /// is left out with a warning.
    @Test func rawAudioEndingInsideAFrame() throws {
        try whileAGoodClientTranscribes { daemon in
            let odd = try daemon.amctl(["transcribe", "--raw", "s16le:16000:1", "-"], standardInput: Data([1, 2, 3]))
            #expect(odd.status == 0 && odd.standardError.contains("the last 1 bytes are not a whole s16le:16000:1 frame"),
                    "\(odd.standardError)")
        }
    }
}
