/// One frame on the stream: a u32 little-endian length, then that many bytes,
/// the first of which is the message type (amanuensis-protocol(7)).
public enum Frame {
    /// Bytes of the length prefix.
    public static let headerSize = 4
    /// The largest frame a peer sends unless configured otherwise.
    public static let defaultMaximumSize = 1 << 20

    /// The frame that carries `body` (type byte first).
    public static func encode(_ body: [UInt8]) -> [UInt8] {
        var writer = WireWriter()
        writer.u32(UInt32(body.count))
        writer.raw(body)
        return writer.bytes
    }
}

/// Cuts a byte stream into frames. `next()` returns nil when it needs more
/// bytes, a body when one is complete, and throws on a length that is zero or
/// over the limit, checked from the header alone, before anything is buffered.
public struct FrameDecoder {
    public let maximumSize: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maximumSize: Int = Frame.defaultMaximumSize) {
        self.maximumSize = maximumSize
    }

    /// Bytes received but not yet returned in a frame.
    public var buffered: Int { buffer.count - start }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer += bytes
    }

    public mutating func next() throws -> [UInt8]? {
        guard buffered >= Frame.headerSize else { return nil }
        let length = (0..<4).reduce(0) { $0 | Int(buffer[start + $1]) << (8 * $1) }
        guard length > 0 else { throw ProtocolError(.malformedFrame, "a frame of length 0") }
        guard length <= maximumSize else {
            throw ProtocolError(.frameTooLarge, "a frame of \(length) bytes; the limit is \(maximumSize)")
        }
        guard buffered >= Frame.headerSize + length else { return nil }
        let body = Array(buffer[(start + Frame.headerSize)..<(start + Frame.headerSize + length)])
        start += Frame.headerSize + length
        return body
    }
}
