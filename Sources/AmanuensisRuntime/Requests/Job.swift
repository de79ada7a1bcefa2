import AmanuensisCore
import AmanuensisProtocol
import Synchronization

/// One admitted transcription: its audio, options, where its outcome goes,
/// and a cancellation flag that the client's side (cancel, disconnect) sets
/// and the stream reads between windows.
public final class Job: Sendable {
    public let requestID: UInt32
    public let audio: AudioSamples
    public let options: DecodingOptions
    /// Text known to come before and at the start of the audio.
    public let continuation: Continuation
    /// Which queue the job waits in.
    public let urgency: Urgency
    public let delivery: any JobDelivery
    /// Who asked (a connection): jobs of owners with fewer running go first.
    public let owner: UInt64
    /// When the request arrived and how long its audio took to decode.
    public let received: ContinuousClock.Instant
    public let audioDecoding: Duration
    private let cancelled = Atomic(false)
    private let finished = Atomic(false)

    /// The queues, served most urgent first.
    public enum Urgency: Int, CaseIterable, Sendable, Comparable {
        /// Long files.
        case batch
        /// Short files, raw PCM, and a dictation's passes while the user speaks.
        case interactive
        /// The last pass of a dictation, which the user waits for.
        case final

        public static func < (a: Urgency, b: Urgency) -> Bool { a.rawValue < b.rawValue }
    }

    public init(requestID: UInt32, audio: AudioSamples, options: DecodingOptions, continuation: Continuation = Continuation(),
                urgency: Urgency, delivery: any JobDelivery, owner: UInt64 = 0, received: ContinuousClock.Instant,
                audioDecoding: Duration) {
        self.requestID = requestID
        self.audio = audio
        self.options = options
        self.continuation = continuation
        self.urgency = urgency
        self.delivery = delivery
        self.owner = owner
        self.received = received
        self.audioDecoding = audioDecoding
    }

    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) || !delivery.isOpen }

    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Whether the outcome was delivered.
    public var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Delivers the outcome, once.
    func finish(_ outcome: JobOutcome) {
        delivery.finish(self, outcome)
        finished.store(true, ordering: .releasing)
    }
}

/// Where a job's progress and outcome go: the client's connection in the
/// daemon, a waiting caller in process.
public protocol JobDelivery: Sendable {
    /// False once the client is gone: the job is then cancelled.
    var isOpen: Bool { get }
    /// Seconds of audio done of the total, and the segments that became
    /// final since the last call, before every window of a long job and at its end.
    func progress(_ job: Job, done: Double, total: Double, final: ArraySlice<Segment>)
    /// The outcome, exactly once per job.
    func finish(_ job: Job, _ outcome: JobOutcome)
}

/// How a job ended: its transcript with the request's timing, or the error
/// the client is told (cancelled, busy, shutting down, failed).
public enum JobOutcome: Sendable {
    case transcribed(Transcript, TimingReport)
    case failed(ProtocolError)
}
