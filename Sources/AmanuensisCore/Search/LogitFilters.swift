import AmanuensisKernels

/// The rules applied to a step's logits before a token is chosen, in
/// faster-whisper's order (Docs/whisper-reference.md §6.2): suppressed tokens,
/// suppress-blank at the first step, then the timestamp rules. Masked entries
/// become −∞.
struct LogitFilters {
    let special: SpecialTokens
    let vocabularySize: Int
    /// `config.json` `suppress_ids`: masked at every step.
    let suppressed: [Int]
    /// `suppress_ids_begin` (blank and end-of-text): masked at the first step.
    let suppressedAtBegin: [Int]
    /// nil when decoding without timestamps.
    let maximumInitialTimestamp: Int?

    /// Masks `logits` (one row of `vocabularySize`) for the step after
    /// `generated` (the tokens sampled so far in this window, prompt excluded).
    /// `settleLargest(count)` makes the largest unmasked entry below `count`
    /// exact before a rule weighs it (`VocabularyScreen`). It runs after the
    /// other masks, and the only one that may follow masks every entry below
    /// `count`, above which a screen's entries are exact: once it has run,
    /// the row's largest entry stays settled.
    func apply(_ logits: UnsafeMutablePointer<Float>, generated: ArraySlice<Int>, settleLargest: (_ below: Int) -> Void) {
        for id in suppressed { logits[id] = -.infinity }
        if generated.isEmpty {
            for id in suppressedAtBegin { logits[id] = -.infinity }
        }
        if let maximumInitialTimestamp {
            applyTimestampRules(logits, generated: generated, maximumInitial: maximumInitialTimestamp, settleLargest: settleLargest)
        }
    }

    /// CTranslate2's `ApplyTimestampRules` (src/models/whisper.cc), itself
    /// openai's `ApplyTimestampRules` (whisper/decoding.py).
    private func applyTimestampRules(_ logits: UnsafeMutablePointer<Float>, generated: ArraySlice<Int>, maximumInitial: Int,
                                     settleLargest: (_ below: Int) -> Void) {
        let begin = special.timestampBegin, end = special.timestampEnd
        func mask(_ range: Range<Int>) {
            if !range.isEmpty { (logits + range.lowerBound).update(repeating: -.infinity, count: range.count) }
        }
        logits[special.noTimestamps] = -.infinity
        guard let last = generated.last else {
            // The first token is a timestamp no later than the maximum initial one.
            mask(0..<begin)
            mask(min(begin + maximumInitial + 1, end + 1)..<(end + 1))
            return
        }
        var checkTimestampMass = true
        if last >= begin {
            let penultimate = generated.count >= 2 ? generated[generated.endIndex - 2] : last
            if penultimate >= begin {
                // Two timestamps in a row close a segment: text or EOT must follow.
                mask(begin..<(end + 1))
                checkTimestampMass = false
            } else {
                // A timestamp after text ends the segment: another timestamp
                // (not earlier) or EOT follows, never text.
                mask(0..<special.endOfText)
                mask(begin..<last)
            }
        } else if let previous = generated.last(where: { $0 >= begin }) {
            // Timestamps never go back, and a segment has non-zero length.
            mask(begin..<(previous + 1))
        }
        if checkTimestampMass {
            // If all timestamps together are likelier than any single other
            // token, a timestamp must come next.
            let timestampMass = CPUKernels.selected.logsumexp(logits + begin, end - begin + 1)
            settleLargest(begin)
            let bestOther = logits[am_argmax_f32(logits, begin)]
            if timestampMass > bestOther { mask(0..<begin) }
        }
    }
}
