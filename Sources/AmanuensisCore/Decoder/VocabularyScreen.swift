import AmanuensisKernels

/// Makes exact the logits a search can choose between, when a screened
/// embedding gave them (`TokenEmbedding.screened`): the text tokens' entries
/// come from int8 rows, each within scale[v] · bound of float16's value, and
/// `settle` projects again from float16 every entry that could be among the
/// largest a search reads. Greedy search's token, the timestamp rule's best
/// other token and each beam's `size + 1` candidates are then float16's; the
/// normalizers (a step's log-probability, the no-speech probability) sum the
/// far entries within their bounds, and sampling draws among them. The
/// special and timestamp tokens, which the timestamp rules weigh as a whole,
/// always come from float16 (`approximateEntries`).
///
/// The bound of a row of x: an int8 row differs from the float16 row by at
/// most half its scale in each weight, so the product by scale · Σ|x| / 2;
/// the one-row kernel rounds x to units of max|x| / 32767 (dot_rows.c), at
/// most scale · 127 · width · unit / 2 more. The float rounding of the two
/// sums is within 508 · width · 2⁻²⁴ of that (Σ|w·x| is at most 254 times
/// it); the margin is twice as much.
///
/// One per decoder state, sized for its logit rows; used by one stream at a time.
final class VocabularyScreen {
    /// The screened embedding's float16 rows, and its int8 rows (for their scales).
    private let exact: HalfRows
    private let screen: Int8Rows
    private var scales: UnsafePointer<Float> { UnsafePointer(screen.scales.pointer) }
    private let approximateBelow: Int
    private let width: Int
    private let vocabularySize: Int
    /// `[rows, width]`: each logit row's final row of x, as projected.
    private let rows: FloatBuffer
    private var bounds: [Float]
    private let candidates: UnsafeMutablePointer<Int>

    /// The entries a screened embedding gives approximately: the text
    /// tokens, before end-of-text.
    static func approximateEntries(_ special: SpecialTokens) -> Int { special.endOfText }

    /// nil unless the model's embedding is screened.
    init?(model: WhisperModel, rows: Int) {
        guard case .screened(let exact, let screen) = model.weights.embedding else { return nil }
        let d = model.dimensions
        self.exact = exact
        self.screen = screen
        approximateBelow = Self.approximateEntries(model.tokenizer.special)
        width = d.width
        vocabularySize = d.vocabularySize
        self.rows = FloatBuffer(count: rows * d.width)
        bounds = Array(repeating: 0, count: rows)
        candidates = .allocate(capacity: approximateBelow)
    }

    deinit { candidates.deallocate() }

    var bytes: Int { rows.bytes + approximateBelow * MemoryLayout<Int>.stride }

    /// Keeps `x`, the final row projected into logit row `row`, and its bound.
    func record(row: Int, x: UnsafePointer<Float>) {
        var magnitude: Float = 0, largest: Float = 0
        for i in 0..<width {
            magnitude += abs(x[i])
            largest = max(largest, abs(x[i]))
        }
        let unit = largest / 32767
        bounds[row] = (magnitude / 2 + 127 * Float(width) * unit / 2) * (1 + Float(width) * 0x1p-14)
        (rows.pointer + row * width).update(from: x, count: width)
    }

    /// Logit row `source`'s x and bound, now also logit row `target`'s.
    func copy(row source: Int, to target: Int) {
        bounds[target] = bounds[source]
        (rows.pointer + target * width).update(from: rows.pointer + source * width, count: width)
    }

    /// How far entry `entry` of logit row `row` may be from float16's value as projected.
    func bound(row: Int, entry: Int) -> Float { entry < approximateBelow ? scales[entry] * bounds[row] : 0 }

    /// Makes exact, in `logits` (logit row `row`), every unmasked entry below
    /// `count` that may be among the `top` largest there. A mask after it may
    /// leave a largest entry that was not among them: settle after masking.
    func settle(row: Int, logits: UnsafeMutablePointer<Float>, below count: Int, top: Int) {
        precondition((1...Int(AM_SCREEN_TOP)).contains(top), "a screen settles 1…\(AM_SCREEN_TOP) largest entries")
        let found = CPUKernels.selected.screen_candidates(logits, scales, bounds[row], approximateBelow, count, top,
                                                          candidates, approximateBelow)
        for index in 0..<min(found, approximateBelow) { exact(row: row, logits: logits, entry: candidates[index]) }
    }

    /// Makes entry `entry` of `logits` (logit row `row`) exact.
    func exact(row: Int, logits: UnsafeMutablePointer<Float>, entry: Int) {
        guard entry < approximateBelow else { return }
        TokenEmbedding.project(exact, rows.pointer + row * width, into: logits, rows: 1, width: width,
                               vocabulary: entry..<(entry + 1), count: vocabularySize)
    }
}
