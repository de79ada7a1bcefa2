import CSystemd

/// sd_notify: readiness, status, stopping and watchdog pings for systemd.
/// Outside systemd (no `NOTIFY_SOCKET`) each call does nothing.
enum Notifier {
    static func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    static func status(_ status: String) { send("STATUS=\(status)") }
    static func reloading() { send("RELOADING=1") }
    static func stopping() { send("STOPPING=1") }
    static func watchdog() { send("WATCHDOG=1") }

    /// The watchdog interval systemd asked for, if any.
    static var watchdogInterval: Double? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return Double(microseconds) / 1_000_000
    }

    private static func send(_ state: String) { _ = sd_notify(0, state) }
}
