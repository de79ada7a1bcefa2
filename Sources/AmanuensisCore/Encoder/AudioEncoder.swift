import AmanuensisKernels

/// Whisper's audio encoder for one 30 s window: the convolution stem (two
/// 3-tap convolutions with GELU, the second with stride 2), the stored
/// sinusoidal positions, pre-norm transformer blocks and a final layer norm.
///
/// Each stream owns one encoder: it holds the window's scratch buffers,
/// allocated once here and reused for every window, and its products bound to
/// them (`MatMul.Call`), so a window allocates nothing.
final class AudioEncoder {
    let model: WhisperModel
    private let stream = DNNLStream()
    /// The products' shared scratchpad, and the int8 inputs (`int8` only).
    private let scratchpad: UnsafeMutableRawPointer
    private let quantized: UnsafeMutablePointer<Int8>?
    private let scratchpadBytes: Int
    private let quantizedBytes: Int
    private let stem: (conv1: MatMul.Call, conv2: MatMul.Call)
    private let layers: [BlockProducts]
    private let x: FloatBuffer
    private let normed: FloatBuffer
    private let projections: FloatBuffer
    private let scores: FloatBuffer
    private let feedForward: FloatBuffer
    private let attention: FloatBuffer

    private var dimensions: WhisperDimensions { model.dimensions }
    /// Input frames of one window: two per encoder position.
    var frames: Int { 2 * dimensions.audioPositions }

    init(model: WhisperModel) {
        self.model = model
        let d = model.dimensions
        let positions = d.audioPositions
        let frames = 2 * positions
        let x = FloatBuffer(count: positions * d.width)
        let normed = FloatBuffer(count: positions * d.width)
        let attention = FloatBuffer(count: positions * d.width)
        // The stem reuses the blocks' buffers: its im2col matrices and first
        // convolution's output are dead before the first block starts.
        let projections = FloatBuffer(count: max(positions * 3 * d.width, frames * d.width))
        let scores = FloatBuffer(count: max(positions * positions, positions * 3 * d.width))
        let feedForward = FloatBuffer(count: max(positions * d.feedForward, frames * 3 * d.melBins, positions * 2 * d.width))
        (self.x, self.normed, self.attention, self.projections, self.scores, self.feedForward) =
            (x, normed, attention, projections, scores, feedForward)

        let products = model.weights.encoderMatMuls
        scratchpadBytes = products.map(\.scratchpadBytes).max() ?? 0
        let scratchpad = UnsafeMutableRawPointer.allocate(byteCount: max(scratchpadBytes, 1), alignment: 64)
        quantizedBytes = products.map(\.quantizedInputBytes).max() ?? 0
        let quantized: UnsafeMutablePointer<Int8>? = quantizedBytes > 0 ? .allocate(capacity: quantizedBytes) : nil
        self.scratchpad = scratchpad
        self.quantized = quantized
        func bind(_ product: MatMul, _ source: FloatBuffer, _ destination: FloatBuffer) -> MatMul.Call {
            MatMul.Call(product, source: source.pointer, destination: destination.pointer,
                        quantized: quantized, scratchpad: scratchpad)
        }
        let weights = model.weights
        stem = (bind(weights.conv1, feedForward, projections), bind(weights.conv2, scores, x))
        layers = weights.encoderLayers.map { layer in
            BlockProducts(queryKeyValue: bind(layer.queryKeyValue, normed, projections),
                          attentionOutput: bind(layer.attentionOutput, attention, normed),
                          feedForwardIn: bind(layer.feedForwardIn, normed, feedForward),
                          feedForwardOut: bind(layer.feedForwardOut, feedForward, normed))
        }
    }

    deinit {
        scratchpad.deallocate()
        quantized?.deallocate()
    }

    /// Scratch of `audioPositions × 2·width` floats or more, free once a
    /// window is encoded: where the decoder projects the window's
    /// cross-attention keys and values before storing them in float16.
    var spare: UnsafeMutablePointer<Float> { feedForward.pointer }

    var scratchBytes: Int {
        [x, normed, projections, scores, feedForward, attention].reduce(scratchpadBytes + quantizedBytes) { $0 + $1.bytes }
    }

    /// Encodes `mel` (`[melBins, frames]`) into `output` (`[positions, width]`).
    func encode(mel: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, timer: inout StageTimer) {
        var started = timer.begin()
        convolutionStem(mel)
        timer.end(.encoderConvolution, started)
        started = timer.begin()
        for (layer, products) in zip(model.weights.encoderLayers, layers) { block(layer, products) }
        timer.end(.encoderBlocks, started)
        model.weights.encoderNorm.apply(x.pointer, rows: dimensions.audioPositions, width: dimensions.width, into: output)
    }

    private func convolutionStem(_ mel: UnsafePointer<Float>) {
        let d = dimensions
        let columns1 = feedForward.pointer, hidden = projections.pointer, columns2 = scores.pointer
        // conv1, stride 1, padding 1: columns[t, c·3 + k] = mel[c, t + k − 1].
        let melColumns = 3 * d.melBins
        for t in 0..<frames {
            for c in 0..<d.melBins {
                for k in 0..<3 {
                    let source = t + k - 1
                    columns1[t * melColumns + c * 3 + k] = source >= 0 && source < frames ? mel[c * frames + source] : 0
                }
            }
        }
        stem.conv1.run(on: stream)
        // conv2, stride 2, padding 1: columns[p, c·3 + k] = hidden[2p + k − 1, c].
        let hiddenColumns = 3 * d.width
        for p in 0..<d.audioPositions {
            for k in 0..<3 {
                let source = 2 * p + k - 1
                for c in 0..<d.width {
                    columns2[p * hiddenColumns + c * 3 + k] = source >= 0 && source < frames ? hidden[source * d.width + c] : 0
                }
            }
        }
        stem.conv2.run(on: stream)
        am_add_f32(model.weights.encoderPositions.pointer, x.pointer, d.audioPositions * d.width)
    }

    /// Query rows per attention task: a task's scores (128 × 1500 floats)
    /// stay in the core's L2 cache between the product that writes them, the
    /// softmax and the product that reads them.
    private static let queryBlock = 128

    /// Each head's attention in blocks of query rows, the tasks shared out
    /// over the OpenMP team, each share with its own slice of `scores`.
    private func selfAttention() {
        let d = dimensions
        let positions = d.audioPositions, width = d.width
        let blocks = (positions + Self.queryBlock - 1) / Self.queryBlock
        let qkv = UnsafePointer(projections.pointer)
        let slice = Self.queryBlock * positions
        CPUKernels.parallelRows(d.heads * blocks, maximumShares: scores.count / slice) { share, tasks in
            for task in tasks {
                let column = (task / blocks) * d.headWidth
                let first = (task % blocks) * Self.queryBlock
                Attention.head(
                    queries: min(Self.queryBlock, positions - first), keys: positions, headWidth: d.headWidth,
                    q: .init(pointer: qkv + first * 3 * width + column, stride: 3 * width),
                    k: .init(pointer: qkv + width + column, stride: 3 * width),
                    v: .init(pointer: qkv + 2 * width + column, stride: 3 * width),
                    scores: scores.pointer + share * slice, output: attention.pointer + first * width + column,
                    outputStride: width)
            }
        }
    }

    private func block(_ layer: EncoderLayer, _ products: BlockProducts) {
        let d = dimensions
        let rows = d.audioPositions, width = d.width
        layer.attentionNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
        products.queryKeyValue.run(on: stream)
        selfAttention()
        products.attentionOutput.run(on: stream)
        addResidual()

        layer.feedForwardNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
        products.feedForwardIn.run(on: stream)
        products.feedForwardOut.run(on: stream)
        addResidual()
    }

    /// x += normed, where the block's output products leave their rows.
    private func addResidual() {
        let width = dimensions.width
        CPUKernels.parallelRows(dimensions.audioPositions) { _, rows in
            am_add_f32(normed.pointer + rows.lowerBound * width, x.pointer + rows.lowerBound * width, rows.count * width)
        }
    }
}

/// One block's products, bound to the encoder's buffers.
private struct BlockProducts {
    let queryKeyValue: MatMul.Call
    let attentionOutput: MatMul.Call
    let feedForwardIn: MatMul.Call
    let feedForwardOut: MatMul.Call
}
