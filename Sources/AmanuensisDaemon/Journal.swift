import AmanuensisCore
import CSystemd
import Foundation

/// Structured logging: one journald record per event through libsystemd
/// when stderr is connected to the journal (`JOURNAL_STREAM` names it),
/// otherwise one `key=value` line on stderr.
final class Journal: Sendable {
    enum Priority: Int {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7
    }

    private let toJournal: Bool
    private let lock = Locked(())

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        toJournal = Self.stderrIsJournal(environment["JOURNAL_STREAM"])
    }

    /// `JOURNAL_STREAM` is "device:inode" of the stream systemd connected;
    /// it only counts if stderr is still that stream.
    private static func stderrIsJournal(_ value: String?) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ":").compactMap { UInt64($0) }
        var status = stat()
        guard parts.count == 2, fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == parts[0] && UInt64(status.st_ino) == parts[1]
    }

    /// Fields are journal field names (upper case); MESSAGE and PRIORITY are added.
    func log(_ priority: Priority, _ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        if toJournal {
            var entries = ["MESSAGE=\(message)", "PRIORITY=\(priority.rawValue)", "SYSLOG_IDENTIFIER=amanuensisd"]
            entries += fields.map { "\($0.key)=\($0.value)" }
            // C copies the vectors point into, freed after the call.
            let copies = entries.map { strdup($0)! }
            defer { copies.forEach { free($0) } }
            var vectors = copies.map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0)) }
            _ = sd_journal_sendv(&vectors, Int32(vectors.count))
        } else {
            var line = "amanuensisd: \(message)"
            for (key, value) in fields { line += " \(key.lowercased())=\(value.contains(" ") ? "\"\(value)\"" : value)" }
            line += "\n"
            lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
        }
    }
}

extension Journal {
    /// "1 stream", "8 streams": a count in a message a person reads.
    static func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
    }
}
