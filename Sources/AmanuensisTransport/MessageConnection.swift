import AmanuensisProtocol
import Glibc

/// Frames over a `UnixSocket`, in one direction's vocabulary: the daemon
/// reads `ClientMessage`s, a client reads `DaemonMessage`s.
///
/// Descriptors are matched to frames in arrival order: a sender attaches one
/// descriptor to the frame that announces it, and the receiver hands it out
/// with that frame. Descriptors nobody claims are closed with the connection.
public final class MessageConnection: @unchecked Sendable {
    public let socket: UnixSocket
    private var decoder: FrameDecoder
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var descriptors: [Int32] = []

    public init(socket: UnixSocket, maximumFrameSize: Int = Frame.defaultMaximumSize) {
        self.socket = socket
        decoder = FrameDecoder(maximumSize: maximumFrameSize)
    }

    deinit { for descriptor in descriptors { close(descriptor) } }

    /// The next frame's body, or nil at a clean end of stream. A stream that
    /// ends inside a frame is `malformedFrame`; a timeout is `SystemError`
    /// with EAGAIN.
    public func receiveFrame() throws -> [UInt8]? {
        while true {
            if let body = try decoder.next() { return body }
            let received = try socket.receive(into: &buffer)
            descriptors += received.descriptors
            if received.truncated {
                throw ProtocolError(.badRequest, "more descriptors were attached than requests announced")
            }
            if received.count == 0 {
                if decoder.buffered > 0 { throw ProtocolError(.malformedFrame, "the connection closed inside a frame") }
                return nil
            }
            decoder.append(buffer[0..<received.count])
        }
    }

    /// Hands over the oldest descriptor that arrived; the caller owns it.
    public func takeDescriptor() -> Int32? {
        descriptors.isEmpty ? nil : descriptors.removeFirst()
    }

    /// Bytes read but not yet returned, to tell a clean close from a cut one.
    public var isInsideFrame: Bool { decoder.buffered > 0 }

    public func send(_ frame: [UInt8], attaching descriptor: Int32? = nil) throws {
        try socket.send(frame, attaching: descriptor)
    }
}
