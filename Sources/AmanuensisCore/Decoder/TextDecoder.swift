import Dispatch

/// Whisper's text decoder as one stream sees it: token embeddings plus
/// learned positions, pre-norm blocks of causal self-attention (with a
/// key/value cache), cross-attention over the encoded window, and a
/// feed-forward layer; logits through the tied embedding.
///
/// The decoder holds what is the stream's own (its caches and logits), sized
/// once for the most sequences a window can need. The pass that computes a
/// step is either its own or a `StepBatcher` shared with other streams, which
/// runs the steps of all of them together.
final class TextDecoder {
    let model: WhisperModel
    let maximumSequences: Int
    let cache: KeyValueCache
    /// Per layer, `[audioPositions, 2·width]`: keys then values of the
    /// cross-attention, computed once per window.
    let crossKeyValues: [FloatBuffer]
    /// `[rows, vocabulary]`: the logits of the rows asked for in `forward`.
    let logits: FloatBuffer
    /// Threads for the vocabulary projection, the largest read of a step:
    /// more than one only while this stream has the machine to itself (the
    /// rest of a step stays on one thread, its products being tiny).
    var projectionThreads = 1
    private let passes: Passes
    /// Signalled by the batcher when this decoder's step is done.
    let stepDone = DispatchSemaphore(value: 0)

    private enum Passes {
        case own(DecoderPass)
        case shared(StepBatcher)
    }

    private var dimensions: WhisperDimensions { model.dimensions }

    /// With a `batcher`, steps run batched with the other streams' on its
    /// thread; without, on the caller's, in a pass of this decoder's own.
    init(model: WhisperModel, maximumSequences: Int, batcher: StepBatcher? = nil) {
        self.model = model
        self.maximumSequences = maximumSequences
        let d = model.dimensions
        cache = KeyValueCache(layers: d.decoderLayers, sequences: maximumSequences, positions: d.textPositions, width: d.width)
        crossKeyValues = (0..<d.decoderLayers).map { _ in FloatBuffer(count: d.audioPositions * 2 * d.width) }
        logits = FloatBuffer(count: 2 * maximumSequences * d.vocabularySize)
        passes = batcher.map { .shared($0) } ?? .own(DecoderPass(model: model))
    }

    var scratchBytes: Int {
        let own = if case .own(let pass) = passes { pass.bytes } else { 0 }
        return (crossKeyValues + [logits]).reduce(cache.bytes + own) { $0 + $1.bytes }
    }

    /// Computes the cross-attention keys and values of an encoded window.
    func attend(to encoded: UnsafePointer<Float>) {
        for (layer, buffer) in zip(model.weights.decoderLayers, crossKeyValues) {
            layer.crossKeyValue.apply(encoded, rows: dimensions.audioPositions, into: buffer.pointer)
        }
    }

    /// Runs `body`, a search over steps, counted among the streams a batched
    /// pass waits for, so that streams decoding together step together.
    func searching<T>(_ body: () throws -> T) rethrows -> T {
        guard case .shared(let batcher) = passes else { return try body() }
        batcher.join()
        defer { batcher.leave() }
        return try body()
    }

    /// Runs `tokensPerSequence` new tokens of each of `sequences` sequences
    /// (`tokens` is sequence-major) at positions `position…`, appending to the
    /// cache, and writes the logits of the rows in `logitRows` (indices into the
    /// `sequences × tokensPerSequence` rows) to `logits`, one row each, in order.
    func forward(tokens: [Int], sequences: Int, position: Int, logitRows: [Int]) {
        precondition(!tokens.isEmpty && tokens.count <= dimensions.textPositions && tokens.count % sequences == 0
                     && sequences <= maximumSequences)
        precondition(logitRows.count <= 2 * maximumSequences)
        let step = DecoderStep(decoder: self, tokens: tokens, sequences: sequences, position: position, logitRows: logitRows)
        switch passes {
        case .own(let pass): pass.run(CollectionOfOne(step), projectionThreads: projectionThreads)
        case .shared(let batcher): batcher.run(step)
        }
    }
}
