import CZlib

/// How well zlib (level 6, zlib container) compresses a text: Whisper's test
/// for the repetition loops a failing decode falls into. 2.4 is the usual
/// threshold; ordinary sentences score about 1.3.
enum CompressionRatio {
    static func of(_ text: String) -> Double {
        let bytes = Array(text.utf8)
        var length = compressBound(uLong(bytes.count))
        var compressed = [UInt8](repeating: 0, count: Int(length))
        let status = compressed.withUnsafeMutableBufferPointer { output in
            bytes.withUnsafeBufferPointer { input in
                compress2(output.baseAddress, &length, input.baseAddress, uLong(bytes.count), 6)
            }
        }
        precondition(status == Z_OK, "compress2 failed with \(status) on a buffer of compressBound size")
        return Double(bytes.count) / Double(length)
    }
}
