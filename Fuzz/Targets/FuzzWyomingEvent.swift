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
    let chunked = readAll(input.chunks.filter { !$0.isEmpty })
    let whole = readAll(input.payload.isEmpty ? [] : [input.payload])
    require(chunked.events == whole.events, "chunked events differ: \(chunked.events) vs \(whole.events)")
    require(chunked.failure == whole.failure, "chunked failure \(String(describing: chunked.failure)) vs \(String(describing: whole.failure))")
    for event in chunked.events {
        require(event.payload.count <= WyomingReader.maximumPayloadBytes, "a payload of \(event.payload.count) bytes")
        let again = readAll([try! event.encoded()[...]])
        require(again.events == [event] && again.failure == nil, "\(event) reads back as \(again)")
    }
    return 0
}

/// The events of a stream that arrives in `reads`, and the error that stopped it.
private func readAll(_ reads: [ArraySlice<UInt8>]) -> (events: [WyomingEvent], failure: String?) {
    var pending = reads[...]
    var reader = WyomingReader { buffer in
        guard let next = pending.first else { return 0 }
        let count = min(next.count, buffer.count)
        buffer.copyBytes(from: next.prefix(count))
        pending[pending.startIndex] = next.dropFirst(count)
        if pending[pending.startIndex].isEmpty { pending = pending.dropFirst() }
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
