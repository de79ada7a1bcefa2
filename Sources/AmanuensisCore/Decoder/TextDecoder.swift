import AmanuensisKernels
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
    /// Per layer, float16 `[keys | values, head, audioPositions, headWidth]`:
    /// the cross-attention's keys and values, computed once per window and
    /// read whole at every step, so kept at half size and one head together.
    private let crossKeyValues: [HalfBuffer]
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
        crossKeyValues = (0..<d.decoderLayers).map { _ in HalfBuffer(count: d.audioPositions * 2 * d.width) }
        // Resident as written: a greedy search writes one or two rows.
        logits = FloatBuffer(count: 2 * maximumSequences * d.vocabularySize, paging: .onTouch)
        passes = batcher.map { .shared($0) } ?? .own(DecoderPass(model: model))
    }

    /// Gives back the memory that sequences from `sequences` on made resident.
    func release(sequencesFrom sequences: Int) {
        cache.release(sequencesFrom: sequences)
        logits.discard(after: 2 * sequences * dimensions.vocabularySize)
    }

    var scratchBytes: Int {
        let own = if case .own(let pass) = passes { pass.bytes } else { 0 }
        return crossKeyValues.reduce(cache.bytes + own + logits.bytes) { $0 + $1.bytes }
    }

    /// Stores the cross-attention keys and values of the window `encoder`
    /// holds, each layer's by head in float16.
    func attend(to encoder: AudioEncoder) {
        let d = dimensions
        // A projected row is [keys | values] by head: 2·heads blocks of
        // headWidth, each stored as its own [audioPositions, headWidth].
        let blockFloats = d.audioPositions * d.headWidth
        for layer in 0..<d.decoderLayers {
            let projected = encoder.crossKeysAndValues(layer: layer)
            for block in 0..<(2 * d.heads) {
                let target = crossKeyValues[layer].pointer + block * blockFloats
                for position in 0..<d.audioPositions {
                    CPUKernels.selected.f32_to_f16(projected + position * 2 * d.width + block * d.headWidth,
                                                   target + position * d.headWidth, d.headWidth)
                }
            }
        }
    }

    /// One head's cross-attention keys, or values, float16 `[audioPositions, headWidth]`.
    func crossAttention(layer: Int, head: Int, values: Bool) -> UnsafePointer<UInt16> {
        let d = dimensions
        return UnsafePointer(crossKeyValues[layer].pointer) + ((values ? d.heads : 0) + head) * d.audioPositions * d.headWidth
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
