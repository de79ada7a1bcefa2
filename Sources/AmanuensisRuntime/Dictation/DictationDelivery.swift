import AmanuensisCore
import AmanuensisProtocol

/// Where a dictation's events go: the client's connection in the daemon.
/// Called in order, one at a time, for each dictation.
public protocol DictationDelivery: Sendable {
    /// False once the client is gone: the dictation then stops.
    var isOpen: Bool { get }
    /// In `voice` mode: voice started or stopped, seconds from the start.
    func voice(_ dictation: Dictation, started: Bool, at seconds: Double)
    /// Text committed, appended to what came before, never revised.
    func commit(_ dictation: Dictation, _ text: TimedText)
    /// The volatile tail, replacing the last one; nil when nothing is uncommitted.
    func tail(_ dictation: Dictation, _ text: TimedText?)
    /// The outcome, exactly once.
    func finish(_ dictation: Dictation, _ outcome: DictationOutcome)
}

/// How a dictation ended.
public enum DictationOutcome: Sendable {
    case dictated(DictationResult)
    case failed(ProtocolError)
}

/// What a dictation said in all: the commits joined, its segments, and its timing.
public struct DictationResult: Sendable {
    public let text: String
    public let segments: [TimedText]
    /// Seconds of audio received.
    public let duration: Double
    /// The language asked for, or detected by the first pass that heard
    /// speech; nil when none did.
    public let language: DetectedLanguage?
    /// Passes run, the final one included.
    public let passes: Int
    /// `total` (begin to final), `total.passes` (every pass, wall time from
    /// queueing to outcome), `total.finalize` (end to final) and, when a
    /// pass ran after the end, its stages under it.
    public let report: TimingReport
}
