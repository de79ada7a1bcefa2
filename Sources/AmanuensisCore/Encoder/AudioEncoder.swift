import AmanuensisKernels

/// Whisper's audio encoder for one 30 s window: the convolution stem (two
/// 3-tap convolutions with GELU, the second with stride 2), the stored
/// sinusoidal positions, pre-norm transformer blocks and a final layer norm.
///
/// An encoder holds a window's output and scratch buffers, allocated once here
/// and reused for every window, and its products bound to them
/// (`MatMul.Call`), so a window allocates nothing. It also projects the
/// window into each decoder layer's cross-attention keys and values: products
/// over the window's rows like its own, sharing their scratch.
public final class AudioEncoder {
    let model: WhisperModel
    private let executor = DNNLExecutor()
    /// The products' shared scratchpad, and the int8 inputs (`int8` only).
    private let scratchpad: UnsafeMutableRawPointer
    private let quantized: UnsafeMutablePointer<Int8>?
    private let scratchpadBytes: Int
    private let quantizedBytes: Int
    private let stem: (conv1: MatMul.Call, conv2: MatMul.Call)
    private let layers: [BlockProducts]
    private let crossKeyValues: [MatMul.Call]
    /// `[audioPositions, width]`: the encoded window.
    let output: FloatBuffer
    private let x: FloatBuffer
    private let normed: FloatBuffer
    /// A block's query, key and value rows, then its feed-forward rows:
    /// never live at once, so one buffer holds both (6.9 MB less for
    /// tiny.en). Also the cross-attention keys and values, after the blocks.
    private let wideRows: FloatBuffer
    private let attentionScratch: FloatBuffer
    private let attention: FloatBuffer
    /// The self-attention's kernels, and the floats of one share's scratch.
    /// In bfloat16 for an encoder whose products are int8, on a CPU with
    /// AVX512-BF16: twice float32's products per instruction, on most of the
    /// encoder's time, and rounding far smaller than the int8 products' (the
    /// float32 type keeps float32).
    private let attentionKernels: (pack: am_attention_pack_fn, attend: am_attention_fn, tileFloats: Int)

    private var dimensions: WhisperDimensions { model.dimensions }
    /// Input frames of one window: two per encoder position.
    var frames: Int { 2 * dimensions.audioPositions }

    public init(model: WhisperModel) {
        self.model = model
        let d = model.dimensions
        let positions = d.audioPositions
        let kernels = CPUKernels.selected
        if model.computeType.encoder == .int8, let pack = kernels.attention_pack_bf16, let attend = kernels.attention_bf16 {
            attentionKernels = (pack, attend, am_attention_bf16_scratch_floats(positions))
        } else {
            attentionKernels = (am_attention_pack, kernels.attention, Int(AM_ATTENTION_ROWS) * am_attention_padded_keys(positions))
        }
        let frames = 2 * positions
        let x = FloatBuffer(count: positions * d.width)
        let normed = FloatBuffer(count: positions * d.width)
        let attention = FloatBuffer(count: positions * d.width)
        // The stem reuses the blocks' buffers: its im2col matrices (in the
        // attention's scratch) and first convolution's output (in the wide
        // rows) are dead before the first block starts.
        let wideRows = FloatBuffer(count: max(positions * 3 * d.width, positions * d.feedForward, frames * d.width,
                                              positions * 2 * d.width))
        // Attention packs every head's keys and values, then gives each
        // thread of the team a tile of scores.
        let attentionFloats = d.heads * am_attention_packed_floats(positions)
            + ComputeThreads.available * attentionKernels.tileFloats
        let attentionScratch = FloatBuffer(count: max(attentionFloats, positions * 3 * d.width, frames * 3 * d.melBins))
        (self.x, self.normed, self.attention, self.wideRows, self.attentionScratch) =
            (x, normed, attention, wideRows, attentionScratch)

        let output = FloatBuffer(count: positions * d.width)
        self.output = output
        let products = model.weights.windowMatMuls
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
        stem = (bind(weights.conv1, attentionScratch, wideRows), bind(weights.conv2, attentionScratch, x))
        layers = weights.encoderLayers.map { layer in
            BlockProducts(queryKeyValue: bind(layer.queryKeyValue, normed, wideRows),
                          attentionOutput: bind(layer.attentionOutput, attention, normed),
                          feedForwardIn: bind(layer.feedForwardIn, normed, wideRows),
                          feedForwardOut: bind(layer.feedForwardOut, wideRows, normed))
        }
        crossKeyValues = weights.decoderLayers.map { bind($0.crossKeyValue, output, wideRows) }
    }

    deinit {
        scratchpad.deallocate()
        quantized?.deallocate()
    }

    public var bytes: Int {
        [output, x, normed, wideRows, attentionScratch, attention].reduce(scratchpadBytes + quantizedBytes) { $0 + $1.bytes }
    }

    /// Encodes `mel` (`[melBins, frames]`) into `output`. `isCancelled` is
    /// asked before each block: a window is the longest stretch of work a
    /// stream does, and a dictation's final pass should not share the cores
    /// with a pass it made useless.
    func encode(mel: UnsafePointer<Float>, timer: inout StageTimer, isCancelled: () -> Bool = { false }) throws {
        var started = timer.begin()
        convolutionStem(mel)
        timer.end(.encoderConvolution, started)
        started = timer.begin()
        for (layer, products) in zip(model.weights.encoderLayers, layers) {
            if isCancelled() { throw TranscriptionCancelled() }
            block(layer, products)
        }
        timer.end(.encoderBlocks, started)
        model.weights.encoderNorm.apply(x.pointer, rows: dimensions.audioPositions, width: dimensions.width, into: output.pointer)
    }

    /// Decoder layer `layer`'s cross-attention keys and values of the encoded
    /// window, `[audioPositions, keys | values]`, in scratch that the next
    /// call or window overwrites.
    func crossKeysAndValues(layer: Int) -> UnsafePointer<Float> {
        crossKeyValues[layer].run(on: executor)
        return UnsafePointer(wideRows.pointer)
    }

    private func convolutionStem(_ mel: UnsafePointer<Float>) {
        let d = dimensions
        let columns1 = attentionScratch.pointer, hidden = wideRows.pointer, columns2 = attentionScratch.pointer
        // conv1, stride 1, over the mel bins (`[melBins, frames]`).
        CPUKernels.parallelRows(frames) { _, rows in
            am_conv3_columns(mel, d.melBins, frames, frames, 1, 1, rows.lowerBound, rows.upperBound, columns1)
        }
        stem.conv1.run(on: executor)
        // conv2, stride 2, over conv1's output (`[frames, width]`).
        CPUKernels.parallelRows(d.audioPositions) { _, rows in
            am_conv3_columns(hidden, d.width, frames, 1, d.width, 2, rows.lowerBound, rows.upperBound, columns2)
        }
        stem.conv2.run(on: executor)
        am_add_f32(model.weights.encoderPositions.pointer, x.pointer, d.audioPositions * d.width)
    }

    /// Query rows per attention task, a multiple of the kernel's tile: 25
    /// tasks a head, enough to keep every core of the team busy to the end.
    private static let queryBlock = 5 * Int(AM_ATTENTION_ROWS)

    /// Each head's attention in blocks of query rows, shared out over the
    /// OpenMP team, after every head's keys and values are packed (by head,
    /// also over the team) into the front of `attentionScratch`; each share
    /// keeps its tile of scores behind them.
    private func selfAttention() {
        let d = dimensions
        let positions = d.audioPositions, width = d.width, stride = 3 * width
        let qkv = UnsafePointer(wideRows.pointer)
        let packed = attentionScratch.pointer, packedFloats = am_attention_packed_floats(positions)
        let scale = 1 / Float(d.headWidth).squareRoot()
        let kernels = attentionKernels
        CPUKernels.parallelRows(d.heads) { _, heads in
            for head in heads {
                let column = head * d.headWidth
                kernels.pack(qkv + width + column, qkv + 2 * width + column, stride, positions, scale,
                             packed + head * packedFloats)
            }
        }
        let tiles = packed + d.heads * packedFloats, tileFloats = kernels.tileFloats
        let blocks = (positions + Self.queryBlock - 1) / Self.queryBlock
        let shares = (attentionScratch.count - d.heads * packedFloats) / tileFloats
        CPUKernels.parallelRows(d.heads * blocks, maximumShares: shares) { share, tasks in
            for task in tasks {
                let head = task / blocks, first = (task % blocks) * Self.queryBlock
                let column = head * d.headWidth
                kernels.attend(
                    qkv + first * stride + column, stride, packed + head * packedFloats, positions,
                    min(Self.queryBlock, positions - first), tiles + share * tileFloats,
                    attention.pointer + first * width + column, width)
            }
        }
    }

    private func block(_ layer: EncoderLayer, _ products: BlockProducts) {
        let d = dimensions
        let rows = d.audioPositions, width = d.width
        layer.attentionNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
        products.queryKeyValue.run(on: executor)
        selfAttention()
        products.attentionOutput.run(on: executor)
        addResidual()

        layer.feedForwardNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
        products.feedForwardIn.run(on: executor)
        products.feedForwardOut.run(on: executor)
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
