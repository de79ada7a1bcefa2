import AmanuensisProtocol
import AmanuensisTransport
import Foundation
import Glibc
import TestSupport
import Testing

/// Every limit a client can run into: what it is told, that the daemon goes
/// on serving, and that each deadline runs from its own start.
@Suite(.serialized) struct LimitTests {
    let hostile = HostileClientTests()

    /// The read deadline once restarted with every byte: a 13-byte frame sent
    /// a byte every 6 s took 78 s and was accepted. It runs from the first byte.
    @Test func aFrameTrickledOneByteAtATimeMissesItsDeadline() throws {
        try hostile.whileAGoodClientTranscribes { daemon in
            let connection = try daemon.connect()
            try connection.hello()
            let ping = ClientMessage.ping(nonce: 1).encoded()
            let started = ContinuousClock.now
            for byte in ping {
                guard (try? connection.sendRaw([byte])) != nil else { break }
                Thread.sleep(forTimeInterval: 0.3)
            }
            try hostile.expectClosed(connection, with: .timeout)
            #expect(ContinuousClock.now - started < .seconds(5), "dropped at the 1 s deadline of the frame")
        }
    }

    @Test func aConnectionThatNeverSaysHelloIsDroppedAtTheReadDeadline() throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "read_timeout = 1\nidle_timeout = 600\n")
        let connection = try daemon.connect()
        let started = ContinuousClock.now
        try hostile.expectClosed(connection, with: .timeout)
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(900) && waited < .seconds(3), "\(waited)")
        #expect(daemon.stop() == 0)
    }

    /// `idle_timeout = 5` was enforced at 10.1 s: the check ran at the read timeout's pace.
    @Test func theIdleTimeoutIsKeptToTheSecond() throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "idle_timeout = 2\n")
        let connection = try daemon.connect()
        try connection.hello()
        let started = ContinuousClock.now
        try hostile.expectClosed(connection, with: .timeout)
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(1_900) && waited < .milliseconds(3_300), "\(waited)")
        #expect(daemon.stop() == 0)
    }

    /// A prompt over the limit was a malformed frame: the daemon hung up and
    /// amctl said "daemon unreachable". It fails its request alone.
    @Test func anOversizePromptFailsItsRequestAndTheConnectionGoesOn() throws {
        try hostile.whileAGoodClientTranscribes { daemon in
            let connection = try daemon.connect()
            try connection.hello()
            let prompt = String(repeating: "x", count: DecodingChoices.maximumPromptBytes + 1)
            let descriptor = open(Samples.jfk, O_RDONLY | O_CLOEXEC)
            defer { close(descriptor) }
            try connection.send(.transcribe(TranscribeRequest(requestID: 1, source: .descriptor, decoding: DecodingChoices(initialPrompt: prompt))),
                                attaching: descriptor)
            guard case .error(1, let error) = try connection.receive() else { Issue.record("not refused"); return }
            #expect(error.code == .badRequest && error.message.contains("4096"), "\(error)")
            try connection.send(.ping(nonce: 5))
            #expect(try connection.receive() == .pong(nonce: 5))
            let cli = try daemon.amctl(["transcribe", "--prompt", prompt, Samples.jfk])
            #expect(cli.status == 2 && cli.standardError.contains("4096"), "\(cli.status): \(cli.standardError)")
        }
    }

    /// Any connected user could reset everyone's statistics.
    @Test func onlyRootOrTheDaemonsUserResetsTheStatistics() throws {
        let daemon = try DaemonHarness.forOtherUsers()
        #expect(try daemon.amctl(["transcribe", Samples.jfk]).status == 0)
        let refused = try daemon.amctl(["stats", "--reset"], asUser: 65534)
        #expect(refused.status != 0 && refused.standardError.contains("only root"), "\(refused.standardError)")
        let status = try daemon.amctl(["status", "--json"])
        #expect(status.standardOutput.contains("\"completed\": 1,"), "the count survived: \(status.standardOutput)")
        #expect(try daemon.amctl(["stats", "--reset"]).status == 0, "root may")
        #expect(daemon.stop() == 0)
    }

    /// The command name is the client's to choose; it was logged as is (`comm=a""`).
    @Test func aClientChosenCommandNameIsEscapedInTheLog() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let original = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
        func name(_ text: String) {
            let file = open("/proc/self/comm", O_WRONLY)
            defer { close(file) }
            _ = text.withCString { write(file, $0, strlen($0)) }
        }
        name("a\"\" b=1")
        defer { name(original) }
        let connection = try daemon.connect()
        try connection.send(.hello(version: 999, client: "test"))
        _ = try connection.drain()
        for _ in 0..<100 where !daemon.log.contains("closing connection") { usleep(20_000) }
        #expect(daemon.log.contains("comm=a\\x22\\x22\\x20b\\x3d1"), "\(daemon.log)")
        #expect(!daemon.log.contains("comm=a\"\""))
        #expect(daemon.stop() == 0)
    }

    /// Raw audio was held at its input rate, 4 h allowed per stream and 4
    /// streams a connection. A user's raw uploads together now hold at most
    /// `max_audio_seconds`, and a stream past it ends with a clear error.
    @Test func rawUploadsAreBoundedPerUploadAndPerUser() throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "max_audio_seconds = 10\n")
        let second = [UInt8](repeating: 0, count: 32_000)
        func open(_ connection: TestConnection, _ id: UInt32) throws {
            try connection.send(.transcribe(TranscribeRequest(requestID: id, source: .raw(
                RawAudioFormat(encoding: .s16le, sampleRate: 16_000, channels: 1)))))
        }
        let first = try daemon.connect(), other = try daemon.connect()
        try first.hello()
        try other.hello()
        try open(first, 1)
        for _ in 0..<6 { try first.send(.audio(requestID: 1, bytes: second)) }
        // Sessions run side by side: the pong says the first upload's audio is held.
        try first.send(.ping(nonce: 9))
        while let message = try first.receive(), message != .pong(nonce: 9) {}
        try open(other, 1)
        var refusal: ProtocolError?
        for _ in 0..<6 { try other.send(.audio(requestID: 1, bytes: second)) }
        try other.send(.ping(nonce: 1))
        while let message = try other.receive() {
            // The first error is the refusal; audio after it is for an upload that is gone.
            if case .error(1, let error) = message, refusal == nil { refusal = error }
            if case .pong = message { break }
        }
        #expect(refusal?.code == .audioTooLong && refusal?.message.contains("together") == true, "\(String(describing: refusal))")
        // Ending the first upload gives its audio back: the other user's budget is whole again.
        try first.send(.audioEnd(requestID: 1))
        var answered = false
        while let message = try first.receive() {
            if case .result = message { answered = true; break }
            if case .error(1, let error) = message { Issue.record("\(error)"); break }
        }
        #expect(answered)
        try open(other, 2)
        for _ in 0..<6 { try other.send(.audio(requestID: 2, bytes: second)) }
        try other.send(.audioEnd(requestID: 2))
        var result: TranscriptionResult?
        while let message = try other.receive() {
            if case .result(let finished) = message { result = finished; break }
            if case .error(2, let error) = message { Issue.record("\(error)"); break }
        }
        #expect(result?.duration == 6)
        // One upload alone past the limit.
        let long = try daemon.amctl(["transcribe", "--raw", "s16le:16000:1", "-"],
                                    standardInput: Data(repeating: 0, count: 11 * 32_000))
        #expect(long.status == 1 && long.standardError.contains("longer than the limit"), "\(long.standardError)")
        #expect(daemon.stop() == 0)
    }

    /// One connection's 200 queued requests delayed every other client by
    /// half a minute; a connection now has at most 16 in flight.
    @Test func requestsInFlightAreBoundedPerConnection() throws {
        try hostile.whileAGoodClientTranscribes { daemon in
            let connection = try daemon.connect()
            try connection.hello()
            let descriptor = open(Samples.jfk, O_RDONLY | O_CLOEXEC)
            defer { close(descriptor) }
            for id in 1...24 {
                try connection.send(.transcribe(TranscribeRequest(requestID: UInt32(id), source: .descriptor)), attaching: descriptor)
            }
            var results = 0, busy = 0
            while results + busy < 24, let message = try connection.receive() {
                switch message {
                case .result: results += 1
                case .error(_, let error) where error.code == .busy: busy += 1
                default: continue
                }
            }
            #expect(busy >= 1 && busy <= 8, "\(busy) refused")
            #expect(results + busy == 24)
        }
    }

    /// Beyond `max_connections` a client is refused with a reason and exit
    /// status 4 (it showed "Broken pipe" and 3); the connections held go on.
    @Test func connectionsBeyondTheLimitAreRefusedClearly() throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "max_connections = 2\n")
        // The harness's own check of the daemon counts until its session ends.
        var held: [TestConnection] = []
        while held.count < 2 {
            let connection = try daemon.connect()
            if case .welcome = try? connection.hello() { held.append(connection) } else { usleep(20_000) }
        }
        for _ in 0..<5 {
            let refused = try daemon.amctl(["ping"])
            #expect(refused.status == 4 && refused.standardError.contains("at most 2 connections"), "\(refused.standardError)")
        }
        for (index, connection) in held.enumerated() {
            try connection.send(.ping(nonce: UInt64(index)))
            #expect(try connection.receive() == .pong(nonce: UInt64(index)))
        }
        #expect(daemon.stop() == 0)
    }

    /// A request that arrived just before SIGTERM got a bare close (exit 3)
    /// and no log line. Every request now gets its result or `shutting-down`,
    /// one sent while the daemon drains the latter, and an idle connection
    /// hears `shutting-down` before the daemon exits.
    @Test func aStoppingDaemonTellsEveryConnection() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let busy = try daemon.connect(), racing = try daemon.connect(), idle = try daemon.connect()
        for connection in [busy, racing, idle] { try connection.hello() }
        let descriptor = open(Samples.jfk, O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        try busy.send(.transcribe(TranscribeRequest(requestID: 1, source: .descriptor)), attaching: descriptor)
        guard case .accepted = try busy.receive() else { Issue.record("not accepted"); return }
        try racing.send(.transcribe(TranscribeRequest(requestID: 1, source: .descriptor)), attaching: descriptor)
        kill(daemon.pid, SIGTERM)
        Thread.sleep(forTimeInterval: 0.05)
        try busy.send(.transcribe(TranscribeRequest(requestID: 2, source: .descriptor)), attaching: descriptor)
        func answered(_ answers: [DaemonMessage], _ id: UInt32, resultAllowed: Bool) -> Bool {
            answers.contains { message in
                switch message {
                case .result(let result): resultAllowed && result.requestID == id
                case .error(let to, let error): (to == id || to == 0) && error.code == .shuttingDown
                default: false
                }
            }
        }
        let fromBusy = try busy.drain()
        #expect(fromBusy.contains { if case .result(let result) = $0 { result.requestID == 1 } else { false } },
                "the request in flight finished: \(fromBusy)")
        #expect(answered(fromBusy, 2, resultAllowed: false), "the request sent while stopping: \(fromBusy)")
        let fromRacing = try racing.drain()
        #expect(answered(fromRacing, 1, resultAllowed: true), "the request sent just before SIGTERM: \(fromRacing)")
        guard case .error(0, let farewell) = try idle.drain().last else { Issue.record("the idle connection was cut off"); return }
        #expect(farewell.code == .shuttingDown)
        #expect(daemon.waitForExit(timeout: 30) == 0)
    }

    /// A raw client whose daemon died printed a bare "Error:" and exited 1.
    @Test func aRawClientWhoseDaemonDiesSaysSo() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DaemonHarness.amctl)
        process.arguments = ["transcribe", "--socket", daemon.socketPath, "--raw", "s16le:16000:1", "-"]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let second = Data(repeating: 0, count: 32_000)
        input.fileHandleForWriting.write(second)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(daemon.stop(SIGKILL) != nil)
        // Writes fail once amctl is gone; it may be gone already.
        signal(SIGPIPE, SIG_IGN)
        for _ in 0..<20 { try? input.fileHandleForWriting.write(contentsOf: second) }
        try? input.fileHandleForWriting.close()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 3, "\(process.terminationStatus): \(message)")
        #expect(message.hasPrefix("amctl: ") && message.contains("closed the connection"), "\(message)")
        #expect(!message.contains("Error:"), "\(message)")
    }
}
