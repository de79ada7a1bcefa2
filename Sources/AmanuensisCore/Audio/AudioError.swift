/// Why audio could not be turned into samples. Every malformed input maps to
/// one of these with a message a user can act on, never to a crash.
public struct AudioError: Error, Hashable, CustomStringConvertible, Sendable {
    /// A stable identity for the failure; codes can be added without breaking
    /// callers that match on the ones they know.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        public static let unreadable = Code(name: "unreadable")
        public static let unsupportedFormat = Code(name: "unsupported-format")
        public static let corrupt = Code(name: "corrupt")
        public static let badChannelCount = Code(name: "bad-channel-count")
        public static let badSampleRate = Code(name: "bad-sample-rate")
        public static let empty = Code(name: "empty")
        public static let tooLong = Code(name: "too-long")
        public static let badRawFormat = Code(name: "bad-raw-format")
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
