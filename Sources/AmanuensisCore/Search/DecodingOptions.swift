/// How windows are decoded. The defaults are faster-whisper's
/// `WhisperModel.transcribe` defaults (Docs/whisper-reference.md §6.3) except
/// `beamSize`, which is greedy here: dictation wants latency.
public struct DecodingOptions: Hashable, Sendable {
    /// The spoken language, as a code of the model's (`de`); nil detects it
    /// from the first 30 s window, as faster-whisper does.
    public var language: String?
    public var task: DecodingTask = .transcribe
    /// 1 = greedy search; more = beam search at temperature 0.
    public var beamSize: Int = 1
    /// Beam search stops once `beamSize · patience` hypotheses have finished.
    public var patience: Double = 1
    /// Independent samples drawn at each temperature above 0; the best is kept.
    public var bestOf: Int = 5
    /// The fallback ladder: the next temperature is tried when a window's
    /// result looks like a failure (repetitive or improbable).
    public var temperatures: [Double] = [0, 0.2, 0.4, 0.6, 0.8, 1]
    /// Fallback when zlib compresses the text better than this (repetition).
    public var compressionRatioThreshold: Double? = 2.4
    /// Fallback when the average log-probability per token is below this.
    public var logProbThreshold: Double? = -1
    /// A window whose no-speech probability is above this (and whose text is
    /// improbable) is silence.
    public var noSpeechThreshold: Double? = 0.6
    /// Our rule for beam search, beyond faster-whisper's: when a window's
    /// no-speech probability is above `noSpeechThreshold`, it is also decoded
    /// greedily, and the window is silence if that decode is improbable.
    /// The log-probability threshold is calibrated on greedy and sampled
    /// decodes; beam search finds the likeliest path by construction, so on
    /// silence it writes " You" at −0.84 where greedy search scores −1.18
    /// (tiny.en), and faster-whisper prints it.
    public var greedySilenceCheck = true
    /// Our rule: a window whose loudest 100 ms stays below this level (dBFS)
    /// is silence and is not decoded at all. Speech is never this quiet; digital
    /// silence is, and Whisper hallucinates on it.
    public var silenceLevel: Double? = -60
    /// Feed the previous windows' text as the prompt of the next.
    public var conditionOnPreviousText = true
    /// Stop conditioning after a window that needed a temperature above this.
    public var promptResetOnTemperature: Double = 0.5
    /// Text that primes the first window (names, spelling, style).
    public var initialPrompt: String?
    /// The first timestamp may not be later than this, in seconds.
    public var maximumInitialTimestamp: Double = 1
    /// Forbid a blank or end-of-text as the first generated token.
    public var suppressBlank = true
    /// Decode without timestamp tokens (one segment per window).
    public var withoutTimestamps = false
    /// Time every word, from the cross-attention of the alignment heads
    /// (faster-whisper's `word_timestamps`); off, it costs nothing.
    public var wordTimestamps = false
    /// Seed for sampling at temperatures above 0: the same input and seed give
    /// the same transcript.
    public var seed: UInt64 = 0

    public init() {}

    /// The most sequences valid options decode at once (beam size, best-of).
    public static let maximumSequences = 16

    /// The sequences these options decode at once, at most.
    public var sequences: Int { max(beamSize, bestOf) }

    /// Rejects combinations that cannot work, before any audio is touched.
    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw DecodingError(.invalidOptions, message) }
        }
        let sequences = 1...Self.maximumSequences
        try check(sequences.contains(beamSize), "beam size must be 1 to \(Self.maximumSequences), not \(beamSize)")
        try check(sequences.contains(bestOf), "best-of must be 1 to \(Self.maximumSequences), not \(bestOf)")
        try check(patience > 0 && patience <= 4, "patience must be in (0, 4]")
        try check(!temperatures.isEmpty && temperatures.allSatisfy { $0 >= 0 && $0 <= 2 },
                  "temperatures must be a non-empty list of values in [0, 2]")
        try check(maximumInitialTimestamp >= 0 && maximumInitialTimestamp <= 30, "the maximum initial timestamp must be 0 to 30 s")
        try check(!(wordTimestamps && withoutTimestamps), "word timestamps need the segments' timestamps: not with no timestamps")
    }

    /// `validate()`, and what `model` can do: a language it knows, and
    /// translation only where it is multilingual.
    public func validate(for model: WhisperModel) throws {
        try validate()
        let languages = model.languages
        if let language, !languages.contains(language) {
            if !languages.isMultilingual {
                throw DecodingError(.unsupportedLanguage, "model \(model.name) is English-only; it cannot transcribe '\(language)'")
            }
            throw DecodingError(.unsupportedLanguage,
                                "unknown language '\(language)'; model \(model.name) knows \(languages.codes.joined(separator: " "))")
        }
        if task == .translate, !languages.isMultilingual {
            throw DecodingError(.unsupportedLanguage, "model \(model.name) is English-only; it cannot translate")
        }
        if wordTimestamps, model.alignmentHeads.isEmpty {
            throw DecodingError(.invalidOptions, "model \(model.name) names no alignment heads in its config.json: no word timestamps")
        }
    }
}

/// Why decoding options were refused.
public struct DecodingError: Error, Hashable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public static let invalidOptions = Code(name: "invalid-options")
        /// A language, or translation, the model does not have.
        public static let unsupportedLanguage = Code(name: "unsupported-language")
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
