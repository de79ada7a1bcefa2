/// Fuzzes `FrameDecoder`, which cuts every byte a peer sends into frames
/// before anything else looks at them.
///
/// The stream is fed in chunks whose sizes come from the input
/// (`ChunkedInput`), and the frames that come out are compared with a plain
/// one-pass reading of the whole stream: chunking must change nothing, neither
/// the frames nor where a bad length stops the stream. A small maximum frame
/// size makes the too-large path as easy to reach as the good one.

let maximumFrameSize = 64

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ChunkedInput(fuzzInput(data, size)[...])
    let expected = Reading(input.payload)

    var decoder = FrameDecoder(maximumSize: maximumFrameSize)
    var frames: [[UInt8]] = []
    var failure: ProtocolError.Code?
    feeding: for chunk in input.chunks {
        decoder.append(chunk)
        do {
            while let body = try decoder.next() { frames.append(body) }
        } catch let error as ProtocolError {
            failure = error.code
            break feeding
        } catch {
            fatalError("FrameDecoder threw a \(type(of: error)): \(error)")
        }
    }
    require(frames == expected.frames, "chunked frames differ: \(frames) vs \(expected.frames)")
    require(failure == expected.failure, "chunked failure \(String(describing: failure)) vs \(String(describing: expected.failure))")
    if failure == nil {
        require(decoder.buffered == expected.leftover, "buffered \(decoder.buffered), expected \(expected.leftover)")
    }
    return 0
}

/// amanuensis-protocol(7) read literally, in one pass over the whole stream.
private struct Reading {
    var frames: [[UInt8]] = []
    var failure: ProtocolError.Code?
    var leftover = 0

    init(_ stream: ArraySlice<UInt8>) {
        var rest = stream
        while rest.count >= 4 {
            let header = Array(rest.prefix(4))
            let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
            if length == 0 { failure = .malformedFrame; return }
            if length > maximumFrameSize { failure = .frameTooLarge; return }
            guard rest.count >= 4 + length else { break }
            frames.append(Array(rest.dropFirst(4).prefix(length)))
            rest = rest.dropFirst(4 + length)
        }
        leftover = rest.count
    }
}
