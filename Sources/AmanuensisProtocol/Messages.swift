/// The protocol version this build speaks; a hello with another is refused.
public let protocolVersion: UInt16 = 2

/// What a client sends.
public enum ClientMessage: Hashable, Sendable {
    case hello(version: UInt16, client: String)
    case transcribe(TranscribeRequest)
    case dictate(DictateRequest)
    case audio(requestID: UInt32, bytes: [UInt8])
    case audioEnd(requestID: UInt32)
    case cancel(requestID: UInt32)
    case status
    case stats(reset: Bool)
    case ping(nonce: UInt64)
}

/// What the daemon sends.
public enum DaemonMessage: Hashable, Sendable {
    case welcome(version: UInt16, daemon: String, model: String)
    /// The request passed validation and waits for, or has, a compute slot.
    case accepted(requestID: UInt32)
    /// Seconds of audio done out of the total, for long files.
    case progress(requestID: UInt32, done: Double, total: Double)
    /// Segments that are final, for long files: sent as each window is
    /// decoded, so a client can show the text before the result. The
    /// result still carries every segment.
    case segments(requestID: UInt32, [TranscriptionResult.Segment])
    /// Dictation: text committed, never revised; the next commit follows it.
    case commit(requestID: UInt32, TranscriptionResult.Segment)
    /// Dictation: the volatile tail after the commits, replacing the last
    /// one (empty text: none).
    case partial(requestID: UInt32, TranscriptionResult.Segment)
    /// Dictation in `voice` mode: voice started or stopped, seconds from the start.
    case voice(requestID: UInt32, started: Bool, at: Double)
    case result(TranscriptionResult)
    /// `requestID` 0 is about the connection, not one request.
    case error(requestID: UInt32, ProtocolError)
    /// Ordered key/value lines, for `amctl status`.
    case status([KeyValue])
    case stats([StatisticsRow])
    case pong(nonce: UInt64)
}

public struct KeyValue: Hashable, Sendable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

