import AmanuensisCore

/// What the concurrent streams of one model share: a pool of encoders, lent
/// per window, and the batcher that runs their decoder steps together. Each
/// stream (`stream(options:)`) keeps only its own mel window and decoder state.
final class SharedCompute: Sendable {
    let model: WhisperModel
    private let encoders: EncoderPool
    private let batcher: StepBatcher

    /// - Parameter encoders: windows encoded at once; the cores are the
    ///   useful most.
    init(model: WhisperModel, encoders: Int) {
        self.model = model
        self.encoders = EncoderPool(model: model, count: encoders)
        batcher = StepBatcher(model: model)
    }

    deinit { batcher.stop() }

    /// A new stream that encodes on the shared encoders and steps in the shared passes.
    func stream(options: DecodingOptions) throws -> Transcriber {
        try Transcriber(model: model, options: options, encoders: encoders, steps: batcher.lane())
    }

    var encoderCount: Int { encoders.count }
    /// Bytes of the shared buffers: the encoders' and the batched pass's.
    var bytes: Int { encoders.bytes + batcher.bytes }

    var statistics: ComputeStatistics {
        let encoders = encoders.statistics, batcher = batcher.statistics
        return ComputeStatistics(encodersInUse: encoders.inUse, encoderHighWater: encoders.highWater, encoderWaits: encoders.waits,
                          decoderPasses: batcher.passes, decoderSteps: batcher.steps, largestPass: batcher.largest)
    }
}

/// How the shared encoders and the decoder's passes are used, for `amctl status`.
public struct ComputeStatistics: Sendable {
    public let encodersInUse: Int
    public let encoderHighWater: Int
    /// Windows that waited for an encoder.
    public let encoderWaits: Int
    /// Batched decoder passes, and the streams' steps they carried.
    public let decoderPasses: Int
    public let decoderSteps: Int
    /// The most streams' steps in one pass.
    public let largestPass: Int
}
