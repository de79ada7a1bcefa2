/// Word error rate as the corpus figures are computed: texts lowercased,
/// punctuation dropped, then the word-level edit distance over the
/// reference's length.
enum WordErrorRate {
    static func normalized(_ text: String) -> [Substring] {
        let kept = text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "'" ? $0 : " " }
        return String(kept).split(separator: " ")
    }

    /// Edits (substitutions, insertions, deletions) from `reference` to `hypothesis`.
    static func edits(reference: [Substring], hypothesis: [Substring]) -> Int {
        var previous = Array(0...hypothesis.count)
        for (i, word) in reference.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: hypothesis.count)
            for (j, other) in hypothesis.enumerated() {
                current[j + 1] = min(previous[j] + (word == other ? 0 : 1), previous[j + 1] + 1, current[j] + 1)
            }
            previous = current
        }
        return previous[hypothesis.count]
    }
}
