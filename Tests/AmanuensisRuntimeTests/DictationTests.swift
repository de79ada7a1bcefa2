import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
import Dispatch
import Foundation
import TestSupport
import Testing

/// Live dictation on the runtime, in process: audio fed in real-time-sized
/// pieces, commits and the final collected as the daemon would send them.
@Suite(.serialized) struct DictationTests {
    /// Records every event, and lets the test wait for the outcome.
    final class Events: DictationDelivery {
        enum Event: Equatable {
            case voice(Bool), commit(TimedText), tail(TimedText?)
        }

        let events = Locked<[Event]>([])
        private let outcome = Locked<DictationOutcome?>(nil)
        private let arrived = DispatchSemaphore(value: 0)

        var isOpen: Bool { true }
        func voice(_ dictation: Dictation, started: Bool, at seconds: Double) { events.withLock { $0.append(.voice(started)) } }
        func commit(_ dictation: Dictation, _ text: TimedText) { events.withLock { $0.append(.commit(text)) } }
        func tail(_ dictation: Dictation, _ text: TimedText?) { events.withLock { $0.append(.tail(text)) } }
        func finish(_ dictation: Dictation, _ outcome: DictationOutcome) {
            self.outcome.withLock { $0 = outcome }
            arrived.signal()
        }

        func wait() -> DictationOutcome? {
            arrived.wait()
            return outcome.withLock { $0 }
        }

        /// Tails delivered: one a partial pass.
        var tails: Int { events.withLock { $0.filter { if case .tail = $0 { true } else { false } }.count } }

        var commits: [TimedText] {
            events.withLock { $0.compactMap { if case .commit(let text) = $0 { text } else { nil } } }
        }
    }

    static let format = try! RawPCMFormat(encoding: .s16le, sampleRate: 16_000, channels: 1)

    static func pcm(_ name: String) throws -> [UInt8] {
        let audio = try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent(name).path)
        return audio.samples.flatMap { sample -> [UInt8] in
            let value = Int16(max(-32_768, min(32_767, (sample * 32_768).rounded())))
            return withUnsafeBytes(of: value.littleEndian) { Array($0) }
        }
    }

    /// Feeds `pcm` in 100 ms pieces at `speed` times real time, then ends;
    /// after each second of audio, waits (up to a minute) for the pass it
    /// starts to answer, so a slow machine (or a sanitizer) sees the same.
    static func dictate(_ pcm: [UInt8], runtime: Runtime, speed: Double = 4,
                        endpointing: DictationSettings.Endpointing = .client) throws -> (DictationOutcome?, Events) {
        let events = Events()
        let dictation = try Dictation(requestID: 1, settings: DictationSettings(format: format, options: DecodingOptions(),
                                                                                 endpointing: endpointing),
                                      runtime: runtime, delivery: events)
        let piece = 3_200
        var tails = 0
        for (index, start) in stride(from: 0, to: pcm.count, by: piece).enumerated() {
            if index % 10 == 0 { tails = events.tails }
            try dictation.append(Array(pcm[start..<min(start + piece, pcm.count)]))
            Thread.sleep(forTimeInterval: 0.1 / speed)
            guard index % 10 == 9 else { continue }
            for _ in 0..<600 where events.tails == tails { Thread.sleep(forTimeInterval: 0.1) }
        }
        try dictation.end()
        return (events.wait(), events)
    }


    @Test func theFinalTextIsTheCommitsJoinedAndMatchesTheFileTranscript() throws {
        let runtime = try RuntimeTests.runtime()
        let pcm = try Self.pcm("jfk.wav")
        let (outcome, events) = try Self.dictate(pcm, runtime: runtime)
        guard case .dictated(let result) = outcome else {
            Issue.record("the dictation failed: \(String(describing: outcome))")
            return
        }
        let offline = try Transcriber(model: runtime.model).transcribe(try AudioFileDecoder.decode(
            path: TestPaths.samples.appendingPathComponent("jfk.wav").path))
        #expect(WordErrorRate.normalize(result.text) == WordErrorRate.normalize(offline.text))
        #expect(events.commits.map(\.text).joined() == result.text)
        // Text came while the audio was still arriving, not all at the end.
        #expect(events.commits.count >= 2)
        #expect(result.passes >= 3)
        let paths = result.report.entries.map(\.path)
        #expect(paths.contains("total.finalize") && paths.contains("total.passes"))
        #expect(runtime.counts.leaked == 0)
    }
}
