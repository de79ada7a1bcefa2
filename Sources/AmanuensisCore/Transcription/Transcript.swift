/// A stretch of speech with its place in the audio.
public struct Segment: Hashable, Sendable, Codable {
    /// Seconds from the start of the audio.
    public let start: Double
    public let end: Double
    /// As Whisper writes it, with its leading space.
    public let text: String
    public let tokens: [Int]
    /// The temperature of the decode that produced it (0 unless it fell back).
    public let temperature: Double
    public let averageLogProbability: Double
    public let noSpeechProbability: Double
    /// Its words with their times, when word timestamps were asked for.
    public let words: [Word]
}

/// The result of transcribing one input.
public struct Transcript: Sendable {
    public let segments: [Segment]
    /// Seconds of audio transcribed.
    public let duration: Double
    /// The language the audio was decoded as: the one asked for, or the one
    /// detected (nil when no window was heard, as in empty audio).
    public let language: String?
    /// The detected language's probability; 1 when it was given, or the
    /// model knows only English (as faster-whisper reports them).
    public let languageProbability: Double
    public let statistics: TranscriptionStatistics

    /// The segments' text joined, as faster-whisper's callers join it.
    public var text: String { segments.map(\.text).joined() }
}

/// What happened during one transcription: windows, decodes, silence
/// verdicts, and where the time went.
public struct TranscriptionStatistics: Sendable {
    /// Windows started, and of those, the ones judged silent, by rule.
    public var windows = 0
    public var silentWindows: [SilenceVerdict: Int] = [:]
    /// Decodes run, fallbacks included.
    public var decodes = 0
    public var timer: StageTimer

    public init(timer: StageTimer) { self.timer = timer }
}
