import AmanuensisKernels

/// Whisper's text decoder: token embeddings plus learned positions, pre-norm
/// blocks of causal self-attention (with a key/value cache), cross-attention
/// over the encoded window, and a feed-forward layer; logits through the tied
/// embedding.
///
/// Each stream owns one decoder; its buffers are sized once for the most
/// sequences and tokens a window can need, and reused for every step.
final class TextDecoder {
    let model: WhisperModel
    let maximumSequences: Int
    let cache: KeyValueCache
    /// Per layer, `[audioPositions, 2·width]`: keys then values of the
    /// cross-attention, computed once per window.
    private let crossKeyValues: [FloatBuffer]
    private let x: FloatBuffer
    private let normed: FloatBuffer
    private let projections: FloatBuffer
    private let attention: FloatBuffer
    private let scores: FloatBuffer
    private let feedForward: FloatBuffer
    private let finalRows: FloatBuffer
    /// `[rows, vocabulary]`: the logits of the rows asked for in `forward`.
    let logits: FloatBuffer
    /// Threads for the vocabulary projection, the largest read of a step:
    /// more than one only while this stream has the machine to itself (the
    /// rest of a step stays on one thread, its products being tiny).
    var projectionThreads = 1

    private var dimensions: WhisperDimensions { model.dimensions }
    /// The most token rows one forward call may carry (a full-length prompt).
    var maximumRows: Int { dimensions.textPositions }

    init(model: WhisperModel, maximumSequences: Int) {
        self.model = model
        self.maximumSequences = maximumSequences
        let d = model.dimensions
        let rows = max(d.textPositions, maximumSequences)
        cache = KeyValueCache(layers: d.decoderLayers, sequences: maximumSequences, positions: d.textPositions, width: d.width)
        crossKeyValues = (0..<d.decoderLayers).map { _ in FloatBuffer(count: d.audioPositions * 2 * d.width) }
        x = FloatBuffer(count: rows * d.width)
        normed = FloatBuffer(count: rows * d.width)
        projections = FloatBuffer(count: rows * 3 * d.width)
        attention = FloatBuffer(count: rows * d.width)
        scores = FloatBuffer(count: rows * max(d.audioPositions, d.textPositions))
        feedForward = FloatBuffer(count: rows * d.feedForward)
        finalRows = FloatBuffer(count: 2 * maximumSequences * d.width)
        logits = FloatBuffer(count: 2 * maximumSequences * d.vocabularySize)
    }

    var scratchBytes: Int {
        ([x, normed, projections, attention, scores, feedForward, finalRows, logits] + crossKeyValues)
            .reduce(cache.bytes) { $0 + $1.bytes }
    }

    /// Computes the cross-attention keys and values of an encoded window.
    func attend(to encoded: UnsafePointer<Float>) {
        for (layer, buffer) in zip(model.weights.decoderLayers, crossKeyValues) {
            layer.crossKeyValue.apply(encoded, rows: dimensions.audioPositions, into: buffer.pointer)
        }
    }

    /// Runs `tokensPerSequence` new tokens of each of `sequences` sequences
    /// (`tokens` is sequence-major) at positions `position…`, appending to the
    /// cache, and writes the logits of the rows in `logitRows` (indices into the
    /// `sequences × tokensPerSequence` rows) to `logits`, one row each, in order.
    func forward(tokens: [Int], sequences: Int, position: Int, logitRows: [Int]) {
        let d = dimensions
        let perSequence = tokens.count / sequences
        let rows = tokens.count
        precondition(rows > 0 && rows <= maximumRows && sequences <= maximumSequences)
        precondition(position + perSequence <= d.textPositions, "the sequence outgrew the model's 448 positions")
        precondition(logitRows.count <= 2 * maximumSequences)
        let width = d.width
        let weights = model.weights
        for (row, token) in tokens.enumerated() {
            let target = x.pointer + row * width
            am_f16_to_f32(weights.embedding.pointer + token * width, target, width)
            am_add_f32(weights.decoderPositions.pointer + (position + row % perSequence) * width, target, width)
        }
        for (index, layer) in weights.decoderLayers.enumerated() {
            selfAttention(layer, layerIndex: index, sequences: sequences, perSequence: perSequence, position: position)
            crossAttention(layer, layerIndex: index, rows: rows)
            layer.feedForwardNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
            layer.feedForwardIn.apply(normed.pointer, rows: rows, into: feedForward.pointer)
            am_gelu_f32(feedForward.pointer, rows * d.feedForward)
            layer.feedForwardOut.apply(feedForward.pointer, rows: rows, into: x.pointer, accumulate: true)
        }
        for (index, row) in logitRows.enumerated() {
            weights.decoderNorm.apply(x.pointer + row * width, rows: 1, width: width, into: finalRows.pointer + index * width)
        }
        projectToVocabulary(rows: logitRows.count)
    }

    /// logits = final rows · embeddingᵀ: a memory-bound read of the float16
    /// embedding, each row read once for all rows of x.
    private func projectToVocabulary(rows: Int) {
        let d = dimensions
        ComputeThreads.with(threads: projectionThreads) {
            CPUKernels.parallelRows(d.vocabularySize) { _, share in
                CPUKernels.selected.logits_f16(model.weights.embedding.pointer, finalRows.pointer, logits.pointer,
                                               rows, d.width, share.lowerBound, share.upperBound, d.vocabularySize, 0)
            }
        }
    }

    private func selfAttention(_ layer: DecoderLayer, layerIndex: Int, sequences: Int, perSequence: Int, position: Int) {
        let d = dimensions
        let width = d.width, rows = sequences * perSequence
        layer.selfAttentionNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
        layer.selfQueryKeyValue.apply(normed.pointer, rows: rows, into: projections.pointer)
        let keys = cache.keys[layerIndex], values = cache.values[layerIndex]
        for sequence in 0..<sequences {
            for t in 0..<perSequence {
                let source = projections.pointer + (sequence * perSequence + t) * 3 * width
                cache.row(keys, sequence: sequence, position: position + t).update(from: source + width, count: width)
                cache.row(values, sequence: sequence, position: position + t).update(from: source + 2 * width, count: width)
            }
            for head in 0..<d.heads {
                let column = head * d.headWidth
                let firstRow = sequence * perSequence
                Attention.head(
                    queries: perSequence, keys: position + perSequence, headWidth: d.headWidth,
                    q: .init(pointer: projections.pointer + firstRow * 3 * width + column, stride: 3 * width),
                    k: .init(pointer: cache.row(keys, sequence: sequence, position: 0) + column, stride: width),
                    v: .init(pointer: cache.row(values, sequence: sequence, position: 0) + column, stride: width),
                    scores: scores.pointer, output: attention.pointer + firstRow * width + column, outputStride: width,
                    causalOffset: perSequence > 1 ? position : nil)
            }
        }
        layer.selfAttentionOutput.apply(attention.pointer, rows: rows, into: x.pointer, accumulate: true)
    }

    private func crossAttention(_ layer: DecoderLayer, layerIndex: Int, rows: Int) {
        let d = dimensions
        let width = d.width
        layer.crossAttentionNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
        layer.crossQuery.apply(normed.pointer, rows: rows, into: projections.pointer)
        let keyValues = UnsafePointer(crossKeyValues[layerIndex].pointer)
        // Every sequence attends to the same window, so all rows go in one product.
        for head in 0..<d.heads {
            let column = head * d.headWidth
            Attention.head(
                queries: rows, keys: d.audioPositions, headWidth: d.headWidth,
                q: .init(pointer: projections.pointer + column, stride: width),
                k: .init(pointer: keyValues + column, stride: 2 * width),
                v: .init(pointer: keyValues + width + column, stride: 2 * width),
                scores: scores.pointer, output: attention.pointer + column, outputStride: width)
        }
        layer.crossAttentionOutput.apply(attention.pointer, rows: rows, into: x.pointer, accumulate: true)
    }
}
