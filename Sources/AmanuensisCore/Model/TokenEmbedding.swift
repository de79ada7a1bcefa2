import AmanuensisKernels

/// The decoder's `[vocabulary, width]` token embedding, read two ways every
/// step: one row as each token's input, and all of it, tied, as the output
/// projection, the read that dominates a decoding step.
///
/// Every compute type but int8 reads it in float16, as models ship it,
/// beside an int8 copy (`screened`, `ComputeType.embedding`): a step projects
/// through the int8 rows, whose error is bounded, and the entries that can
/// still be chosen are projected again from float16 (`VocabularyScreen`), so
/// greedy and beam search choose float16's tokens for half the bytes read.
/// The float16 text rows are read from the model file as needed
/// (`HalfRows`), since a step reads few. The int8 type keeps int8 rows with
/// a scale each, as CTranslate2 keeps it for both uses
/// (Docs/whisper-reference.md §1.3), and no float16 rows beside them.
enum TokenEmbedding: Sendable {
    case int8(Int8Rows)
    case screened(HalfRows, Int8Rows)

    /// Writes `token`'s row, `width` values, to `target` in float32.
    func row(_ token: Int, into target: UnsafeMutablePointer<Float>, width: Int) {
        switch self {
        case .screened(let table, _):
            table.runs(token..<(token + 1)) { _, row in CPUKernels.selected.f16_to_f32(row, target, width) }
        case .int8(let table):
            table.widen(token..<(token + 1), into: target)
        }
    }

    /// out[r · count + v] = x[r] · row v, for the `rows` rows of x (width
    /// wide) and the entries `vocabulary` of a table `count` long; a screened
    /// table gives the entries below `approximateBelow` through its int8 rows.
    func project(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                 vocabulary: Range<Int>, count: Int, approximateBelow: Int) {
        switch self {
        case .int8(let table):
            Self.project(table, x, into: out, rows: rows, width: width, vocabulary: vocabulary, count: count)
        case .screened(let exact, let screen):
            let split = min(max(approximateBelow, vocabulary.lowerBound), vocabulary.upperBound)
            Self.project(screen, x, into: out, rows: rows, width: width, vocabulary: vocabulary.lowerBound..<split, count: count)
            Self.project(exact, x, into: out, rows: rows, width: width, vocabulary: split..<vocabulary.upperBound, count: count)
        }
    }

    static func project(_ table: HalfRows, _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                        rows: Int, width: Int, vocabulary: Range<Int>, count: Int) {
        table.runs(vocabulary) { run, first in
            CPUKernels.selected.dot_rows_f16(first, x, out + run.lowerBound, rows, width, 0, run.count, count, 0)
        }
    }

    private static func project(_ table: Int8Rows, _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                rows: Int, width: Int, vocabulary: Range<Int>, count: Int) {
        guard !vocabulary.isEmpty else { return }
        CPUKernels.selected.dot_rows_s8(table.pointer, table.scales.pointer, x, out, rows, width,
                                        vocabulary.lowerBound, vocabulary.upperBound, count, 0)
    }

    /// Bytes of memory of its own (float16 rows left in the model file are not).
    var bytes: Int {
        switch self {
        case .int8(let table): table.bytes
        case .screened(let exact, let screen): exact.bytes + screen.bytes
        }
    }
}
