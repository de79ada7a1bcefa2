import AmanuensisCore
import AmanuensisProtocol
import AmanuensisTransport

/// The connections being served, so that a daemon that stops can wait for
/// what they already sent and tell each one why before it exits, instead of
/// letting the exit cut them off.
final class OpenSessions: Sendable {
    private let responders = Locked<[ObjectIdentifier: (responder: Responder, socket: UnixSocket)]>([:])

    func open(_ responder: Responder, socket: UnixSocket) {
        responders.withLock { $0[ObjectIdentifier(responder)] = (responder, socket) }
    }

    func close(_ responder: Responder) { _ = responders.withLock { $0.removeValue(forKey: ObjectIdentifier(responder)) } }

    /// Whether some client's bytes wait unread: a request may be in them.
    var haveUnreadInput: Bool { responders.withLock { $0.values.contains { $0.socket.unreadBytes > 0 } } }

    /// Sends `error` to every open connection; returns how many there were.
    func sayGoodbye(_ error: ProtocolError) -> Int {
        let all = responders.withLock { $0.values.map(\.responder) }
        for responder in all { responder.send(.error(requestID: 0, error)) }
        return all.count
    }
}
