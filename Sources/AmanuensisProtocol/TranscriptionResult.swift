/// A finished transcription as it travels back to the client.
public struct TranscriptionResult: Hashable, Sendable {
    public struct Segment: Hashable, Sendable {
        /// Seconds from the start of the audio.
        public var start: Double
        public var end: Double
        public var text: String
        /// When word timestamps were asked for.
        public var words: [Word]

        public init(start: Double, end: Double, text: String, words: [Word] = []) {
            self.start = start
            self.end = end
            self.text = text
            self.words = words
        }

        /// The text without Whisper's leading space (for subtitles).
        public var trimmedText: String { text.trimmingCharacters(in: " ") }
    }

    /// A word and its time: its text as in the segment's, with its leading
    /// space and the punctuation merged into it, and the mean probability of
    /// its tokens.
    public struct Word: Hashable, Sendable {
        public var word: String
        public var start: Double
        public var end: Double
        public var probability: Double

        public init(word: String, start: Double, end: Double, probability: Double) {
            self.word = word
            self.start = start
            self.end = end
            self.probability = probability
        }

        /// The word without Whisper's leading space (for subtitles).
        public var trimmedWord: String { word.trimmingCharacters(in: " ") }
    }

    /// One node of the request's timing tree, keyed by its dotted path
    /// (`total`, `total.encoder`, …).
    public struct Timing: Hashable, Sendable {
        public var path: String
        public var milliseconds: Double
        public var count: UInt32
        /// Further figures of the node, such as `tokens`, `ms_per_token`, `seek_s`.
        public var extras: [Extra]

        public init(path: String, milliseconds: Double, count: UInt32, extras: [Extra] = []) {
            self.path = path
            self.milliseconds = milliseconds
            self.count = count
            self.extras = extras
        }
    }

    public struct Extra: Hashable, Sendable {
        public var name: String
        public var value: Double

        public init(_ name: String, _ value: Double) {
            self.name = name
            self.value = value
        }
    }

    public var requestID: UInt32
    /// Seconds of audio transcribed.
    public var duration: Double
    /// The language the audio was decoded as (empty when none was heard),
    /// and the probability the model gave it when it was detected (1 when
    /// it was given or the model is English-only).
    public var language: String
    public var languageProbability: Double
    public var segments: [Segment]
    /// Empty unless the request asked for timing.
    public var timings: [Timing]

    public init(requestID: UInt32, duration: Double, language: String, languageProbability: Double, segments: [Segment],
                timings: [Timing]) {
        self.requestID = requestID
        self.duration = duration
        self.language = language
        self.languageProbability = languageProbability
        self.segments = segments
        self.timings = timings
    }

    /// The transcript as one line of text, without Whisper's leading space.
    public var text: String {
        segments.map(\.text).joined().trimmingCharacters(in: " ")
    }
}

extension String {
    func trimmingCharacters(in character: Character) -> String {
        guard let first = firstIndex(where: { $0 != character }), let last = lastIndex(where: { $0 != character }) else { return "" }
        return String(self[first...last])
    }
}
