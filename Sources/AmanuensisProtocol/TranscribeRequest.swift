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
    public var decoding: DecodingChoices

    /// Requests one connection may have in flight (queued, running or
    /// uploading); past it the daemon answers `busy`. One client cannot fill
    /// the queue that all share, and a client may pipeline up to this many.
    public static let maximumInFlightPerConnection = 16

    public init(requestID: UInt32, source: Source, timing: Bool = false, withoutTimestamps: Bool = false,
                priority: Priority = .automatic, decoding: DecodingChoices = DecodingChoices()) {
        self.requestID = requestID
        self.source = source
        self.timing = timing
        self.withoutTimestamps = withoutTimestamps
        self.priority = priority
        self.decoding = decoding
    }
}
