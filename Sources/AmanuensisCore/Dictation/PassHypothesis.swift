/// One dictation pass read as a run of text tokens, each with the segment
/// it belongs to: the form in which two passes are compared. Timestamp
/// tokens are left out; the segments' times stay, relative to the pass's
/// first sample.
struct PassHypothesis {
    var tokens: [Int] = []
    /// For each token, its segment's index in `spans`.
    var segment: [Int] = []
    var spans: [(start: Double, end: Double)] = []

    init(_ segments: [Segment], special: SpecialTokens) {
        for piece in segments {
            let text = piece.tokens.filter { !special.isTimestamp($0) && $0 < special.endOfText }
            guard !text.isEmpty else { continue }
            spans.append((piece.start, piece.end))
            tokens += text
            segment += Array(repeating: spans.count - 1, count: text.count)
        }
    }

    /// Where token `index` lies: Whisper times segments, not tokens, so a
    /// token gets an equal share of its segment.
    func time(of index: Int) -> (start: Double, end: Double) {
        let span = spans[segment[index]]
        let first = segment.firstIndex(of: segment[index])!
        let count = segment[first...].prefix { $0 == segment[index] }.count
        let share = (span.end - span.start) / Double(count)
        return (span.start + share * Double(index - first), span.start + share * Double(index - first + 1))
    }

    /// Leaves out the first `count` tokens (text that left the buffer) and
    /// times the rest from `seconds` later.
    mutating func dropFirst(_ count: Int, seconds: Double) {
        tokens.removeFirst(count)
        segment.removeFirst(count)
        spans = spans.map { ($0.start - seconds, $0.end - seconds) }
    }

    /// Whether a new segment starts at token `index`.
    func startsSegment(_ index: Int) -> Bool { index == 0 || segment[index] != segment[index - 1] }
}
