import AmanuensisKernels

/// One stream's share of a decoder pass: `tokensPerSequence` new tokens for
/// each of `sequences` sequences (`tokens` sequence-major) at positions
/// `position…`, and the rows whose logits it wants, in order, written to
/// `state`'s logits.
public struct DecoderStep {
    let state: DecoderState
    let tokens: [Int]
    let sequences: Int
    let position: Int
    let logitRows: [Int]
    /// Threads for the pass when the step runs alone: the vocabulary
    /// projection's, and the layers' when the step is a prompt of
    /// `DecoderPass.teamRows` rows or more.
    public let threads: Int
    /// The row of the state's alignment scores the step's first row
    /// writes to; nil: the step keeps no scores.
    var alignmentRow: Int? = nil

    public var rows: Int { tokens.count }
    var perSequence: Int { tokens.count / sequences }
}

/// Runs the decoder over the steps of one or more streams at once: their
/// token rows go through every product together, so the weights are read
/// once per pass whatever the number of streams, while attention runs per
/// stream over its own caches. A step's cost at one row is reading the
/// weights, so this is where concurrent streams gain.
///
/// The pass owns the scratch rows of a pass (`rowCapacity` rows in all); the
/// caches and logits belong to each step's state.
public final class DecoderPass {
    let model: WhisperModel
    /// The most token rows, over all steps, that one pass carries.
    public let rowCapacity: Int
    private let x: FloatBuffer
    private let normed: FloatBuffer
    private let projections: FloatBuffer
    private let attention: FloatBuffer
    /// Each share's cross-attention scratch: a few rows' scores,
    /// `sliceRows` of them, or for a step of `teamRows` rows or more, a
    /// head's packed keys and values and the fused kernel's score tile,
    /// `packedShareFloats`.
    private let scores: FloatBuffer
    private let feedForward: FloatBuffer
    private let finalRows: FloatBuffer
    /// A step's queries of one head, scaled (the rows the scores kernel
    /// reads), `sliceRows` at a time for each share of the team a step's
    /// cross-attention uses.
    private let queries: FloatBuffer
    /// Rows of query and score scratch each share of the cross-attention
    /// works on at a time: the scratch of a pass's rows in one slice per
    /// head, a whole number of the scores kernel's row groups, so every
    /// head can have a share of its own. Every Whisper model's is at least
    /// `teamRows`, so a few-row step is one slice; the alignment scores of
    /// a longer step are kept a slice at a time.
    private let sliceRows: Int
    /// Floats of `scores` a share of the fused cross-attention uses, and
    /// the shares that fit: one a head, or a thread where there are fewer.
    private let packedShareFloats: Int
    private let packedShares: Int
    /// 1/√(head width), the attention's scale.
    private let crossScale: Float
    /// The largest layer product's weights in float32, for a prompt's rows (`Linear.apply`).
    private let wideWeights: FloatBuffer

    private var dimensions: WhisperDimensions { model.dimensions }

    /// Reads ahead what a step's layers will read, from another core, if
    /// the runtime runs one (`ReadAhead`).
    private let readAhead: ReadAhead?

    /// Sized for a full-length prompt, the largest single step.
    public init(model: WhisperModel, readAhead: ReadAhead? = nil) {
        self.model = model
        self.readAhead = readAhead
        let d = model.dimensions
        rowCapacity = d.textPositions
        x = FloatBuffer(count: rowCapacity * d.width)
        normed = FloatBuffer(count: rowCapacity * d.width)
        projections = FloatBuffer(count: rowCapacity * 3 * d.width)
        attention = FloatBuffer(count: rowCapacity * d.width)
        // Attention runs one step at a time, so one step's scratch suffices,
        // shared out by heads: `sliceRows` rows of scores a share, or one
        // head's packed keys and values.
        sliceRows = rowCapacity / d.heads / CPUKernels.dotRowsX * CPUKernels.dotRowsX
        precondition(sliceRows >= CPUKernels.dotRowsX, "a model of \(d.heads) heads leaves no cross-attention slice a row group")
        packedShareFloats = am_attention_packed_floats(d.audioPositions) + Int(AM_ATTENTION_ROWS) * am_attention_padded_keys(d.audioPositions)
        scores = FloatBuffer(count: max(rowCapacity * max(d.audioPositions, d.textPositions),
                                        min(d.heads, ComputeThreads.available) * packedShareFloats))
        packedShares = scores.count / packedShareFloats
        crossScale = 1 / Float(d.headWidth).squareRoot()
        feedForward = FloatBuffer(count: rowCapacity * d.feedForward)
        finalRows = FloatBuffer(count: rowCapacity * d.width)
        queries = FloatBuffer(count: rowCapacity * d.headWidth)
        wideWeights = FloatBuffer(count: model.weights.decoderLayers[0].linears.map { $0.outputs * $0.inputs }.max()!)
    }

    public var bytes: Int {
        [x, normed, projections, attention, scores, feedForward, finalRows, queries, wideWeights].reduce(0) { $0 + $1.bytes }
    }

    /// A prompt's rows from which the layers' products and cross-attention
    /// are worth a team. A search step's row a sequence is not, however many
    /// sequences: forking a team for each of its products would cost more
    /// than it saves, and beside busy processes every join would wait for a
    /// descheduled thread.
    static let teamRows = 16

    /// Runs `steps` (at most `rowCapacity` rows in all), appending to each
    /// state's cache and writing the logits it asked for to its `logits`.
    /// The vocabulary projection uses `threads` threads, and so do the
    /// layers of a lone step of a sequence's `teamRows` rows or more.
    public func run<Steps: Collection<DecoderStep>>(_ steps: Steps, threads: Int) {
        let d = dimensions
        let width = d.width
        let rows = steps.reduce(0) { $0 + $1.rows }
        precondition(rows > 0 && rows <= rowCapacity, "a decoder pass carries 1…\(rowCapacity) rows")
        let weights = model.weights
        Self.walk(steps) { step, first, _ in
            precondition(step.position + step.perSequence <= d.textPositions, "the sequence outgrew the model's 448 positions")
            for (row, token) in step.tokens.enumerated() {
                let target = x.pointer + (first + row) * width
                weights.embedding.row(token, into: target, width: width)
                am_add_f32(weights.decoderPositions.pointer + (step.position + row % step.perSequence) * width, target, width)
            }
        }
        let prompt = steps.count == 1 && steps.first!.perSequence >= Self.teamRows
        // Only a lone stream's step is read ahead: a prompt's layers have the
        // team, and a batch's streams share the cores. The reading ends with
        // the layers, before the vocabulary projection takes both cores.
        let readsAhead = steps.count == 1 && !prompt && readAhead != nil
        if readsAhead { readAhead!.begin(steps.first!.state) }
        ComputeThreads.with(threads: prompt ? threads : 1) {
            defer { if readsAhead { readAhead!.end() } }
            for (index, layer) in weights.decoderLayers.enumerated() {
                attentionBlock(steps, rows: rows, layer.selfAttentionNorm, layer.selfQueryKeyValue, layer.selfAttentionOutput) {
                    selfAttention($0, firstRow: $1, layer: index)
                }
                attentionBlock(steps, rows: rows, layer.crossAttentionNorm, layer.crossQuery, layer.crossAttentionOutput) {
                    crossAttention($0, firstRow: $1, layer: index)
                }
                layer.feedForwardNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
                layer.feedForwardIn.apply(normed.pointer, rows: rows, into: feedForward.pointer, wide: wideWeights.pointer)
                CPUKernels.selected.gelu(feedForward.pointer, rows * d.feedForward)
                layer.feedForwardOut.apply(feedForward.pointer, rows: rows, into: x.pointer, accumulate: true,
                                           wide: wideWeights.pointer)
            }
        }
        Self.walk(steps) { step, first, firstLogitRow in
            for (index, row) in step.logitRows.enumerated() {
                weights.decoderNorm.apply(x.pointer + (first + row) * width, rows: 1, width: width,
                                          into: finalRows.pointer + (firstLogitRow + index) * width)
            }
        }
        ComputeThreads.with(threads: threads) { projectToVocabulary(steps) }
    }

    /// x += output(attention(projection(norm(x)))): the products over every
    /// row, the attention step by step (`attend(step, firstRow)`) over each
    /// stream's own keys and values.
    private func attentionBlock<Steps: Collection<DecoderStep>>(
        _ steps: Steps, rows: Int, _ norm: LayerNorm, _ projection: Linear, _ output: Linear,
        attend: (DecoderStep, Int) -> Void
    ) {
        norm.apply(x.pointer, rows: rows, width: dimensions.width, into: normed.pointer)
        projection.apply(normed.pointer, rows: rows, into: projections.pointer, wide: wideWeights.pointer)
        Self.walk(steps) { step, first, _ in attend(step, first) }
        output.apply(attention.pointer, rows: rows, into: x.pointer, accumulate: true, wide: wideWeights.pointer)
    }

    /// Calls `body` with each step, where its rows start in the pass and
    /// where its logit rows start among the final rows.
    private static func walk<Steps: Collection<DecoderStep>>(
        _ steps: Steps, _ body: (DecoderStep, _ firstRow: Int, _ firstLogitRow: Int) -> Void
    ) {
        var firstRow = 0, firstLogitRow = 0
        for step in steps {
            body(step, firstRow, firstLogitRow)
            firstRow += step.rows
            firstLogitRow += step.logitRows.count
        }
    }

    /// Vocabulary entries per tile of the projection: a tile of the embedding
    /// (192 KB in float16, 96 KB in int8) stays in L2 while every step's rows
    /// pass over it, so the embedding is read from memory once per pass.
    private static let vocabularyTile = 256

    /// logits = final rows · embeddingᵀ, each step's rows into its decoder's
    /// logits, the vocabulary shared out over the team; a screened
    /// embedding's approximate entries then wait for the search to settle
    /// them (`VocabularyScreen`).
    private func projectToVocabulary<Steps: Collection<DecoderStep>>(_ steps: Steps) {
        let d = dimensions
        let chunk = CPUKernels.dotRowsX
        let approximateBelow = VocabularyScreen.approximateEntries(model.tokenizer.special)
        CPUKernels.parallelRows(d.vocabularySize) { _, share in
            for tile in stride(from: share.lowerBound, to: share.upperBound, by: Self.vocabularyTile) {
                let end = min(tile + Self.vocabularyTile, share.upperBound)
                Self.walk(steps) { step, _, finalRow in
                    for start in stride(from: 0, to: step.logitRows.count, by: chunk) {
                        let x = finalRows.pointer + (finalRow + start) * d.width
                        let logits = step.state.logits.pointer + start * d.vocabularySize
                        let rows = min(chunk, step.logitRows.count - start)
                        model.weights.embedding.project(x, into: logits, rows: rows, width: d.width, vocabulary: tile..<end,
                                                        count: d.vocabularySize, approximateBelow: approximateBelow)
                    }
                }
            }
        }
        Self.walk(steps) { step, _, finalRow in
            guard let screen = step.state.screen else { return }
            for row in step.logitRows.indices { screen.record(row: row, x: finalRows.pointer + (finalRow + row) * d.width) }
        }
    }

    private func selfAttention(_ step: DecoderStep, firstRow: Int, layer: Int) {
        let d = dimensions
        let width = d.width, perSequence = step.perSequence, position = step.position
        let cache = step.state.cache
        let keys = cache.keys[layer], values = cache.values[layer]
        for sequence in 0..<step.sequences {
            let sequenceRow = firstRow + sequence * perSequence
            for t in 0..<perSequence {
                let source = projections.pointer + (sequenceRow + t) * 3 * width
                cache.row(keys, sequence: sequence, position: position + t).update(from: source + width, count: width)
                cache.row(values, sequence: sequence, position: position + t).update(from: source + 2 * width, count: width)
            }
            for head in 0..<d.heads {
                let column = head * d.headWidth
                Attention.head(
                    queries: perSequence, keys: position + perSequence, headWidth: d.headWidth,
                    q: .init(pointer: projections.pointer + sequenceRow * 3 * width + column, stride: 3 * width),
                    k: .init(pointer: cache.row(keys, sequence: sequence, position: 0) + column, stride: width),
                    v: .init(pointer: cache.row(values, sequence: sequence, position: 0) + column, stride: width),
                    scores: scores.pointer, output: attention.pointer + sequenceRow * width + column, outputStride: width,
                    causalOffset: perSequence > 1 ? position : nil)
            }
        }
    }

    /// Attention over the window's float16 keys and values, the heads
    /// shared out over the calling thread's team, each share with scratch of
    /// its own. A row's output does not depend on the team: its scores,
    /// softmax and weighted sum are its own, and the path its step's row
    /// count chooses is the same whatever the team.
    ///
    /// A step of `teamRows` rows or more (a prompt, a wide search) goes
    /// through the fused kernel (`packedHead`), whose packing pays off per
    /// row; fewer rows are not worth packing 1500 keys (`slicedHead`). The
    /// alignment heads' scores, which word timestamps keep, come from the
    /// scores kernel either way, apart from the attention's output.
    private func crossAttention(_ step: DecoderStep, firstRow: Int, layer: Int) {
        let d = dimensions
        let rows = firstRow..<(firstRow + step.rows)
        let packed = step.rows >= Self.teamRows
        CPUKernels.parallelRows(d.heads, maximumShares: packed ? packedShares : d.heads) { share, heads in
            for head in heads {
                let keys = step.state.crossAttention(layer: layer, head: head, values: false)
                let values = step.state.crossAttention(layer: layer, head: head, values: true)
                let alignment = step.alignmentRow.flatMap { row in
                    step.state.alignmentSlot(layer: layer, head: head).map { slot in
                        step.state.alignmentScores.pointer + (slot * d.textPositions + row) * d.audioPositions
                    }
                }
                guard packed else {
                    slicedHead(rows: rows, head: head, keys: keys, values: values, share: share, alignment: alignment)
                    continue
                }
                packedHead(rows: rows, head: head, keys: keys, values: values, share: share)
                if let alignment {
                    for start in stride(from: rows.lowerBound, to: rows.upperBound, by: sliceRows) {
                        scaledScores(rows: start..<min(start + sliceRows, rows.upperBound), head: head, keys: keys,
                                     share: share, into: alignment + (start - rows.lowerBound) * d.audioPositions)
                    }
                }
            }
        }
    }

    /// One head's attention for the pass's `rows`: its keys and values
    /// widened and packed into the share's scratch, then softmax(q·Kᵀ/√d)·V
    /// by the encoder's fused kernel (attention.c), a register tile of rows
    /// by 32 keys. The scores kernel (`slicedHead`) sums each row's products
    /// across a vector, which made a 225-row prompt's cross-attention most
    /// of its time.
    private func packedHead(rows: Range<Int>, head: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
                            share: Int) {
        let d = dimensions
        let column = head * d.headWidth, positions = d.audioPositions
        let kernels = CPUKernels.selected
        let packed = scores.pointer + share * packedShareFloats
        am_attention_pack_f16(keys, values, positions, crossScale, kernels.f16_to_f32, packed)
        kernels.attention(projections.pointer + rows.lowerBound * d.width + column, d.width, packed, positions,
                          rows.count, packed + am_attention_packed_floats(positions),
                          attention.pointer + rows.lowerBound * d.width + column, d.width)
    }

    /// One head's attention for the pass's `rows`, `sliceRows` at a time:
    /// the scores by the kernel that projects to the vocabulary (keys as its
    /// rows), copied to `alignment` if the head is an alignment head, the
    /// output by the weighted sum of value rows.
    private func slicedHead(rows: Range<Int>, head: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
                            share: Int, alignment: UnsafeMutablePointer<Float>?) {
        let d = dimensions
        let positions = d.audioPositions
        let kernels = CPUKernels.selected
        let scoreRows = scores.pointer + share * sliceRows * positions
        for start in stride(from: rows.lowerBound, to: rows.upperBound, by: sliceRows) {
            let slice = start..<min(start + sliceRows, rows.upperBound)
            scaledScores(rows: slice, head: head, keys: keys, share: share, into: scoreRows)
            alignment?.advanced(by: (start - rows.lowerBound) * positions).update(from: scoreRows, count: slice.count * positions)
            kernels.softmax_rows(scoreRows, slice.count, positions, positions)
            kernels.weighted_f16(values, scoreRows, attention.pointer + start * d.width + head * d.headWidth,
                                 slice.count, positions, d.headWidth, positions, d.width)
        }
    }

    /// The scores of `head` for the pass's `rows` (at most `sliceRows`),
    /// their queries scaled by 1/√(head width) in the share's query scratch,
    /// into `out`, a row of every audio position each.
    private func scaledScores(rows: Range<Int>, head: Int, keys: UnsafePointer<UInt16>, share: Int,
                              into out: UnsafeMutablePointer<Float>) {
        let d = dimensions
        let headWidth = d.headWidth, positions = d.audioPositions
        let queryRows = queries.pointer + share * sliceRows * headWidth
        for (index, row) in rows.enumerated() {
            let source = projections.pointer + row * d.width + head * headWidth
            for i in 0..<headWidth { queryRows[index * headWidth + i] = source[i] * crossScale }
        }
        for first in stride(from: 0, to: rows.count, by: CPUKernels.dotRowsX) {
            CPUKernels.selected.dot_rows_f16(keys, queryRows + first * headWidth, out + first * positions,
                                             min(CPUKernels.dotRowsX, rows.count - first), headWidth, 0, positions, positions, 0)
        }
    }
}
