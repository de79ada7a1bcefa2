/// Text that belongs to the audio before it is decoded: what a live
/// dictation has already committed. Committed text is never revised, so
/// what was said before the audio conditions it as previous text does
/// between windows, and what was committed of the audio itself is forced
/// as the start of its first window: the decode only continues it
/// (faster-whisper's `prefix`, Docs/whisper-reference.md §6.1).
public struct Continuation: Sendable, Hashable {
    /// Tokens of text before the audio, timestamps included.
    public var previous: [Int]
    /// Tokens the first window begins with, timestamps included: segments
    /// as Whisper writes them, times relative to the start of the audio.
    public var prefix: [Int]

    /// The longest prefix: a quarter of the decoder's 448 positions, so the
    /// previous text, the prefix and as many new tokens all fit.
    public static let maximumPrefix = 112

    public init(previous: [Int] = [], prefix: [Int] = []) {
        self.previous = previous
        self.prefix = prefix
    }

    public struct PrefixTooLong: Error, CustomStringConvertible, Sendable {
        public var description: String { "a forced prefix is longer than \(Continuation.maximumPrefix) tokens" }
    }
}
