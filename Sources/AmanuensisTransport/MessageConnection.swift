import AmanuensisProtocol
import Glibc

/// Frames over a `UnixSocket`, in one direction's vocabulary: the daemon
/// reads `ClientMessage`s, a client reads `DaemonMessage`s.
///
/// Descriptors are matched to frames in arrival order: a sender attaches one
/// descriptor to the frame that announces it, and the receiver hands it out
/// with that frame. Descriptors nobody claims are closed with the connection.
///
/// Not Sendable: its receive state belongs to the one thread that reads.
/// Other threads send through the `socket`, which is.
public final class MessageConnection {
    public let socket: UnixSocket
    private var decoder: FrameDecoder
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var descriptors: [Int32] = []
    /// When the first byte of the frame now being received arrived; nil
    /// between frames. A frame's deadline runs from here, not from its
    /// latest byte, so a peer cannot hold a frame open a byte at a time.
    public private(set) var frameStarted: ContinuousClock.Instant?

    public init(socket: UnixSocket, maximumFrameSize: Int = Frame.defaultMaximumSize) {
        self.socket = socket
        decoder = FrameDecoder(maximumSize: maximumFrameSize)
    }

    deinit { for descriptor in descriptors { close(descriptor) } }

    /// The next frame's body, or nil at a clean end of stream. A stream that
    /// ends inside a frame is `malformedFrame`; a receive timeout is
    /// `SystemError` with EAGAIN; a frame still incomplete `frameLimit` after
    /// its first byte is `timeout`, however steadily its bytes trickle in.
    public func receiveFrame(frameLimit: Duration? = nil) throws -> [UInt8]? {
        while true {
            if let frameLimit, let frameStarted, ContinuousClock.now - frameStarted > frameLimit {
                throw ProtocolError(.timeout, "no complete frame within \(frameLimit)")
            }
            if let body = try decoder.next() {
                frameStarted = decoder.buffered > 0 ? .now : nil
                return body
            }
            let received = try socket.receive(into: &buffer)
            descriptors += received.descriptors
            if received.truncated {
                throw ProtocolError(.badRequest, "more descriptors were attached than requests announced")
            }
            if received.count == 0 {
                if decoder.buffered > 0 { throw ProtocolError(.malformedFrame, "the connection closed inside a frame") }
                return nil
            }
            if decoder.buffered == 0 { frameStarted = .now }
            decoder.append(buffer[0..<received.count])
        }
    }

    /// Whether received bytes wait in the decoder: a caller that polls the
    /// socket reads frames while this holds, as the socket may have nothing more.
    public var hasBufferedBytes: Bool { decoder.buffered > 0 }

    /// Hands over the oldest descriptor that arrived; the caller owns it.
    public func takeDescriptor() -> Int32? {
        descriptors.isEmpty ? nil : descriptors.removeFirst()
    }

    public func send(_ frame: [UInt8], attaching descriptor: Int32? = nil) throws {
        try socket.send(frame, attaching: descriptor)
    }
}
