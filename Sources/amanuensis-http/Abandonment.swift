import AmanuensisTransport
import Synchronization

/// Tells a request's daemon conversation that its client has gone: the
/// daemon connection is shut down, which ends the wait for its answer on
/// the pool thread and makes the daemon cancel the job, as it does for any
/// client that goes away.
final class Abandonment: Sendable {
    private let state = Mutex<(abandoned: Bool, daemon: UnixSocket?)>((false, nil))

    /// The connection to shut down if the client goes; shut at once if it has.
    func attach(_ daemon: UnixSocket) {
        let abandoned = state.withLock { state in
            state.daemon = daemon
            return state.abandoned
        }
        if abandoned { daemon.shutdown() }
    }

    func abandon() {
        let daemon = state.withLock { state in
            state.abandoned = true
            return state.daemon
        }
        daemon?.shutdown()
    }
}
