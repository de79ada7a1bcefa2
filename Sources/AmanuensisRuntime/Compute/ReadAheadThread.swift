import AmanuensisCore
import CPosixShim

extension ReadAhead {
    /// Starts the reader on a thread of its own at idle priority, which
    /// gets a core only when nothing else wants one: beside busy programs it
    /// reads little, and takes nothing from them or from the daemon's
    /// encoders. Where the priority is refused, it does not read at all,
    /// rather than compete with them. `stop` ends it.
    public func startThread() {
        NamedThread.start("amanuensis-read") { [self] in
            guard CPosixShim_run_at_idle_priority() == 0 else { return }
            serve()
        }
    }
}
