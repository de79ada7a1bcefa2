import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
import Dispatch
import Foundation
import TestSupport
import Testing

/// The runtime driven in process, as the daemon drives it but without a
/// socket: jobs in, outcomes out, and the counts that prove every stream
/// came back.
@Suite(.serialized) struct RuntimeTests {
    /// Collects each job's outcome, in the order they come, and lets the test wait for them.
    final class Outcomes: JobDelivery {
        private let outcomes = Locked<[UInt32: JobOutcome]>([:])
        let order = Locked<[UInt32]>([])
        /// Each job's segments as progress reported them.
        let streamed = Locked<[UInt32: [Segment]]>([:])
        private let arrived = DispatchSemaphore(value: 0)

        var isOpen: Bool { true }
        func progress(_ job: Job, done: Double, total: Double, final: ArraySlice<Segment>) {
            streamed.withLock { $0[job.requestID, default: []] += final }
        }
        func finish(_ job: Job, _ outcome: JobOutcome) {
            outcomes.withLock { $0[job.requestID] = outcome }
            order.withLock { $0.append(job.requestID) }
            arrived.signal()
        }

        /// Waits for `count` outcomes and returns them all.
        func wait(for count: Int) -> [UInt32: JobOutcome] {
            for _ in 0..<count { arrived.wait() }
            return outcomes.withLock { $0 }
        }
    }

    static func runtime(streams: Int = 2) throws -> Runtime {
        try Runtime(model: try SharedModels.tinyEnglish.get(),
                    configuration: Runtime.Configuration(streams: streams, maximumStreams: streams, encoders: 2),
                    backend: try BackendSelection.select(choice: .cpu, discovery: .unavailable(reason: "test")).get())
    }

    static func job(_ id: UInt32, beamSize: Int = 1, owner: UInt64 = 0, delivery: Outcomes) throws -> Job {
        var options = DecodingOptions()
        options.beamSize = beamSize
        return Job(requestID: id, audio: try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path),
                   options: options, urgency: .interactive, delivery: delivery, owner: owner, received: .now, audioDecoding: .zero)
    }

    static func text(_ outcome: JobOutcome?) -> String {
        guard case .transcribed(let transcript, _) = outcome else { return "failed: \(String(describing: outcome))" }
        return transcript.text
    }

    /// A long job shows its text as it goes: the segments it reports before
    /// its outcome are every segment of the transcript, each once, in order.
    @Test func aLongJobReportsEachSegmentOnceAsItBecomesFinal() throws {
        let runtime = try Self.runtime(streams: 1)
        let outcomes = Outcomes()
        let clip = try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path)
        let long = AudioSamples(samples: Array(repeating: clip.samples, count: 4).flatMap { $0 })
        try runtime.submit(Job(requestID: 1, audio: long, options: DecodingOptions(), urgency: .batch, delivery: outcomes,
                               owner: 0, received: .now, audioDecoding: .zero), maximumQueued: 1)
        guard case .transcribed(let transcript, _) = outcomes.wait(for: 1)[1] else {
            Issue.record("the job failed")
            return
        }
        #expect(transcript.segments.count >= 6)
        let streamed = outcomes.streamed.withLock { $0[1] ?? [] }
        #expect(streamed.map(\.text) == transcript.segments.map(\.text))
        #expect(streamed.map(\.start) == transcript.segments.map(\.start))
    }

    @Test func everyBeamSizeRunsOnAStreamMadeForGreedySearch() throws {
        let runtime = try Self.runtime()
        let outcomes = Outcomes()
        let sizes = [1, 2, 5, 8, 16]
        for size in sizes { try runtime.submit(try Self.job(UInt32(size), beamSize: size, delivery: outcomes), maximumQueued: 16) }
        let results = outcomes.wait(for: sizes.count)
        for size in sizes {
            #expect(Self.text(results[UInt32(size)]).contains("ask what you can do for your country"), "beam \(size)")
        }
        let counts = runtime.counts
        #expect(counts.completed == sizes.count && counts.failed == 0 && counts.leaked == 0 && counts.active == 0)
    }

    @Test func concurrentJobsReadAlikeAndGiveEveryStreamBack() throws {
        let runtime = try Self.runtime()
        let outcomes = Outcomes()
        for id in 1...6 { try runtime.submit(try Self.job(UInt32(id), delivery: outcomes), maximumQueued: 16) }
        let results = outcomes.wait(for: 6)
        #expect(Set(results.values.map(Self.text)).count == 1, "\(results.values.map(Self.text))")
        // The last job counts out just after its outcome is delivered.
        for _ in 0..<200 where !runtime.isIdle { usleep(5_000) }
        #expect(runtime.isIdle)
        let counts = runtime.counts
        #expect(counts.completed == 6 && counts.leaked == 0 && counts.highWater <= 2)
        #expect(runtime.computeStatistics.encodersInUse == 0)
    }

    @Test func aCancelledJobIsCountedAsCancelledNotFailed() throws {
        let runtime = try Self.runtime(streams: 1)
        let outcomes = Outcomes()
        let job = try Self.job(1, delivery: outcomes)
        job.cancel()
        try runtime.submit(job, maximumQueued: 4)
        guard case .failed(let error) = outcomes.wait(for: 1)[1] else { Issue.record("not refused"); return }
        #expect(error.code == .cancelled)
        #expect(runtime.counts.cancelled == 1 && runtime.counts.failed == 0)
    }

    @Test func aFullQueueAnswersBusyAndADrainingRuntimeShuttingDown() throws {
        let runtime = try Self.runtime(streams: 1)
        let outcomes = Outcomes()
        try runtime.submit(try Self.job(1, delivery: outcomes), maximumQueued: 1)
        var refusals: [ProtocolError.Code] = []
        for id in 2...4 {
            do { try runtime.submit(try Self.job(UInt32(id), delivery: outcomes), maximumQueued: 1) } catch let error as ProtocolError {
                refusals.append(error.code)
            }
        }
        #expect(refusals.contains(.busy), "\(refusals)")
        #expect(runtime.drain(timeout: 60))
        #expect(throws: ProtocolError(.shuttingDown, "the daemon is shutting down")) {
            try runtime.submit(try Self.job(9, delivery: outcomes), maximumQueued: 8)
        }
        #expect(runtime.counts.leaked == 0)
    }

    /// One connection's five queued jobs once ran before another's one; owners now take turns.
    @Test func ownersTakeTurnsSoOneQueueCannotHoldBackAnother() throws {
        let runtime = try Self.runtime(streams: 1)
        let outcomes = Outcomes()
        for id in 1...5 { try runtime.submit(try Self.job(UInt32(id), owner: 1, delivery: outcomes), maximumQueued: 16) }
        try runtime.submit(try Self.job(99, owner: 2, delivery: outcomes), maximumQueued: 16)
        _ = outcomes.wait(for: 6)
        let order = outcomes.order.withLock { $0 }
        #expect(order.firstIndex(of: 99)! <= 2, "the second owner's job came \(order)")
    }
}
