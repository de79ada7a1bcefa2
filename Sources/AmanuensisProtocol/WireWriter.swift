/// Appends little-endian integers, floats and length-prefixed strings to a
/// byte buffer: the encoding of every message body (amanuensis-protocol(7)).
public struct WireWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ value: UInt8) { bytes.append(value) }
    public mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    public mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    public mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    public mutating func f64(_ value: Double) { u64(value.bitPattern) }
    public mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    /// A u32 byte count, then the UTF-8 bytes.
    public mutating func string(_ value: String) {
        u32(UInt32(value.utf8.count))
        bytes += value.utf8
    }

    public mutating func raw(_ value: some Sequence<UInt8>) { bytes += value }
}
