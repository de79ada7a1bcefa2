/// Whether a window's decode must be retried at the next temperature, and
/// why (faster-whisper `generate_with_fallback`; openai `decode_with_fallback`).
struct FallbackVerdict {
    enum Reason: Equatable {
        /// zlib compresses the text too well: a repetition loop.
        case repetitive
        /// The average log-probability is too low.
        case improbable
    }

    let reasons: [Reason]
    /// The text passed the compression test (it is a candidate when every
    /// temperature fails).
    let compressionPassed: Bool
    /// The model is confident there is no speech, so a poor decode is
    /// expected and retrying would only invent words.
    let isSilence: Bool

    var needsFallback: Bool { !reasons.isEmpty && !isSilence }

    init(_ result: DecodingResult, options: DecodingOptions) {
        var reasons: [Reason] = []
        var compressionPassed = false
        if let threshold = options.compressionRatioThreshold {
            if result.compressionRatio > threshold { reasons.append(.repetitive) } else { compressionPassed = true }
        }
        let improbable = options.logProbThreshold.map { result.averageLogProbability < $0 } ?? false
        if improbable { reasons.append(.improbable) }
        self.reasons = reasons
        self.compressionPassed = compressionPassed
        isSilence = improbable && options.noSpeechThreshold.map { result.noSpeechProbability > $0 } ?? false
    }
}
