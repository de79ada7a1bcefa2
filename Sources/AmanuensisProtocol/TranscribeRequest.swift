/// Asks for one transcription. The audio comes either as a descriptor passed
/// with this very frame (SCM_RIGHTS) or as `audio` frames in `format`,
/// closed by `audioEnd`.
public struct TranscribeRequest: Hashable, Sendable {
    public enum Source: Hashable, Sendable {
        /// A file the client opened; the descriptor rides on the frame.
        case descriptor
        case raw(RawAudioFormat)
    }

    /// Which queue the request waits in: dictation goes ahead of long files.
    public enum Priority: UInt8, Sendable, CaseIterable {
        /// Interactive when the audio is 30 s or shorter, batch otherwise.
        case automatic = 0
        case interactive = 1
        case batch = 2
    }

    public var requestID: UInt32
    public var source: Source
    /// Reply with the request's timing tree.
    public var timing: Bool
    /// Decode without timestamp tokens (one segment per 30 s window).
    public var withoutTimestamps: Bool
    public var priority: Priority
    /// 1 = greedy; 0 = the daemon's default.
    public var beamSize: UInt8
    /// Empty for none; at most `maximumPromptBytes` of UTF-8.
    public var initialPrompt: String

    /// The longest initial prompt a daemon accepts. Whisper reads only the
    /// last 223 tokens of a prompt; this is several times that.
    public static let maximumPromptBytes = 4096
    /// Requests one connection may have in flight (queued, running or
    /// uploading); past it the daemon answers `busy`. One client cannot fill
    /// the queue that all share, and a client may pipeline up to this many.
    public static let maximumInFlightPerConnection = 16

    public init(requestID: UInt32, source: Source, timing: Bool = false, withoutTimestamps: Bool = false,
                priority: Priority = .automatic, beamSize: UInt8 = 0, initialPrompt: String = "") {
        self.requestID = requestID
        self.source = source
        self.timing = timing
        self.withoutTimestamps = withoutTimestamps
        self.priority = priority
        self.beamSize = beamSize
        self.initialPrompt = initialPrompt
    }
}
