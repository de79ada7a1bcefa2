import AmanuensisCore
import AmanuensisProtocol

extension ProtocolError {
    /// The one map from what went wrong to what a client is told: known
    /// failures keep their meaning, anything else becomes `internal` without
    /// internals leaking to the client.
    public init(describing error: any Error) {
        switch error {
        case let error as ProtocolError: self = error
        case let error as AudioError:
            self.init(error.code == .tooLong ? .audioTooLong : .badAudio, error.message)
        case let error as DecodingError: self.init(.badRequest, error.message)
        case is TranscriptionCancelled: self.init(.cancelled, "the request was cancelled")
        case let error as NonFiniteScores: self.init(.internalError, "transcription failed: \(error)")
        default: self.init(.internalError, "internal error")
        }
    }
}
