/// Where a stream's windows are encoded: an encoder of its own, or one lent
/// per window from the encoders the runtime shares among streams.
public protocol EncoderProvider: AnyObject {
    /// Runs `body` with an encoder whose products use `threads` threads.
    func withEncoder<T>(threads: Int, _ body: (AudioEncoder) throws -> T) rethrows -> T
}

/// One encoder, for one stream alone.
public final class OwnEncoder: EncoderProvider {
    private let encoder: AudioEncoder

    public init(model: WhisperModel) { encoder = AudioEncoder(model: model) }

    public var bytes: Int { encoder.bytes }

    public func withEncoder<T>(threads: Int, _ body: (AudioEncoder) throws -> T) rethrows -> T {
        try ComputeThreads.with(threads: threads) { try body(encoder) }
    }
}
