/// A window's text tokens cut into words as faster-whisper cuts them
/// (`split_to_word_tokens`): first into the shortest runs of tokens that
/// decode to whole characters, then, in languages written with spaces,
/// those runs are joined into words that start at a space or are
/// punctuation.
struct WordSplitter {
    let tokenizer: Tokenizer

    /// Languages written without spaces between words: every run of whole
    /// characters is a word.
    static let unspaced: Set<String> = ["zh", "ja", "th", "lo", "my", "yue"]
    /// Python's `string.punctuation`.
    static let punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

    func split(_ tokens: [Int], language: String?) -> [(word: String, tokens: [Int])] {
        let runs = wholeCharacters(tokens)
        if let language, Self.unspaced.contains(language) { return runs }
        var words: [(word: String, tokens: [Int])] = []
        for run in runs {
            let stripped = run.word.trimmingWhitespace
            if run.word.hasPrefix(" ") || Self.punctuation.pythonContains(stripped) || words.isEmpty {
                words.append(run)
            } else {
                words[words.count - 1].word += run.word
                words[words.count - 1].tokens += run.tokens
            }
        }
        return words
    }

    /// `split_tokens_on_unicode`: a run ends where its text has no
    /// replacement character, or has one where the whole text has one too.
    private func wholeCharacters(_ tokens: [Int]) -> [(word: String, tokens: [Int])] {
        let whole = Array(tokenizer.decode(tokens).unicodeScalars)
        var runs: [(word: String, tokens: [Int])] = []
        var current: [Int] = []
        var offset = 0
        for token in tokens {
            current.append(token)
            let decoded = tokenizer.decode(current)
            let scalars = Array(decoded.unicodeScalars)
            if let replacement = scalars.firstIndex(of: "\u{FFFD}").map({ $0 + offset }),
               !(replacement < whole.count && whole[replacement] == "\u{FFFD}") {
                continue
            }
            runs.append((decoded, current))
            current = []
            offset += scalars.count
        }
        return runs
    }
}

extension String {
    /// Python's `needle in self`: the empty string is in every string.
    func pythonContains(_ needle: String) -> Bool { needle.isEmpty || contains(needle) }
}
