/// What decoding one window produced, with the measures the fallback and
/// silence rules read.
struct DecodingResult {
    /// Generated tokens, timestamps included, end-of-text excluded.
    let tokens: [Int]
    /// Sum of the chosen tokens' log-probabilities, end-of-text included.
    let sumLogProbability: Double
    /// Probability of the no-speech token at the start of the transcript.
    let noSpeechProbability: Double
    let temperature: Double
    let text: String

    /// faster-whisper's average: the sum over the tokens plus end-of-text.
    var averageLogProbability: Double { sumLogProbability / Double(tokens.count + 1) }

    var compressionRatio: Double { CompressionRatio.of(text.trimmingWhitespace) }
}

extension String {
    /// The text without leading and trailing whitespace (Python's `strip()`).
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
