/// Splits a fuzzer input into a chunk-size pattern and a payload, so that one
/// input decides both what a streaming decoder is fed and how it is cut up:
/// the decoders under test receive socket reads of arbitrary sizes, and a bug
/// that shows only at one particular boundary must stay reachable.
///
/// Layout: byte 0 gives the pattern length (1 to 8), the next bytes are chunk
/// sizes (0 to 255, used in turn, 0 meaning an empty append), the rest is the
/// payload.
struct ChunkedInput {
    let sizes: [Int]
    let payload: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        let count = Int(bytes.first ?? 0) % 8 + 1
        let pattern = bytes.dropFirst().prefix(count).map(Int.init)
        // All zeros would never make progress; fall back to single bytes.
        sizes = pattern.contains { $0 > 0 } ? pattern : [1]
        payload = bytes.dropFirst(1 + count)
    }

    /// The payload cut by the pattern; concatenated, the chunks are the payload.
    var chunks: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var rest = payload
        var index = 0
        while !rest.isEmpty {
            let size = sizes[index % sizes.count]
            result.append(rest.prefix(size))
            rest = rest.dropFirst(size)
            index += 1
        }
        return result
    }
}

/// The fuzzer's input as an array (libFuzzer owns the memory behind `data`).
func fuzzInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
}

/// `precondition` that also says why in optimized builds, where
/// `precondition` traps without its message.
func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition { fatalError(message(), file: file, line: line) }
}
