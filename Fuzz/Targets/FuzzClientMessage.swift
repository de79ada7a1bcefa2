/// Fuzzes `ClientMessage(decoding:)`, what the daemon makes of every frame
/// body a client sends: any input either decodes or throws `malformedFrame`,
/// and what decodes re-encodes to exactly the same bytes (every message has a
/// fixed shape, so there is one encoding per message) and decodes equal again.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = fuzzInput(data, size)
    let message: ClientMessage
    do {
        message = try ClientMessage(decoding: body)
    } catch let error as ProtocolError {
        require(error.code == .malformedFrame, "decoding failed with \(error)")
        return 0
    } catch {
        fatalError("ClientMessage(decoding:) threw a \(type(of: error)): \(error)")
    }
    let frame = message.encoded()
    require(frame == Frame.encode(body), "\(message) re-encodes to other bytes")
    let again = try? ClientMessage(decoding: Array(frame.dropFirst(Frame.headerSize)))
    require(again == message, "\(message) decodes back as \(String(describing: again))")
    return 0
}
