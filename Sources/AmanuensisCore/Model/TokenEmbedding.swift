import AmanuensisKernels

/// The decoder's `[vocabulary, width]` token embedding, read two ways every
/// step: one row as each token's input, and all of it, tied, as the output
/// projection, the read that dominates a decoding step. float16 as models
/// ship it; in the int8 compute type, int8 rows with a scale each, as
/// CTranslate2 keeps it for both uses (Docs/whisper-reference.md §1.3): half
/// the bytes of that read, and no float16 copy beside them (40 MB for
/// tiny.en).
enum TokenEmbedding: Sendable {
    case half(HalfBuffer)
    case int8(Int8Rows)

    /// Writes `token`'s row, `width` values, to `target` in float32.
    func row(_ token: Int, into target: UnsafeMutablePointer<Float>, width: Int) {
        switch self {
        case .half(let table):
            am_f16_to_f32(table.pointer + token * width, target, width)
        case .int8(let table):
            let scale = table.scales[token]
            let row = table.pointer + token * width
            for column in 0..<width { target[column] = Float(row[column]) * scale }
        }
    }

    /// out[r · count + v] = x[r] · row v, for the `rows` rows of x (width
    /// wide) and the entries `vocabulary` of a table `count` long.
    func project(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                 vocabulary: Range<Int>, count: Int) {
        switch self {
        case .half(let table):
            CPUKernels.selected.dot_rows_f16(table.pointer, x, out, rows, width, vocabulary.lowerBound,
                                             vocabulary.upperBound, count, 0)
        case .int8(let table):
            CPUKernels.selected.dot_rows_s8(table.pointer, table.scales.pointer, x, out, rows, width,
                                            vocabulary.lowerBound, vocabulary.upperBound, count, 0)
        }
    }

    var bytes: Int {
        switch self {
        case .half(let table): table.bytes
        case .int8(let table): table.bytes
        }
    }
}
