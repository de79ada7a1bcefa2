/// A word with its place in the audio, as faster-whisper reports it
/// (`word_timestamps=True`): its text with the leading space and any
/// punctuation merged into it, its start and end in seconds, and the mean
/// probability of its tokens.
public struct Word: Hashable, Sendable, Codable {
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
}
