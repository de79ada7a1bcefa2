/// Fuzzes `WyomingReader`, which cuts every byte a Wyoming peer sends into
/// events before amanuensis-wyoming looks at them.
///
/// The stream arrives in reads whose sizes come from the input
/// (`ChunkedInput`), and must give the same events, and stop at the same
/// error, as one read of the whole stream. Every event read is written back
/// with `encoded()` and must read back as itself: what the gateway sends
/// its peers is what it would accept from them.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ChunkedInput(fuzzInput(data, size)[...])
    let chunked = readAll(input.payload, sizes: input.sizes)
    let whole = readAll(input.payload, sizes: [input.payload.count])
    require(chunked.events == whole.events, "chunked events differ: \(chunked.events) vs \(whole.events)")
    require(chunked.failure == whole.failure, "chunked failure \(String(describing: chunked.failure)) vs \(String(describing: whole.failure))")
    for event in chunked.events {
        require(event.payload.count <= WyomingReader.maximumPayloadBytes, "a payload of \(event.payload.count) bytes")
        let encoded = try! event.encoded()[...]
        let again = readAll(encoded, sizes: [encoded.count])
        require(again.events == [event] && again.failure == nil, "\(event) reads back as \(again)")
    }
    return 0
}

/// The events of `stream`, arriving in chunks of `sizes` bytes in turn (as
/// `ChunkedInput.chunks` cuts it; a chunk larger than a read's room comes in
/// several reads), and the error that stopped it.
private func readAll(_ stream: ArraySlice<UInt8>, sizes: [Int]) -> (events: [WyomingEvent], failure: String?) {
    var offset = stream.startIndex, turn = 0, leftInChunk = 0
    var reader = WyomingReader { buffer in
        guard offset < stream.endIndex else { return 0 }
        while leftInChunk == 0 {
            leftInChunk = sizes[turn % sizes.count]
            turn += 1
        }
        let count = min(leftInChunk, buffer.count, stream.endIndex - offset)
        buffer.copyBytes(from: stream[offset..<offset + count])
        offset += count
        leftInChunk -= count
        return count
    }
    var events: [WyomingEvent] = []
    do {
        while let event = try reader.next() { events.append(event) }
        return (events, nil)
    } catch let malformed as WyomingReader.Malformed {
        return (events, malformed.code)
    } catch {
        fatalError("WyomingReader threw a \(type(of: error)): \(error)")
    }
}
