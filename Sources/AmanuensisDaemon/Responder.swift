import AmanuensisCore
import AmanuensisProtocol
import AmanuensisTransport

/// The sending half of a connection, shared by its session thread and the
/// workers that finish its requests: one frame at a time, and once a send
/// fails (the client went away) every later one is dropped quietly.
final class Responder: Sendable {
    private let socket: UnixSocket
    private let state = Locked(true)

    init(socket: UnixSocket) {
        self.socket = socket
    }

    var isOpen: Bool { state.withLock { $0 } }

    func send(_ message: DaemonMessage) {
        let frame = message.encoded()
        state.withLock { open in
            guard open else { return }
            do { try socket.send(frame) } catch { open = false }
        }
    }
}
