/// Reads what `WireWriter` wrote, checking every length against the bytes
/// that remain: a hostile body can make a read fail, never overrun.
public struct WireReader {
    private let bytes: ArraySlice<UInt8>
    private var offset: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    public var remaining: Int { bytes.endIndex - offset }

    private mutating func take(_ count: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw ProtocolError(.malformedFrame, "the message ends inside its \(what)")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    private mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        let slice = try take(MemoryLayout<T>.size, what)
        return slice.reversed().reduce(T(0)) { ($0 << 8) | T($1) }
    }

    public mutating func u8(_ what: String) throws -> UInt8 { try integer(UInt8.self, what) }
    public mutating func u16(_ what: String) throws -> UInt16 { try integer(UInt16.self, what) }
    public mutating func u32(_ what: String) throws -> UInt32 { try integer(UInt32.self, what) }
    public mutating func u64(_ what: String) throws -> UInt64 { try integer(UInt64.self, what) }

    /// The largest magnitude a number on the wire may have. Every f64 of
    /// the protocol is a time in seconds or milliseconds, and a reader may
    /// scale it (to milliseconds, to a whole number) without overflowing.
    public static let largestNumber = 1e12

    public mutating func f64(_ what: String) throws -> Double {
        let value = Double(bitPattern: try u64(what))
        guard value.isFinite, abs(value) <= Self.largestNumber else {
            throw ProtocolError(.malformedFrame, "\(what) is not a finite number within ±1e12")
        }
        return value
    }

    public mutating func bool(_ what: String) throws -> Bool {
        switch try u8(what) {
        case 0: false
        case 1: true
        case let other: throw ProtocolError(.malformedFrame, "\(what) is \(other), not 0 or 1")
        }
    }

    /// A string of at most `limit` bytes, which must be valid UTF-8.
    public mutating func string(_ what: String, limit: Int = 1 << 16) throws -> String {
        let count = Int(try u32("length of \(what)"))
        guard count <= limit else { throw ProtocolError(.malformedFrame, "\(what) is longer than \(limit) bytes") }
        let slice = try take(count, what)
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw ProtocolError(.malformedFrame, "\(what) is not valid UTF-8")
        }
        return text
    }

    public mutating func rest() -> ArraySlice<UInt8> {
        defer { offset = bytes.endIndex }
        return bytes[offset...]
    }

    /// Fails when bytes are left over: every message has a fixed shape.
    public func finish(_ message: String) throws {
        guard remaining == 0 else { throw ProtocolError(.malformedFrame, "\(remaining) stray bytes after \(message)") }
    }
}
