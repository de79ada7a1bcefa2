import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
import Foundation
import Synchronization

/// What every session shares: the configuration, the runtime, the journal
/// and the daemon's counters.
final class DaemonContext: Sendable {
    static let version = "0.1.0"

    /// The file's values as read at start-up or at the last reload, before
    /// command-line overrides.
    private let fileConfiguration: Locked<DaemonConfiguration>
    private let liveConfiguration: Locked<DaemonConfiguration>
    let journal: Journal
    let runtime: Runtime
    let statistics = StageStatistics()
    let sessions = OpenSessions()
    let rawAudio = RawAudioBudget()
    /// Dictations open on every connection.
    let dictations = Atomic(0)
    let modelName: String
    let started = ContinuousClock.now
    private let connections = Locked<[UInt32: Int]>([:])
    /// Requests a session has read but not yet handed to the runtime or
    /// refused (their audio is being decoded).
    private let admissions = Atomic(0)
    private let connectionsOpened = Atomic<UInt64>(0)
    private let lastActivity = Locked(ContinuousClock.now)

    init(configuration: DaemonConfiguration, fromFile: DaemonConfiguration, journal: Journal, runtime: Runtime) {
        liveConfiguration = Locked(configuration)
        fileConfiguration = Locked(fromFile)
        self.journal = journal
        self.runtime = runtime
        modelName = URL(fileURLWithPath: configuration.model).lastPathComponent
        runtime.parallelDecoding.store(configuration.parallelDecoding, ordering: .relaxed)
    }

    /// The configuration in force now; SIGHUP may change its live keys.
    var configuration: DaemonConfiguration { liveConfiguration.withLock { $0 } }

    /// Applies a re-read file: keys that changed in the file take effect now
    /// unless they need a restart; keys it did not change keep their running
    /// (possibly command-line) values. Returns the changed keys of each kind.
    func reload(file fresh: DaemonConfiguration) -> (applied: [String], restart: [String]) {
        let changed = fileConfiguration.withLock { old in
            defer { old = fresh }
            return DaemonConfiguration.keys.filter { $0.differs(fresh, old) }
        }
        let applied = changed.filter { !$0.restartOnly }
        liveConfiguration.withLock { live in
            for key in applied { key.copy(&live, fresh) }
        }
        runtime.parallelDecoding.store(configuration.parallelDecoding, ordering: .relaxed)
        return (applied.map(\.name), changed.filter(\.restartOnly).map(\.name))
    }

    var audioLimits: AudioLimits { AudioLimits(maximumDuration: configuration.maximumAudioSeconds) }

    /// What a request that names no option decodes with now.
    var decodingOptions: DecodingOptions { configuration.decodingOptions }

    /// A number for a new connection, never reused: the runtime's owner of its jobs.
    func connectionID() -> UInt64 { connectionsOpened.add(1, ordering: .relaxed).newValue }

    /// Runs `admit`, counted among the requests a stopping daemon answers before it exits.
    func admitting(_ admit: () -> Void) {
        admissions.add(1, ordering: .relaxed)
        defer { admissions.subtract(1, ordering: .releasing) }
        admit()
    }

    /// Refuses new requests (`shutting-down`), then waits up to `timeout`
    /// until the admitted ones are answered and every request a client sent
    /// is answered or refused: no session is decoding a request's audio and
    /// no socket holds unread bytes, twice in a row 20 ms apart (a session
    /// may be between reading a frame and counting it). Returns whether all were.
    func drain(timeout: Double) -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        guard runtime.drain(timeout: timeout) else { return false }
        var quietChecks = 0
        while quietChecks < 2 {
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
            let quiet = admissions.load(ordering: .acquiring) == 0 && !sessions.haveUnreadInput && runtime.isIdle
            quietChecks = quiet ? quietChecks + 1 : 0
        }
        return true
    }

    /// Counts a new connection of `uid`; refuses it over the limits.
    func openConnection(uid: UInt32) throws {
        try connections.withLock { counts in
            let total = counts.values.reduce(0, +)
            guard total < configuration.maximumConnections else {
                throw ProtocolError(.tooManyConnections, "the daemon serves at most \(Journal.counted(configuration.maximumConnections, "connection"))")
            }
            guard counts[uid, default: 0] < configuration.maximumConnectionsPerUser else {
                throw ProtocolError(.tooManyConnections, "at most \(Journal.counted(configuration.maximumConnectionsPerUser, "connection")) per user")
            }
            counts[uid, default: 0] += 1
        }
        touch()
    }

    func closeConnection(uid: UInt32) {
        connections.withLock { counts in
            counts[uid, default: 1] -= 1
            if counts[uid] == 0 { counts[uid] = nil }
        }
        touch()
    }

    var connectionCount: Int { connections.withLock { $0.values.reduce(0, +) } }

    func touch() { lastActivity.withLock { $0 = ContinuousClock.now } }

    /// Seconds since the last connection or job ended, or 0 while busy.
    var idleSeconds: Double {
        guard connectionCount == 0, runtime.isIdle else { return 0 }
        return (ContinuousClock.now - lastActivity.withLock { $0 }).seconds
    }

    var statusLine: String {
        let counts = runtime.counts
        return "model \(modelName), \(runtime.backend.kind.rawValue) \(runtime.model.computeType), \(counts.active) active, \(counts.queued) queued"
    }

    func status() -> [KeyValue] {
        let counts = runtime.counts
        let compute = runtime.computeStatistics
        return [
            KeyValue("version", Self.version),
            KeyValue("model", configuration.model),
            KeyValue("model_name", runtime.model.name),
            KeyValue("english_only", String(!runtime.model.languages.isMultilingual)),
            KeyValue("languages", runtime.model.languages.codes.joined(separator: " ")),
            KeyValue("language", configuration.language),
            KeyValue("task", configuration.task.rawValue),
            KeyValue("backend", runtime.backend.status),
            KeyValue("compute_type", runtime.model.computeType.rawValue),
            KeyValue("parallel_decoding", String(configuration.parallelDecoding)),
            KeyValue("streams", String(counts.streams)),
            KeyValue("max_streams", String(runtime.maximumStreams)),
            KeyValue("active", String(counts.active)),
            KeyValue("queued", String(counts.queued)),
            KeyValue("connections", String(connectionCount)),
            KeyValue("dictations", String(dictations.load(ordering: .relaxed))),
            KeyValue("raw_audio_held_seconds", String(format: "%.1f", Double(rawAudio.totalSamples) / Double(AudioConstants.sampleRate))),
            KeyValue("completed", String(counts.completed)),
            KeyValue("failed", String(counts.failed)),
            KeyValue("cancelled", String(counts.cancelled)),
            KeyValue("busy", String(counts.busy)),
            KeyValue("streams_free", String(counts.streams - counts.active)),
            KeyValue("streams_high_water", String(counts.highWater)),
            KeyValue("stream_growths", String(counts.growths)),
            KeyValue("streams_leaked", String(counts.leaked)),
            KeyValue("stream_bytes", String(runtime.streamBytes)),
            KeyValue("stream_budget_bytes", String(runtime.budgetBytes)),
            KeyValue("encoders", String(runtime.encoders)),
            KeyValue("encoders_in_use", String(compute.encodersInUse)),
            KeyValue("encoders_high_water", String(compute.encoderHighWater)),
            KeyValue("encoder_waits", String(compute.encoderWaits)),
            KeyValue("decoder_passes", String(compute.decoderPasses)),
            KeyValue("decoder_steps", String(compute.decoderSteps)),
            KeyValue("decoder_largest_pass", String(compute.largestPass)),
            KeyValue("queue_wait_p50_ms", String(format: "%.1f", counts.waitPercentiles.0)),
            KeyValue("queue_wait_p95_ms", String(format: "%.1f", counts.waitPercentiles.1)),
            KeyValue("queue_wait_p99_ms", String(format: "%.1f", counts.waitPercentiles.2)),
            KeyValue("uptime_seconds", String(format: "%.0f", (ContinuousClock.now - started).seconds)),
            KeyValue("model_bytes", String(runtime.model.weightBytes)),
            KeyValue("workspace_bytes", String(runtime.workspaceBytes)),
            KeyValue("rss_bytes", String(Self.residentBytes())),
        ]
    }


    /// Resident set size from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * MemoryPages.size
    }
}
