import AmanuensisKernels
import Foundation

/// The language a window is spoken in, and how sure the model is.
public struct DetectedLanguage: Hashable, Sendable {
    public let code: String
    public let probability: Double

    public init(code: String, probability: Double) {
        self.code = code
        self.probability = probability
    }
}

extension TokenSearch {
    /// CTranslate2's `detect_language`, as faster-whisper calls it on the
    /// first window: one decoder step on `<|startoftranscript|>` over the
    /// encoded window, then the softmax over the language tokens' logits
    /// alone; the most probable wins.
    func detectLanguage(_ languages: Languages) throws -> DetectedLanguage {
        precondition(languages.isMultilingual)
        return try runner.searching {
            forward(tokens: [filters.special.startOfTranscript], sequences: 1, position: 0, logitRows: [0])
            let logits = state.logits.pointer
            var best = 0
            var maximum = -Float.infinity
            for (index, token) in languages.tokens.enumerated() where logits[token] > maximum {
                maximum = logits[token]
                best = index
            }
            var sum = 0.0
            for token in languages.tokens { sum += Double(exp(logits[token] - maximum)) }
            guard maximum.isFinite, sum.isFinite else { throw NonFiniteScores() }
            return DetectedLanguage(code: languages.codes[best], probability: 1 / sum)
        }
    }
}
