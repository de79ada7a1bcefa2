/// Text with its place in the audio, in seconds from the start of a
/// dictation: what a dictation commits, shows as its tail, and ends with.
public struct TimedText: Hashable, Sendable {
    public var start: Double
    public var end: Double
    public var text: String

    public init(start: Double, end: Double, text: String) {
        self.start = start
        self.end = end
        self.text = text
    }
}
