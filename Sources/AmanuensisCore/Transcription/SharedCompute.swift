/// What the concurrent streams of one model share: a pool of encoders, lent
/// per window, and the batcher that runs their decoder steps together. Each
/// stream (`Transcriber(model:options:sharing:)`) keeps only its own caches.
public final class SharedCompute: Sendable {
    public let model: WhisperModel
    let encoders: EncoderPool
    let batcher: StepBatcher

    /// - Parameter encoders: windows encoded at once; the cores are the
    ///   useful most.
    public init(model: WhisperModel, encoders: Int) {
        self.model = model
        self.encoders = EncoderPool(model: model, count: encoders)
        batcher = StepBatcher(model: model)
    }

    deinit { batcher.stop() }

    public var encoderCount: Int { encoders.count }
    /// Bytes of the shared buffers: the encoders' and the batched pass's.
    public var bytes: Int { encoders.bytes + batcher.bytes }

    public struct Statistics: Sendable {
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

    public var statistics: Statistics {
        let encoders = encoders.statistics, batcher = batcher.statistics
        return Statistics(encodersInUse: encoders.inUse, encoderHighWater: encoders.highWater, encoderWaits: encoders.waits,
                          decoderPasses: batcher.passes, decoderSteps: batcher.steps, largestPass: batcher.largest)
    }
}
