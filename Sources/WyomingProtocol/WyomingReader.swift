import Foundation

/// Reads Wyoming events from a byte stream, every length bounded before
/// anything is allocated for it: a peer cannot make the gateway hold more
/// than one header line, one data block and one payload at their limits.
public struct WyomingReader {
    public static let maximumHeaderBytes = 16 * 1024
    public static let maximumDataBytes = 64 * 1024
    /// Ten seconds of 48 kHz stereo 16-bit audio: far above any chunk a peer sends.
    public static let maximumPayloadBytes = 2 * 1024 * 1024

    /// Why the stream cannot be read on: the peer is told, then the connection closes.
    public struct Malformed: Error {
        public let text: String
        public let code: String
    }

    private let read: (UnsafeMutableRawBufferPointer) throws -> Int
    /// Bytes `start..<end` are read and not yet taken; the rest is room for
    /// reads. It starts at a page (a header and a chunk of audio) and grows
    /// only for what an event needs, at least doubling.
    private var buffer = [UInt8](repeating: 0, count: 4096)
    private var start = 0
    private var end = 0

    /// `read` fills the buffer it is given and returns the bytes read, 0 at the end.
    public init(read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        self.read = read
    }

    /// Bytes read and not yet taken: an event may be waiting without the socket being readable.
    public var hasBufferedBytes: Bool { start < end }

    /// The next event; nil when the stream ends between events.
    public mutating func next() throws -> WyomingEvent? {
        guard let line = try takeLine() else { return nil }
        let header: [String: JSONValue]
        do {
            header = try JSONDecoder().decode([String: JSONValue].self, from: Data(line))
        } catch {
            throw Malformed(text: "a header that is not a JSON object", code: "bad-header")
        }
        guard let type = header["type"]?.string, !type.isEmpty else {
            throw Malformed(text: "a header without a type", code: "bad-header")
        }
        var event = WyomingEvent(type: type, data: header["data"]?.object ?? [:])
        let dataLength = try length(header["data_length"], name: "data_length", limit: Self.maximumDataBytes)
        if dataLength > 0 {
            let bytes = try take(dataLength)
            guard let data = try? JSONDecoder().decode([String: JSONValue].self, from: Data(bytes)) else {
                throw Malformed(text: "\(type): its data is not a JSON object", code: "bad-data")
            }
            event.data.merge(data) { $1 }
        }
        let payloadLength = try length(header["payload_length"], name: "payload_length", limit: Self.maximumPayloadBytes)
        if payloadLength > 0 { event.payload = try take(payloadLength) }
        return event
    }

    private func length(_ value: JSONValue?, name: String, limit: Int) throws -> Int {
        guard let value, value != .null else { return 0 }
        guard let count = value.integer, count >= 0 else {
            throw Malformed(text: "\(name) is not a length", code: "bad-header")
        }
        guard count <= limit else {
            throw Malformed(text: "\(name) of \(count) bytes; the limit is \(limit)", code: "too-large")
        }
        return count
    }

    private mutating func takeLine() throws -> ArraySlice<UInt8>? {
        // Bytes after `start` already searched: a refill moves `start`.
        var scanned = 0
        while true {
            if let newline = buffer[(start + scanned)..<end].firstIndex(of: 0x0A) {
                // However the bytes arrived: the limit is the line's, not a read's.
                guard newline - start <= Self.maximumHeaderBytes else { throw lineTooLong }
                defer { start = newline + 1 }
                return buffer[start..<newline]
            }
            scanned = end - start
            guard end - start <= Self.maximumHeaderBytes else { throw lineTooLong }
            guard try fill(needing: end - start + 1) else {
                if start == end { return nil }
                throw Malformed(text: "the stream ended inside a header line", code: "truncated")
            }
        }
    }

    private var lineTooLong: Malformed {
        Malformed(text: "a header line longer than \(Self.maximumHeaderBytes) bytes", code: "too-large")
    }

    private mutating func take(_ count: Int) throws -> [UInt8] {
        while end - start < count {
            guard try fill(needing: count) else { throw Malformed(text: "the stream ended inside an event", code: "truncated") }
        }
        defer { start += count }
        return Array(buffer[start..<start + count])
    }

    /// Reads more into the room after `end`, first making room for `needed`
    /// bytes from `start` (moving the unread bytes to the front, or growing
    /// the buffer: `needed` is within the limits, so the buffer stays under
    /// twice the largest event); false at the end of the stream. A peer
    /// sending a byte at a time costs a byte's work per read.
    private mutating func fill(needing needed: Int) throws -> Bool {
        if buffer.count - start < needed || end == buffer.count {
            buffer.withUnsafeMutableBytes { bytes in
                bytes.baseAddress!.copyMemory(from: bytes.baseAddress! + start, byteCount: end - start)
            }
            end -= start
            start = 0
            if buffer.count < needed {
                buffer.append(contentsOf: repeatElement(0, count: max(needed, 2 * buffer.count) - buffer.count))
            }
        }
        // Through the whole array: a mutated slice of it would be a copy.
        let count = try buffer.withUnsafeMutableBytes { try read(UnsafeMutableRawBufferPointer(rebasing: $0[end...])) }
        end += count
        return count > 0
    }
}
