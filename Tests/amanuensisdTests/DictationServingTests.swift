import AmanuensisCore
import AmanuensisProtocol
import AmanuensisTransport
import Foundation
import Glibc
import TestSupport
import Testing

/// Live dictation through a real daemon on a real socket: what a dictation
/// client sees, the protocol's rules, and the resources given back.
@Suite(.serialized) struct DictationServingTests {
    static let format = RawAudioFormat(encoding: .s16le, sampleRate: 16_000, channels: 1)

    /// Everything one dictation sent back, in order.
    struct Heard {
        var commits: [TranscriptionResult.Segment] = []
        var partials = 0
        var voice: [Bool] = []
        var result: TranscriptionResult?
        var error: ProtocolError?
        /// Commits that came before the end was sent.
        var commitsWhileSpeaking = 0

        var committedText: String { commits.map(\.text).joined() }
    }

    /// Sends `pcm` in 100 ms frames, `speed` times faster than real time,
    /// reading what comes meanwhile, then ends it; returns what came back.
    /// `lockstep`: after each frame, wait for the pass it started (if any)
    /// to answer, as a daemon that keeps up would: every pass then covers
    /// the same audio however busy this machine is.
    static func dictate(_ pcm: Data, on connection: TestConnection, id: UInt32 = 1, speed: Double = 4, lockstep: Bool = false,
                        request: DictateRequest? = nil) throws -> Heard {
        try connection.send(.dictate(request ?? DictateRequest(requestID: id, format: format, timing: true, partials: true)))
        var heard = Heard()
        guard case .accepted(id) = try connection.receive() else { throw DaemonHarness.HarnessError() }
        let bytes = [UInt8](pcm)
        var passes = lockstep ? try Self.passes(on: connection, noting: &heard) : (running: 0, settled: 0)
        try connection.connection.socket.setReceiveTimeout(seconds: lockstep ? 60 : 0.1 / speed)
        for start in stride(from: 0, to: bytes.count, by: 3_200) {
            try connection.send(.audio(requestID: id, bytes: Array(bytes[start..<min(start + 3_200, bytes.count)])))
            guard lockstep else {
                while let message = try? connection.receive() { note(message, in: &heard, speaking: true) }
                continue
            }
            let partials = heard.partials
            let now = try Self.passes(on: connection, noting: &heard)
            // A pass answers every frame that starts one with a partial.
            if now.running + now.settled > passes.running + passes.settled {
                while heard.partials == partials, let message = try connection.receive() { note(message, in: &heard, speaking: true) }
            }
            passes = now
        }
        try connection.connection.socket.setReceiveTimeout(seconds: 60)
        try connection.send(.audioEnd(requestID: id))
        while heard.result == nil, heard.error == nil, let message = try connection.receive() {
            note(message, in: &heard, speaking: false)
        }
        return heard
    }

    /// Passes running or queued, and those done, by the daemon's status on
    /// the dictation's own connection: asked after a frame, it counts the
    /// pass that frame started. Done is counted too, for a pass may end
    /// before the status is read, and a job leaves `active` just before its
    /// answer goes out.
    static func passes(on connection: TestConnection, noting heard: inout Heard) throws -> (running: Int, settled: Int) {
        try connection.send(.status)
        while let message = try connection.receive() {
            guard case .status(let pairs) = message else {
                note(message, in: &heard, speaking: true)
                continue
            }
            let values = Dictionary(pairs.map { ($0.key, Int($0.value) ?? 0) }, uniquingKeysWith: { $1 })
            return (values["active", default: 0] + values["queued", default: 0],
                    values["completed", default: 0] + values["failed", default: 0] + values["cancelled", default: 0])
        }
        throw DaemonHarness.HarnessError()
    }

    static func note(_ message: DaemonMessage, in heard: inout Heard, speaking: Bool) {
        switch message {
        case .commit(_, let text):
            heard.commits.append(text)
            if speaking { heard.commitsWhileSpeaking += 1 }
        case .partial: heard.partials += 1
        case .voice(_, let started, _): heard.voice.append(started)
        case .result(let result): heard.result = result
        case .error(_, let error): heard.error = error
        default: break
        }
    }


    /// Status values of the daemon, once `condition` holds or 3 s have passed.
    static func status(_ daemon: DaemonHarness, until condition: ([String: String]) -> Bool = { _ in true }) throws -> [String: String] {
        var values: [String: String] = [:]
        for _ in 0..<60 {
            let connection = try daemon.connect()
            try connection.hello()
            try connection.send(.status)
            guard case .status(let pairs) = try connection.receive() else { throw DaemonHarness.HarnessError() }
            values = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            if condition(values) { break }
            usleep(50_000)
        }
        return values
    }

    static func idle(_ values: [String: String]) -> Bool {
        values["active"] == "0" && values["dictations"] == "0" && values["raw_audio_held_seconds"] == "0.0"
    }

    @Test func textComesWhileSpeakingAndTheFinalIsTheCommitsJoined() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let connection = try daemon.connect()
        try connection.hello()
        let heard = try Self.dictate(try Samples.jfkPCM(), on: connection, lockstep: true)
        let result = try #require(heard.result, "no result: \(String(describing: heard.error))")
        #expect(heard.commitsWhileSpeaking >= 2)
        #expect(heard.partials >= 2)
        #expect(result.text == heard.committedText.trimmingCharacters(in: .whitespaces))
        #expect(WordErrorRate.normalize(result.text) == WordErrorRate.normalize(Samples.jfkText))
        #expect(zip(heard.commits.dropFirst(), heard.commits).allSatisfy { $0.start >= $1.end })
        let paths = result.timings.map(\.path)
        #expect(paths.contains("total.finalize") && paths.contains("total.passes"))
        let after = try Self.status(daemon, until: Self.idle)
        #expect(Self.idle(after), "\(after)")
    }

    /// Passes run where the audio stands when the last one ends, so a
    /// machine that falls behind moves them; replays that keep up agree.
    @Test func twoReplaysOfOneClipGiveTheSameFinalText() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let connection = try daemon.connect()
        try connection.hello()
        let pcm = try Samples.jfkPCM()
        let first = try Self.dictate(pcm, on: connection, id: 1, lockstep: true)
        let second = try Self.dictate(pcm, on: connection, id: 2, lockstep: true)
        #expect(first.result?.text != nil)
        #expect(first.result?.text == second.result?.text)
    }

    @Test func silenceAndNoiseCommitNothingAndEndEmpty() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let connection = try daemon.connect()
        try connection.hello()
        var generator = SystemRandomNumberGenerator()
        let silence = Data(count: 10 * 32_000)
        let noise = Data((0..<(10 * 16_000)).flatMap { _ -> [UInt8] in
            withUnsafeBytes(of: Int16.random(in: -3_000...3_000, using: &generator).littleEndian) { Array($0) }
        })
        for (index, pcm) in [silence, noise].enumerated() {
            let heard = try Self.dictate(pcm, on: connection, id: UInt32(index + 1), speed: 8)
            #expect(heard.commits.isEmpty, "commits on \(index == 0 ? "silence" : "noise"): \(heard.commits)")
            #expect(heard.result?.text == "")
        }
    }

    @Test func aCancelledDictationHasNoFinalAndItsStreamIsFreeAtOnce() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let connection = try daemon.connect()
        try connection.hello()
        let bytes = [UInt8](try Samples.jfkPCM())
        try connection.send(.dictate(DictateRequest(requestID: 1, format: Self.format)))
        _ = try connection.receive()
        for start in stride(from: 0, to: 16 * 3_200, by: 3_200) {
            try connection.send(.audio(requestID: 1, bytes: Array(bytes[start..<(start + 3_200)])))
        }
        try connection.send(.cancel(requestID: 1))
        var outcome: DaemonMessage?
        while let message = try connection.receive() {
            if case .error = message { outcome = message; break }
            if case .result = message { outcome = message; break }
        }
        guard case .error(1, let error) = outcome else { Issue.record("no cancellation: \(String(describing: outcome))"); return }
        #expect(error.code == .cancelled)
        let cancelled = ContinuousClock.now
        let after = try Self.status(daemon) { $0["active"] == "0" }
        #expect(after["active"] == "0")
        #expect(ContinuousClock.now - cancelled < .milliseconds(500))
    }

    @Test func theProtocolsRulesEachGetAClearErrorAndTheConnectionGoesOn() throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "max_dictation_seconds = 60\n")
        let connection = try daemon.connect()
        try connection.hello()
        func error(after messages: [ClientMessage], id: UInt32) throws -> ProtocolError? {
            for message in messages { try connection.send(message) }
            while let message = try connection.receive() {
                if case .error(id, let error) = message { return error }
                if case .result(let result) = message, result.requestID == id { return nil }
            }
            return nil
        }
        // Audio for a dictation never opened.
        #expect(try error(after: [.audio(requestID: 7, bytes: [0, 0])], id: 7)?.code == .badRequest)
        // A frame that is not whole samples of its format, then the dictation is over.
        try connection.send(.dictate(DictateRequest(requestID: 1, format: Self.format)))
        #expect(try error(after: [.audio(requestID: 1, bytes: [0, 0, 0])], id: 1)?.message.contains("whole") == true)
        // More than half a second in one frame.
        try connection.send(.dictate(DictateRequest(requestID: 2, format: Self.format)))
        #expect(try error(after: [.audio(requestID: 2, bytes: [UInt8](repeating: 0, count: 16_002))], id: 2)?.code == .badRequest)
        // The end twice: the second is refused, the first still gets its
        // result (which, for silence, may well come before the refusal).
        try connection.send(.dictate(DictateRequest(requestID: 3, format: Self.format)))
        try connection.send(.audio(requestID: 3, bytes: [UInt8](repeating: 0, count: 3_200)))
        try connection.send(.audioEnd(requestID: 3))
        try connection.send(.audioEnd(requestID: 3))
        var sawRefusal = false, sawResult = false
        while !(sawRefusal && sawResult), let message = try connection.receive() {
            if case .error(3, let error) = message { sawRefusal = sawRefusal || error.code == .badRequest }
            if case .result(let result) = message, result.requestID == 3 { sawResult = true }
        }
        #expect(sawRefusal && sawResult)
        // Cancel after the end: no result, a cancellation or nothing if the result won the race.
        try connection.send(.dictate(DictateRequest(requestID: 4, format: Self.format)))
        try connection.send(.audio(requestID: 4, bytes: [UInt8](repeating: 0, count: 3_200)))
        try connection.send(.audioEnd(requestID: 4))
        try connection.send(.cancel(requestID: 4))
        try connection.send(.ping(nonce: 4))
        while let message = try connection.receive() {
            if case .pong = message { break }
        }
        // Audio past the longest dictation asked for.
        try connection.send(.dictate(DictateRequest(requestID: 5, format: Self.format, maximumSeconds: 1)))
        let twoSeconds = (0..<4).map { _ in ClientMessage.audio(requestID: 5, bytes: [UInt8](repeating: 0, count: 16_000)) }
        #expect(try error(after: twoSeconds, id: 5)?.code == .audioTooLong)
        // A dictation longer than the daemon allows.
        try connection.send(.dictate(DictateRequest(requestID: 6, format: Self.format, maximumSeconds: 61)))
        #expect(try error(after: [], id: 6)?.code == .badRequest)
        // And the connection still serves.
        let heard = try Self.dictate(try Samples.jfkPCM(), on: connection, id: 8, speed: 8)
        #expect(WordErrorRate.normalize(heard.result?.text ?? "") == WordErrorRate.normalize(Samples.jfkText))
        let after = try Self.status(daemon, until: Self.idle)
        #expect(Self.idle(after), "\(after)")
    }

    @Test func aClientThatVanishesMidDictationLeavesNothingBehind() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let bytes = [UInt8](try Samples.jfkPCM())
        do {
            let connection = try daemon.connect()
            try connection.hello()
            try connection.send(.dictate(DictateRequest(requestID: 1, format: Self.format)))
            for start in stride(from: 0, to: 40 * 3_200, by: 3_200) {
                try connection.send(.audio(requestID: 1, bytes: Array(bytes[start..<(start + 3_200)])))
            }
            connection.connection.socket.shutdown()
        }
        let after = try Self.status(daemon, until: Self.idle)
        #expect(Self.idle(after), "\(after)")
        #expect(after["streams_leaked"] == "0")
    }

    @Test func amctlPrintsTheCommittedTextAsADictationScriptReadsIt() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let pcm = try Samples.jfkPCM()
        let plain = try daemon.amctl(["dictate"], standardInput: pcm)
        #expect(plain.status == 0, "\(plain.standardError)")
        #expect(WordErrorRate.normalize(plain.standardOutput) == WordErrorRate.normalize(Samples.jfkText))
        #expect(plain.standardOutput.hasSuffix("\n") && !plain.standardOutput.hasPrefix(" "))
        let events = try daemon.amctl(["dictate", "--jsonl", "--raw", "s16le:16000:1", "-"], standardInput: pcm)
        let lines = events.standardOutput.split(separator: "\n")
        let types = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["type"] as? String
        }
        #expect(types.count == lines.count)
        #expect(types.last == "final")
        #expect(types.contains("commit"))
    }

    /// Push-to-talk: the recorder keeps the pipe open; letting go of the key
    /// sends SIGINT, and amctl prints the rest of the text and exits 0.
    @Test func interruptingAmctlEndsTheDictationWithItsText() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DaemonHarness.amctl)
        process.arguments = ["dictate", "--socket", daemon.socketPath]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(try Samples.jfkPCM())
        // The audio is on its way; the recorder has not closed its pipe.
        usleep(1_500_000)
        process.interrupt()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try input.fileHandleForWriting.close()
        #expect(process.terminationStatus == 0)
        #expect(WordErrorRate.normalize(text) == WordErrorRate.normalize(Samples.jfkText))
    }
}
