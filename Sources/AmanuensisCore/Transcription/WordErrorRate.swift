/// Word errors as the corpus figures count them (the corpus README's
/// normalization: lower case, hyphens to spaces, only a–z, 0–9 and the
/// apostrophe kept, whitespace collapsed), for the tests and the benchmarks
/// that hold transcripts against references or against each other.
public enum WordErrorRate {
    public static func normalize(_ text: String) -> [String] {
        let kept = text.lowercased().unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "0"..."9", "'": Character(scalar)
            case " ", "\t", "\n", "\r", "-": " "
            default: "\u{0}"
            }
        }
        return String(kept.filter { $0 != "\u{0}" }).split(separator: " ").map(String.init)
    }

    /// Words in any script: lower case, every character but a letter, a
    /// digit or an apostrophe a space (the multilingual clips'
    /// normalization, Tools/reference/languages.py).
    public static func words(_ text: String) -> [String] {
        let kept = text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "'" ? $0 : " " }
        return String(kept).split(separator: " ").map(String.init)
    }

    /// Word-level edit distance between a reference and a hypothesis.
    public static func errors(reference: [String], hypothesis: [String]) -> Int {
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
