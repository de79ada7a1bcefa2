import AmanuensisKernels

/// What one stream's text decoder keeps between steps: the self-attention
/// cache of its sequences, the window's cross-attention keys and values, and
/// the logits of the last step. A `DecoderPass` advances the states its steps
/// name; nothing else writes them, and a state is used by one stream at a time.
///
/// Sized once for the most sequences a window can need, its large buffers
/// mapped, not filled (`BufferMemory`): resident memory follows what the
/// stream's searches touch.
public final class DecoderState {
    let dimensions: WhisperDimensions
    let maximumSequences: Int
    let cache: KeyValueCache
    /// Per layer, float16 `[keys | values, head, audioPositions, headWidth]`:
    /// computed once per window and read whole at every step, so kept at
    /// half size and one head together.
    private let crossKeyValues: [HalfBuffer]
    /// `[rows, vocabulary]`: the logits of the rows a step asked for.
    let logits: FloatBuffer
    /// Where the model's embedding is screened: what makes its logits exact
    /// where a search reads them.
    let screen: VocabularyScreen?
    /// The alignment heads, and for each, `[textPositions, audioPositions]`
    /// of its cross-attention scores before the softmax, written by steps
    /// that ask (`DecoderStep.alignmentRow`). Mapped, not filled: only
    /// requests for word timestamps make it resident, and give it back.
    let alignmentHeads: [AlignmentHead]
    let alignmentScores: FloatBuffer

    init(model: WhisperModel, maximumSequences: Int, alignmentHeads: [AlignmentHead] = []) {
        let d = model.dimensions
        dimensions = d
        self.maximumSequences = maximumSequences
        cache = KeyValueCache(layers: d.decoderLayers, sequences: maximumSequences, positions: d.textPositions, width: d.width)
        crossKeyValues = (0..<d.decoderLayers).map { _ in HalfBuffer(count: d.audioPositions * 2 * d.width) }
        // Resident as written: a greedy search writes one or two rows.
        logits = FloatBuffer(count: 2 * maximumSequences * d.vocabularySize, paging: .onTouch)
        screen = VocabularyScreen(model: model, rows: 2 * maximumSequences)
        self.alignmentHeads = alignmentHeads
        alignmentScores = FloatBuffer(count: alignmentHeads.count * d.textPositions * d.audioPositions, paging: .onTouch)
    }

    var bytes: Int {
        crossKeyValues.reduce(cache.bytes + logits.bytes + alignmentScores.bytes + (screen?.bytes ?? 0)) { $0 + $1.bytes }
    }

    /// Where the scores of `layer`'s `head` go in `alignmentScores`, if it is an alignment head.
    func alignmentSlot(layer: Int, head: Int) -> Int? {
        alignmentHeads.firstIndex(of: AlignmentHead(layer: layer, head: head))
    }

    /// Stores the cross-attention keys and values of the window `encoder`
    /// has just encoded, each layer's by head in float16. After this the
    /// state needs nothing of the encoder, which may go back to its pool.
    func storeCrossAttention(of encoder: AudioEncoder) {
        let d = dimensions
        // A projected row is [keys | values] by head: 2·heads blocks of
        // headWidth, each stored as its own [audioPositions, headWidth].
        let blockFloats = d.audioPositions * d.headWidth
        for layer in 0..<d.decoderLayers {
            let projected = encoder.crossKeysAndValues(layer: layer)
            CPUKernels.parallelRows(2 * d.heads) { _, blocks in
                for block in blocks {
                    let target = crossKeyValues[layer].pointer + block * blockFloats
                    for position in 0..<d.audioPositions {
                        CPUKernels.selected.f32_to_f16(projected + position * 2 * d.width + block * d.headWidth,
                                                       target + position * d.headWidth, d.headWidth)
                    }
                }
            }
        }
    }

    /// One head's cross-attention keys, or values, float16 `[audioPositions, headWidth]`.
    func crossAttention(layer: Int, head: Int, values: Bool) -> UnsafePointer<UInt16> {
        let d = dimensions
        return UnsafePointer(crossKeyValues[layer].pointer) + ((values ? d.heads : 0) + head) * d.audioPositions * d.headWidth
    }

    /// Decoder layer `layer`'s keys and values of every head, as a step reads them.
    func crossAttentionBytes(layer: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: crossKeyValues[layer].pointer, count: crossKeyValues[layer].bytes)
    }

    /// Gives back the memory that sequences from `sequences` on made resident.
    func release(sequencesFrom sequences: Int) {
        cache.release(sequencesFrom: sequences)
        logits.discard(after: 2 * sequences * dimensions.vocabularySize)
    }

    /// Gives back the memory word timestamps made resident.
    func releaseAlignment() { alignmentScores.discard(after: 0) }

    /// Bytes resident in what sequences from `sequences` on use.
    func residentBytes(sequencesFrom sequences: Int) -> Int {
        cache.residentBytes(sequencesFrom: sequences) + logits.residentBytes(after: 2 * sequences * dimensions.vocabularySize)
    }
}
