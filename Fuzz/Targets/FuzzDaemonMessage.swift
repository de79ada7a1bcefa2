/// Fuzzes `DaemonMessage(decoding:)`, what amctl makes of every frame body the
/// daemon sends: any input either decodes or throws `malformedFrame`, and what
/// decodes re-encodes to exactly the same bytes and decodes equal again. The
/// count checks that keep a hostile count from allocating are exercised here.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = fuzzInput(data, size)
    let message: DaemonMessage
    do {
        message = try DaemonMessage(decoding: body)
    } catch let error as ProtocolError {
        require(error.code == .malformedFrame, "decoding failed with \(error)")
        return 0
    } catch {
        fatalError("DaemonMessage(decoding:) threw a \(type(of: error)): \(error)")
    }
    let frame = message.encoded()
    require(frame == Frame.encode(body), "\(message) re-encodes to other bytes")
    let again = try? DaemonMessage(decoding: Array(frame.dropFirst(Frame.headerSize)))
    require(again == message, "\(message) decodes back as \(String(describing: again))")
    return 0
}
