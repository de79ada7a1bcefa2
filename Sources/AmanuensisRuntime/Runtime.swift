import AmanuensisCore
import AmanuensisProtocol
import Dispatch
import Foundation
import Histogram
import Synchronization

/// The one owner of threads, streams and compute: admitted jobs run on
/// worker threads, one stream (a `Transcriber`: its mel window and decoder
/// state, allocated once) each. The streams share the encoders, lent per
/// window, and the decoder's batched passes (`SharedCompute`). Jobs wait in
/// a queue per `Job.Urgency`, the most urgent served first: a dictation's
/// final pass goes ahead of everything, interactive requests (dictation
/// passes, raw PCM, 30 s or less) ahead of long files, so a short request
/// never waits behind a long file.
///
/// The streams are a pool: `streams` made at start-up; when requests wait
/// and fewer than `maximumStreams` exist, `growth` more are made (and kept).
/// A stream is taken with its job and given back when the job ends, whatever
/// the outcome, so at idle none is in use.
public final class Runtime: Sendable {
    public struct Configuration: Sendable {
        public var streams: Int
        public var maximumStreams: Int
        public var growth: Int
        public var encoders: Int
        /// The options a request that names none decodes with.
        public var defaults: DecodingOptions

        public init(streams: Int = 8, maximumStreams: Int = 32, growth: Int = 4, encoders: Int = ComputeThreads.available,
                    defaults: DecodingOptions = DecodingOptions()) {
            self.streams = streams
            self.maximumStreams = maximumStreams
            self.growth = growth
            self.encoders = encoders
            self.defaults = defaults
        }
    }

    fileprivate struct JobQueues {
        /// Indexed by urgency.
        var waiting = [[Job]](repeating: [], count: Job.Urgency.allCases.count)
        var active = 0
        var draining = false
        var completed = 0
        var failed = 0
        var cancelled = 0
        /// Requests answered `busy`: refused at a full queue or expired in it.
        var busy = 0
        var highWater = 0
        /// Queue waits in microseconds, up to an hour.
        var waits = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                                      numberOfSignificantValueDigits: .three)
        /// Streams made (or being made), and how many times the pool grew.
        var streams = 0
        var growths = 0
        /// Owners (client connections) take turns: the next job is the oldest
        /// of the owner served longest ago, so one connection's queue cannot
        /// hold back another's. An owner is forgotten once it has nothing
        /// queued or running.
        var lastTurn: [UInt64: UInt64] = [:]
        var turns: UInt64 = 0
        var running: [UInt64: Int] = [:]
        /// The idle workers' wake-up calls, the most recently idle last: a
        /// job goes to the stream whose buffers are warmest in memory (and,
        /// its pages being mapped as first touched, already resident).
        var idle: [DispatchSemaphore] = []
    }

    private let queues = Locked(JobQueues())
    /// Jobs queued or running; counted apart from the streams, so the two
    /// can be checked against each other.
    private let admitted = Atomic(0)
    /// Whether a job alone on the runtime spreads its vocabulary projection
    /// over every core (`parallel_decoding`, which SIGHUP may change).
    public let parallelDecoding = Atomic(true)
    private let log: @Sendable (String) -> Void
    public let model: WhisperModel
    public let configuration: Configuration
    /// The compute backend that runs every job, and why it was chosen.
    public let backend: SelectedBackend
    private let shared: SharedCompute
    /// Bytes of one stream's buffers.
    public let streamBytes: Int

    /// Makes `configuration.streams` streams and starts their workers.
    /// `log` hears what the runtime does on its own (the pool growing).
    public init(model: WhisperModel, configuration: Configuration, backend: SelectedBackend,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try configuration.defaults.validate(for: model)
        self.model = model
        self.configuration = configuration
        self.backend = backend
        self.log = log
        let shared = SharedCompute(model: model, encoders: configuration.encoders)
        self.shared = shared
        let streams = try (0..<configuration.streams).map { _ in try shared.stream(options: configuration.defaults) }
        streamBytes = streams.first?.workspaceBytes ?? 0
        queues.withLock { $0.streams = streams.count }
        for stream in streams { startWorker(stream) }
    }

    public var maximumStreams: Int { max(configuration.streams, configuration.maximumStreams) }
    /// Streams made so far.
    public var streams: Int { queues.withLock { $0.streams } }
    /// The shared buffers and every stream's.
    public var workspaceBytes: Int { shared.bytes + streams * streamBytes }
    /// What the buffers may grow to: the shared ones and `maximumStreams` streams.
    public var budgetBytes: Int { shared.bytes + maximumStreams * streamBytes }
    public var encoders: Int { shared.encoderCount }

    private func startWorker(_ stream: Transcriber) {
        let transfer = UnsafeTransfer(stream)
        NamedThread.start("amanuensis-stream", stackSize: 8 << 20) { [self] in work(transfer.value) }
    }

    /// Adds `growth` streams when requests wait for one and the cap allows.
    /// The count is reserved under the lock (so concurrent submits cannot
    /// overshoot the cap), the buffers made outside it.
    private func growIfWaiting() {
        let reserved: Int = queues.withLock { queues in
            let waiting = queues.queued
            let free = queues.streams - queues.active
            guard waiting > free, queues.streams < maximumStreams else { return 0 }
            let reserved = min(configuration.growth, maximumStreams - queues.streams)
            queues.streams += reserved
            return reserved
        }
        guard reserved > 0 else { return }
        var made = 0
        do {
            for _ in 0..<reserved {
                startWorker(try shared.stream(options: configuration.defaults))
                made += 1
            }
        } catch {
            log("could not add a stream: \(error)")
        }
        let streams = queues.withLock { queues in
            queues.streams -= reserved - made
            if made > 0 { queues.growths += 1 }
            return queues.streams
        }
        if made > 0 { log("stream pool grew by \(made) to \(streams)") }
    }

    public struct Counts: Sendable {
        public let active: Int
        public let queued: Int
        public let completed: Int
        public let failed: Int
        /// Jobs whose client cancelled them or went away.
        public let cancelled: Int
        public let busy: Int
        /// The most streams ever in use at once.
        public let highWater: Int
        /// Milliseconds requests waited for a stream: p50, p95, p99.
        public let waitPercentiles: (Double, Double, Double)
        public let streams: Int
        public let growths: Int
        /// Streams in use while no job is admitted: always 0, or a stream
        /// was not given back.
        public let leaked: Int
    }

    public var counts: Counts {
        queues.withLock {
            Counts(active: $0.active, queued: $0.queued, completed: $0.completed,
                   failed: $0.failed, cancelled: $0.cancelled, busy: $0.busy, highWater: $0.highWater,
                   waitPercentiles: (Double($0.waits.valueAtPercentile(50)) / 1000, Double($0.waits.valueAtPercentile(95)) / 1000,
                                     Double($0.waits.valueAtPercentile(99)) / 1000),
                   streams: $0.streams, growths: $0.growths,
                   leaked: $0.queued == 0 && admitted.load(ordering: .acquiring) == 0 ? $0.active : 0)
        }
    }

    public var computeStatistics: ComputeStatistics { shared.statistics }

    /// No job queued, running, or with its outcome still on the way to its client.
    public var isIdle: Bool { admitted.load(ordering: .acquiring) == 0 }

    /// Starts the counts from zero.
    public func resetCounts() {
        queues.withLock {
            $0.completed = 0
            $0.failed = 0
            $0.cancelled = 0
            $0.busy = 0
            $0.highWater = $0.active
            $0.waits.reset()
        }
    }

    /// Queues a job. A full queue answers `busy` at once, with a hint of
    /// when to retry; a runtime that is draining answers `shuttingDown`.
    /// Nothing is delivered for a job refused here: the caller answers.
    public func submit(_ job: Job, maximumQueued: Int) throws {
        try queues.withLock { queues -> DispatchSemaphore? in
            guard !queues.draining else { throw ProtocolError(.shuttingDown, "the daemon is shutting down") }
            guard queues.queued < maximumQueued else {
                queues.busy += 1
                throw ProtocolError(.busy, "\(maximumQueued) requests are already waiting; retry in a moment")
            }
            queues.waiting[job.urgency.rawValue].append(job)
            admitted.add(1, ordering: .releasing)
            return queues.idle.popLast()
        }?.signal()
        growIfWaiting()
    }

    /// Answers `busy` to every job that waited longer than `timeout` for a
    /// stream, so a client learns it at the deadline, not when a stream frees.
    public func expireWaiting(olderThan timeout: Double) {
        let now = ContinuousClock.now
        let expired: [Job] = queues.withLock { queues in
            let old = { (job: Job) in (now - job.received).seconds > timeout }
            let gone = queues.waiting.flatMap { $0.filter(old) }
            for urgency in queues.waiting.indices { queues.waiting[urgency].removeAll(where: old) }
            queues.busy += gone.count
            for owner in Set(gone.map(\.owner)) { queues.forgetIfIdle(owner) }
            return gone
        }
        for job in expired {
            job.finish(.failed(ProtocolError(.busy, "no compute stream was free within \(Int(timeout)) s; retry later")))
            admitted.subtract(1, ordering: .releasing)
        }
    }

    /// Refuses new jobs, then waits up to `timeout` for the admitted ones.
    /// Returns whether everything finished.
    public func drain(timeout: Double) -> Bool {
        queues.withLock { $0.draining = true }
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while !isIdle {
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    private func work(_ stream: Transcriber) {
        let wakeUp = DispatchSemaphore(value: 0)
        while true {
            let (job, alone): (Job?, Bool) = queues.withLock { queues in
                guard let next = queues.takeNext() else {
                    queues.idle.append(wakeUp)
                    return (nil, false)
                }
                queues.active += 1
                queues.highWater = max(queues.highWater, queues.active)
                _ = queues.waits.record(UInt64(max(1, (ContinuousClock.now - next.received).seconds * 1_000_000)))
                return (next, queues.active == 1 && queues.queued == 0)
            }
            guard let job else {
                wakeUp.wait()
                continue
            }
            // Decided as the job starts: one that arrives later shares the
            // cores with this one's team until it ends.
            stream.sharesCores = !alone
            stream.decodesInParallel = alone && parallelDecoding.load(ordering: .relaxed)
            let started = ContinuousClock.now
            let outcome = Result { try transcribe(job, on: stream) }
            // The stream is free before the answer goes out, so the client's
            // next request finds it idle, warm and counted out.
            queues.withLock {
                $0.active -= 1
                $0.finished(job.owner)
                switch outcome {
                case .success: $0.completed += 1
                case .failure(let error) where error is TranscriptionCancelled: $0.cancelled += 1
                case .failure: $0.failed += 1
                }
            }
            switch outcome {
            case .success(let transcript):
                let report = TimingReport(total: ContinuousClock.now - job.received, queue: started - job.received,
                                          audio: job.audioDecoding, stages: transcript.statistics.timer)
                job.finish(.transcribed(transcript, report))
            case .failure(let error):
                job.finish(.failed(ProtocolError(describing: error)))
            }
            admitted.subtract(1, ordering: .releasing)
        }
    }

    private func transcribe(_ job: Job, on stream: Transcriber) throws -> Transcript {
        guard !job.isCancelled else { throw TranscriptionCancelled() }
        // One window's result is all there is to show: only longer jobs report.
        let reportsProgress = job.audio.duration > Double(AudioConstants.windowSeconds)
        var delivered = 0
        return try stream.transcribe(job.audio, options: job.options, continuation: job.continuation,
                                     isCancelled: { job.isCancelled }) { done, total, segments in
            if reportsProgress {
                job.delivery.progress(job, done: done, total: total, final: segments[delivered...])
                delivered = segments.count
            }
            return !job.isCancelled
        }
    }
}

extension Runtime.JobQueues {
    var queued: Int { waiting.reduce(0) { $0 + $1.count } }

    /// The most urgent queue first; within a queue, the oldest job of the
    /// owner whose turn came longest ago (never, for a new one).
    mutating func takeNext() -> Job? {
        func fairest(_ queue: [Job]) -> Int? {
            queue.indices.min { lastTurn[queue[$0].owner, default: 0] < lastTurn[queue[$1].owner, default: 0] }
        }
        guard let urgency = waiting.indices.reversed().first(where: { !waiting[$0].isEmpty }),
              let index = fairest(waiting[urgency]) else { return nil }
        let job = waiting[urgency].remove(at: index)
        turns += 1
        lastTurn[job.owner] = turns
        running[job.owner, default: 0] += 1
        return job
    }

    /// One of `owner`'s jobs ended.
    mutating func finished(_ owner: UInt64) {
        running[owner, default: 1] -= 1
        guard running[owner] == 0 else { return }
        running[owner] = nil
        forgetIfIdle(owner)
    }

    /// Drops `owner`'s turn once it has nothing running or queued, whichever
    /// way its last job left (finished, or expired in the queue), so the
    /// turns kept stay as many as the owners with work.
    mutating func forgetIfIdle(_ owner: UInt64) {
        guard running[owner] == nil, !waiting.contains(where: { $0.contains { $0.owner == owner } }) else { return }
        lastTurn[owner] = nil
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
