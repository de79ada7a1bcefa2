import AmanuensisRuntime
import Foundation
import Glibc

/// Signals are handled on one thread with sigwait, so the handlers are
/// ordinary code: SIGTERM and SIGINT stop the daemon, SIGHUP reloads.
/// `blockHandledSignals()` must run before any other thread starts, so that
/// every thread inherits the mask and no signal lands elsewhere.
enum Signals {
    enum Event: Sendable { case stop(Int32), reload }

    private static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    static func blockHandledSignals() {
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    static func startListening(_ handler: @escaping @Sendable (Event) -> Void) {
        NamedThread.start("amanuensisd-signals") {
            var set = sigset_t()
            sigemptyset(&set)
            for signal in handled { sigaddset(&set, signal) }
            while true {
                var received: Int32 = 0
                guard sigwait(&set, &received) == 0 else { continue }
                handler(received == SIGHUP ? .reload : .stop(received))
            }
        }
    }
}
