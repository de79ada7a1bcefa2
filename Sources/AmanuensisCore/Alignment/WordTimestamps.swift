/// Word timestamps for the segments of one window, as faster-whisper makes
/// them (`find_alignment`, `add_word_timestamps`, `merge_punctuations`):
/// each word starts where the alignment path reaches its first token and
/// ends where it reaches the next word's; overlong words at sentence and
/// segment boundaries are cut to twice the median word; punctuation joins
/// its neighbour; and each segment's start and end move to its words'.
struct WordTimestamps {
    let splitter: WordSplitter
    /// Carried from window to window: where the last speech ended, in seconds.
    var lastSpeech = 0.0

    static let prepended = "\"'“¿([{-"
    static let appended = "\"'.。,，!！?？:：”)]}、"
    static let sentenceEnds = ".。!！?？"

    private struct Timing {
        var word: String
        var tokens: [Int]
        var start: Double
        var end: Double
        var probability: Double
    }

    /// Gives each piece its words and moves its start and end to them.
    /// `offset` is the window's start in seconds.
    mutating func assign(_ pieces: inout [SegmentSplitter.Piece], alignment: TokenAlignment, text: [Int], language: String?,
                         offset: Double) {
        var timings = Self.timings(splitter.split(text, language: language), alignment)
        let durations = timings.map { $0.end - $0.start }.filter { $0 != 0 }
        let median = min(0.7, Self.median(durations))
        let longest = median * 2
        if !durations.isEmpty {
            for i in timings.indices.dropFirst() where timings[i].end - timings[i].start > longest {
                if Self.sentenceEnds.pythonContains(timings[i].word) {
                    timings[i].end = timings[i].start + longest
                } else if Self.sentenceEnds.pythonContains(timings[i - 1].word) {
                    timings[i].start = timings[i].end - longest
                }
            }
        }
        Self.mergePunctuation(&timings)

        var next = 0
        for index in pieces.indices {
            let tokenCount = pieces[index].tokens.count { $0 < splitter.tokenizer.special.endOfText }
            var words: [Word] = []
            var saved = 0
            while next < timings.count, saved < tokenCount {
                let timing = timings[next]
                if !timing.word.isEmpty {
                    words.append(Word(word: timing.word, start: Self.centiseconds(offset + timing.start),
                                      end: Self.centiseconds(offset + timing.end), probability: timing.probability))
                }
                saved += timing.tokens.count
                next += 1
            }
            guard !words.isEmpty else {
                pieces[index].words = []
                continue
            }
            // The first word after a pause, or the pair it starts, may not be too long.
            if words[0].end - lastSpeech > median * 4,
               words[0].end - words[0].start > longest || (words.count > 1 && words[1].end - words[0].start > longest * 2) {
                if words.count > 1, words[1].end - words[1].start > longest {
                    let boundary = max(words[1].end / 2, words[1].end - longest)
                    words[0].end = boundary
                    words[1].start = boundary
                }
                words[0].start = max(0, words[0].end - longest)
            }
            // The segment's own start and end win over a first or last word that is too long.
            if pieces[index].start < words[0].end, pieces[index].start - 0.5 > words[0].start {
                words[0].start = max(0, min(words[0].end - median, pieces[index].start))
            } else {
                pieces[index].start = words[0].start
            }
            if pieces[index].end > words[words.count - 1].start, pieces[index].end + 0.5 < words[words.count - 1].end {
                words[words.count - 1].end = max(words[words.count - 1].start + median, pieces[index].end)
            } else {
                pieces[index].end = words[words.count - 1].end
            }
            lastSpeech = pieces[index].end
            pieces[index].words = words
        }
        if let end = Self.end(of: pieces) { lastSpeech = end }
    }

    /// The end of the last word of `pieces`, else of the last piece.
    static func end(of pieces: [SegmentSplitter.Piece]) -> Double? {
        pieces.reversed().lazy.compactMap(\.words.last?.end).first ?? pieces.last?.end
    }

    /// `find_alignment`: each word from the path's time at its first token
    /// to the time at the next word's first (end-of-text for the last), with
    /// the mean probability of its tokens.
    private static func timings(_ words: [(word: String, tokens: [Int])], _ alignment: TokenAlignment) -> [Timing] {
        guard !words.isEmpty, alignment.times.count > words.reduce(0, { $0 + $1.tokens.count }) else { return [] }
        var timings: [Timing] = []
        var first = 0
        for (word, tokens) in words {
            let last = first + tokens.count
            let probabilities = alignment.probabilities[first..<last]
            timings.append(Timing(word: word, tokens: tokens, start: alignment.times[first], end: alignment.times[last],
                                  probability: probabilities.reduce(0, +) / Double(probabilities.count)))
            first = last
        }
        return timings
    }

    /// `merge_punctuations`: opening marks join the word after them,
    /// closing marks the word before; the mark's own entry is left empty.
    private static func mergePunctuation(_ timings: inout [Timing]) {
        guard timings.count > 1 else { return }
        var i = timings.count - 2, j = timings.count - 1
        while i >= 0 {
            if timings[i].word.hasPrefix(" "), prepended.pythonContains(timings[i].word.trimmingWhitespace) {
                timings[j].word = timings[i].word + timings[j].word
                timings[j].tokens = timings[i].tokens + timings[j].tokens
                timings[i].word = ""
                timings[i].tokens = []
            } else {
                j = i
            }
            i -= 1
        }
        i = 0
        j = 1
        while j < timings.count {
            if !timings[i].word.hasSuffix(" "), appended.pythonContains(timings[j].word) {
                timings[i].word += timings[j].word
                timings[i].tokens += timings[j].tokens
                timings[j].word = ""
                timings[j].tokens = []
            } else {
                i = j
            }
            j += 1
        }
    }

    /// NumPy's median; 0 for none.
    private static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Python's `round(x, 2)`.
    private static func centiseconds(_ seconds: Double) -> Double { (seconds * 100).rounded(.toNearestOrEven) / 100 }
}
