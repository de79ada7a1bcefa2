import Foundation

/// A process's memory from /proc (the daemon, found through the socket's
/// peer credentials, or this one); 0 when unreadable.
enum ProcessMemory {
    /// VmHWM: the most the process ever had resident.
    static func peakBytes(pid: Int32 = getpid()) -> Int { field("VmHWM", pid: pid) }

    /// VmRSS: what it has resident now.
    static func residentBytes(pid: Int32 = getpid()) -> Int { field("VmRSS", pid: pid) }

    private static func field(_ name: String, pid: Int32) -> Int {
        guard pid > 0, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
