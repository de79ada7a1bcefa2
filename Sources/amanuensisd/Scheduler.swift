import AmanuensisCore
import AmanuensisProtocol
import Dispatch
import Foundation
import Synchronization

/// Runs admitted jobs on worker threads, one transcriber (one stream: its mel
/// window and decoder caches, allocated once) each. The streams share the
/// encoders, lent per window, and the decoder's batched passes
/// (`SharedCompute`). Interactive requests
/// (dictation, raw PCM, 30 s or less) wait in their own queue and are always
/// taken first, so a short request never waits behind a long file.
///
/// The streams are a pool: `streams` made at start-up; when requests wait
/// and fewer than `maximumStreams` exist, `growth` more are made (and kept).
/// A stream is taken with its job and given back when the job ends, whatever
/// the outcome, so at idle none is in use.
final class Scheduler: Sendable {
    private struct Queues {
        var interactive: [Job] = []
        var batch: [Job] = []
        var active = 0
        var draining = false
        var completed = 0
        var failed = 0
        /// Requests answered `busy`: refused at a full queue or expired in it.
        var busy = 0
        var highWater = 0
        var waits = StageStatistics.waitHistogram()
        /// Streams made (or being made), and how many times the pool grew.
        var streams = 0
        var growths = 0
        /// The idle workers' wake-up calls, the most recently idle last: a
        /// job goes to the stream whose buffers are warmest in memory (and,
        /// its pages being mapped as first touched, already resident).
        var idle: [DispatchSemaphore] = []
    }

    private let queues = Mutex(Queues())
    /// Jobs queued or running; counted apart from the streams, so the two
    /// can be checked against each other.
    private let admitted = Atomic(0)
    /// `parallel_decoding`, which SIGHUP may change.
    let parallelDecoding = Atomic(true)
    private let journal: Journal
    private let options: DecodingOptions
    let model: WhisperModel
    let shared: SharedCompute
    let maximumStreams: Int
    let growth: Int
    /// Bytes of one stream's buffers.
    let streamBytes: Int

    let statistics = StageStatistics()

    init(model: WhisperModel, streams: Int, maximumStreams: Int, growth: Int, encoders: Int, options: DecodingOptions,
         journal: Journal) throws {
        self.model = model
        let shared = SharedCompute(model: model, encoders: encoders)
        self.shared = shared
        self.maximumStreams = max(streams, maximumStreams)
        self.growth = growth
        self.options = options
        self.journal = journal
        let transcribers = try (0..<streams).map { _ in try Transcriber(model: model, options: options, sharing: shared) }
        streamBytes = transcribers.first?.workspaceBytes ?? 0
        queues.withLock { $0.streams = streams }
        for transcriber in transcribers { startWorker(transcriber) }
    }

    /// Streams made so far.
    var streams: Int { queues.withLock { $0.streams } }
    /// The shared buffers and every stream's.
    var workspaceBytes: Int { shared.bytes + streams * streamBytes }
    /// What the buffers may grow to: the shared ones and `maximumStreams` streams.
    var budgetBytes: Int { shared.bytes + maximumStreams * streamBytes }

    private func startWorker(_ transcriber: Transcriber) {
        let handoff = Handoff(transcriber)
        let thread = Thread { [self] in work(handoff.value) }
        thread.name = "amanuensisd-worker"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Adds `growth` streams when requests wait for one and the cap allows.
    /// The count is reserved under the lock (so concurrent submits cannot
    /// overshoot the cap), the buffers made outside it.
    private func growIfWaiting() {
        let reserved: Int = queues.withLock { queues in
            let waiting = queues.interactive.count + queues.batch.count
            let free = queues.streams - queues.active
            guard waiting > free, queues.streams < maximumStreams else { return 0 }
            let reserved = min(growth, maximumStreams - queues.streams)
            queues.streams += reserved
            return reserved
        }
        guard reserved > 0 else { return }
        var made = 0
        do {
            for _ in 0..<reserved {
                startWorker(try Transcriber(model: model, options: options, sharing: shared))
                made += 1
            }
        } catch {
            journal.log(.error, "could not add a stream: \(error)")
        }
        let streams = queues.withLock { queues in
            queues.streams -= reserved - made
            if made > 0 { queues.growths += 1 }
            return queues.streams
        }
        if made > 0 { journal.log(.notice, "stream pool grew by \(made) to \(streams)", ["STREAMS": String(streams)]) }
    }

    struct Counts {
        let active: Int
        let queued: Int
        let completed: Int
        let failed: Int
        let busy: Int
        /// The most streams ever in use at once.
        let highWater: Int
        /// Milliseconds requests waited for a stream: p50, p95, p99.
        let waitPercentiles: (Double, Double, Double)
        let streams: Int
        let growths: Int
        /// Streams in use while no job is admitted: always 0, or a stream
        /// was not given back.
        let leaked: Int
    }

    var counts: Counts {
        queues.withLock {
            Counts(active: $0.active, queued: $0.interactive.count + $0.batch.count, completed: $0.completed,
                   failed: $0.failed, busy: $0.busy, highWater: $0.highWater,
                   waitPercentiles: (Double($0.waits.valueAtPercentile(50)) / 1000, Double($0.waits.valueAtPercentile(95)) / 1000,
                                     Double($0.waits.valueAtPercentile(99)) / 1000),
                   streams: $0.streams, growths: $0.growths,
                   leaked: $0.interactive.isEmpty && $0.batch.isEmpty && admitted.load(ordering: .acquiring) == 0 ? $0.active : 0)
        }
    }

    var isIdle: Bool { queues.withLock { $0.active == 0 && $0.interactive.isEmpty && $0.batch.isEmpty } }

    /// Starts the counts from zero (`amctl stats --reset`).
    func resetCounts() {
        queues.withLock {
            $0.completed = 0
            $0.failed = 0
            $0.busy = 0
            $0.highWater = $0.active
            $0.waits.reset()
        }
    }

    /// Queues a job. A full queue answers `busy` at once, with a hint of
    /// when to retry; so does a daemon that is shutting down, with its own code.
    func submit(_ job: Job, maximumQueued: Int) throws {
        try queues.withLock { queues -> DispatchSemaphore? in
            guard !queues.draining else { throw ProtocolError(.shuttingDown, "the daemon is shutting down") }
            guard queues.interactive.count + queues.batch.count < maximumQueued else {
                queues.busy += 1
                throw ProtocolError(.busy, "\(maximumQueued) requests are already waiting; retry in a moment")
            }
            if job.interactive { queues.interactive.append(job) } else { queues.batch.append(job) }
            admitted.add(1, ordering: .releasing)
            return queues.idle.popLast()
        }?.signal()
        growIfWaiting()
    }

    /// Answers `busy` to every job that waited longer than `timeout` for a
    /// stream, so a client learns it at the deadline, not when a stream frees.
    func expireWaiting(olderThan timeout: Double) {
        let now = ContinuousClock.now
        let expired: [Job] = queues.withLock { queues in
            let old = { (job: Job) in (now - job.received).seconds > timeout }
            let gone = queues.interactive.filter(old) + queues.batch.filter(old)
            queues.interactive.removeAll(where: old)
            queues.batch.removeAll(where: old)
            queues.busy += gone.count
            admitted.subtract(gone.count, ordering: .releasing)
            return gone
        }
        for job in expired {
            job.responder.send(.error(requestID: job.requestID, ProtocolError(
                .busy, "no compute stream was free within \(Int(timeout)) s; retry later")))
            job.finish()
        }
    }

    /// Refuses new jobs, then waits up to `timeout` for the admitted ones.
    /// Returns whether everything finished.
    func drain(timeout: Double) -> Bool {
        queues.withLock { $0.draining = true }
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while !isIdle {
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    private func work(_ transcriber: Transcriber) {
        let wakeUp = DispatchSemaphore(value: 0)
        while true {
            let (job, alone): (Job?, Bool) = queues.withLock { queues in
                guard let next = queues.interactive.isEmpty ? queues.batch.popFirst() : queues.interactive.removeFirst() else {
                    queues.idle.append(wakeUp)
                    return (nil, false)
                }
                queues.active += 1
                queues.highWater = max(queues.highWater, queues.active)
                _ = queues.waits.record(UInt64(max(1, (ContinuousClock.now - next.received).seconds * 1_000_000)))
                return (next, queues.active == 1 && queues.interactive.isEmpty && queues.batch.isEmpty)
            }
            guard let job else {
                wakeUp.wait()
                continue
            }
            // Decided as the job starts: one that arrives later shares the
            // cores with this one's team until it ends.
            transcriber.sharesCores = !alone
            transcriber.decodesInParallel = alone && parallelDecoding.load(ordering: .relaxed)
            defer {
                job.finish()
                admitted.subtract(1, ordering: .releasing)
            }
            let started = ContinuousClock.now
            let outcome = Result { try transcribe(job, on: transcriber) }
            // The stream is free before the answer goes out, so the client's
            // next request finds it idle, warm and counted out.
            queues.withLock {
                $0.active -= 1
                if case .success = outcome { $0.completed += 1 } else { $0.failed += 1 }
            }
            answer(job, outcome, started: started)
        }
    }

    private func transcribe(_ job: Job, on transcriber: Transcriber) throws -> Transcript {
        guard !job.isCancelled else { throw TranscriptionCancelled() }
        let reportsProgress = job.audio.duration > Double(AudioConstants.windowSeconds)
        return try transcriber.transcribe(job.audio, options: job.options) { done, total in
            if reportsProgress { job.responder.send(.progress(requestID: job.requestID, done: done, total: total)) }
            return !job.isCancelled
        }
    }

    /// Sends the result or the error, and logs it.
    private func answer(_ job: Job, _ outcome: Result<Transcript, any Error>, started: ContinuousClock.Instant) {
        let queueTime = started - job.received
        do {
            let transcript = try outcome.get()
            let finished = ContinuousClock.now
            let report = TimingReport(total: finished - job.received, queue: queueTime, audio: job.audioDecoding,
                                      stages: transcript.statistics.timer)
            statistics.record(report)
            let timings = report.entries.map {
                TranscriptionResult.Timing(path: $0.path, milliseconds: $0.milliseconds, count: UInt32($0.count),
                                           extras: $0.extras.map { TranscriptionResult.Extra($0.0, $0.1) })
            }
            job.responder.send(.result(TranscriptionResult(
                requestID: job.requestID, duration: transcript.duration,
                segments: transcript.segments.map { .init(start: $0.start, end: $0.end, text: $0.text) },
                timings: job.wantsTiming ? timings : [])))
            let wall = (finished - job.received).seconds
            let stage = { (path: String) in
                String(format: "%.1f", report.entries.first { $0.path == path }?.milliseconds ?? 0)
            }
            journal.log(.info, "transcribed \(String(format: "%.1f", transcript.duration)) s for \(job.client) in \(Int(wall * 1000)) ms", [
                "REQUEST_ID": String(job.requestID), "CLIENT": job.client,
                "AUDIO_SECONDS": String(format: "%.3f", transcript.duration),
                "WALL_MS": String(format: "%.1f", wall * 1000),
                "REALTIME_FACTOR": String(format: "%.4f", wall / max(transcript.duration, 0.001)),
                "QUEUE_MS": stage("total.queue"), "AUDIO_MS": stage("total.audio"), "MEL_MS": stage("total.mel"),
                "ENCODER_MS": stage("total.encoder"), "DECODER_MS": stage("total.decoder"),
                "POSTPROCESS_MS": stage("total.postprocess"),
                "OUTCOME": "ok",
            ])
        } catch {
            let failure = error is TranscriptionCancelled
                ? ProtocolError(.cancelled, "the request was cancelled")
                : ProtocolError(.internalError, "transcription failed: \(error)")
            job.responder.send(.error(requestID: job.requestID, failure))
            journal.log(error is TranscriptionCancelled ? .info : .error, "request \(job.requestID) of \(job.client): \(failure.message)", [
                "REQUEST_ID": String(job.requestID), "CLIENT": job.client, "OUTCOME": failure.code.name,
            ])
        }
    }
}

extension Array {
    mutating func popFirst() -> Element? { isEmpty ? nil : removeFirst() }
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
