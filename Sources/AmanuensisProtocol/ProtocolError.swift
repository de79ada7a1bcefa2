/// A failure with a stable numeric code, the same on the wire and in the
/// exit status logic of clients. New codes may be added; a client that meets
/// one it does not know treats it as `internal`.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt16
        public let name: String

        public init(rawValue: UInt16) {
            self.rawValue = rawValue
            name = Self.known.first { $0.rawValue == rawValue }?.name ?? "internal"
        }

        private init(_ rawValue: UInt16, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }

        public var description: String { name }

        public static let malformedFrame = Code(1, "malformed-frame")
        public static let unsupportedVersion = Code(2, "unsupported-version")
        public static let frameTooLarge = Code(3, "frame-too-large")
        public static let badRequest = Code(4, "bad-request")
        public static let badAudio = Code(5, "bad-audio")
        public static let audioTooLong = Code(6, "audio-too-long")
        public static let busy = Code(7, "busy")
        public static let timeout = Code(8, "timeout")
        public static let cancelled = Code(9, "cancelled")
        public static let permissionDenied = Code(10, "permission-denied")
        public static let internalError = Code(11, "internal")
        public static let shuttingDown = Code(12, "shutting-down")
        public static let tooManyConnections = Code(13, "too-many-connections")

        public static let known: [Code] = [
            malformedFrame, unsupportedVersion, frameTooLarge, badRequest, badAudio, audioTooLong, busy, timeout,
            cancelled, permissionDenied, internalError, shuttingDown, tooManyConnections,
        ]

        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
