import AmanuensisKernels

/// Whisper's audio encoder for one 30 s window: the convolution stem (two
/// 3-tap convolutions with GELU, the second with stride 2), the stored
/// sinusoidal positions, pre-norm transformer blocks and a final layer norm.
///
/// Each stream owns one encoder: it holds the window's scratch buffers,
/// allocated once here and reused for every window.
final class AudioEncoder {
    let model: WhisperModel
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
        x = FloatBuffer(count: positions * d.width)
        normed = FloatBuffer(count: positions * d.width)
        attention = FloatBuffer(count: positions * d.width)
        // The stem reuses the blocks' buffers: its im2col matrices and first
        // convolution's output are dead before the first block starts.
        projections = FloatBuffer(count: max(positions * 3 * d.width, frames * d.width))
        scores = FloatBuffer(count: max(positions * positions, positions * 3 * d.width))
        feedForward = FloatBuffer(count: max(positions * d.feedForward, frames * 3 * d.melBins))
    }

    var scratchBytes: Int { [x, normed, projections, scores, feedForward, attention].reduce(0) { $0 + $1.bytes } }

    /// Encodes `mel` (`[melBins, frames]`) into `output` (`[positions, width]`).
    func encode(mel: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, timer: inout StageTimer) {
        var started = timer.begin()
        convolutionStem(mel)
        timer.end(.encoderConvolution, started)
        started = timer.begin()
        for layer in model.weights.encoderLayers { block(layer) }
        timer.end(.encoderBlocks, started)
        model.weights.encoderNorm.apply(x.pointer, rows: dimensions.audioPositions, width: dimensions.width, into: output)
    }

    private func convolutionStem(_ mel: UnsafePointer<Float>) {
        let d = dimensions
        let weights = model.weights
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
        weights.conv1.apply(columns1, rows: frames, into: hidden)
        am_gelu_f32(hidden, frames * d.width)
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
        weights.conv2.apply(columns2, rows: d.audioPositions, into: x.pointer)
        am_gelu_f32(x.pointer, d.audioPositions * d.width)
        am_add_f32(weights.encoderPositions.pointer, x.pointer, d.audioPositions * d.width)
    }

    private func block(_ layer: EncoderLayer) {
        let d = dimensions
        let rows = d.audioPositions, width = d.width
        layer.attentionNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
        layer.queryKeyValue.apply(normed.pointer, rows: rows, into: projections.pointer)
        let qkv = UnsafePointer(projections.pointer)
        for head in 0..<d.heads {
            let column = head * d.headWidth
            Attention.head(
                queries: rows, keys: rows, headWidth: d.headWidth,
                q: .init(pointer: qkv + column, stride: 3 * width),
                k: .init(pointer: qkv + width + column, stride: 3 * width),
                v: .init(pointer: qkv + 2 * width + column, stride: 3 * width),
                scores: scores.pointer, output: attention.pointer + column, outputStride: width)
        }
        layer.attentionOutput.apply(attention.pointer, rows: rows, into: x.pointer, accumulate: true)

        layer.feedForwardNorm.apply(x.pointer, rows: rows, width: width, into: normed.pointer)
        layer.feedForwardIn.apply(normed.pointer, rows: rows, into: feedForward.pointer)
        am_gelu_f32(feedForward.pointer, rows * d.feedForward)
        layer.feedForwardOut.apply(feedForward.pointer, rows: rows, into: x.pointer, accumulate: true)
    }
}
