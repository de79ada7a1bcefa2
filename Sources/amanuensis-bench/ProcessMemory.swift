import Foundation

/// A process's memory and CPU time from /proc (the daemon, found through the socket's
/// peer credentials, or this one); 0 when unreadable.
enum ProcessMemory {
    /// VmHWM: the most the process ever had resident.
    static func peakBytes(pid: Int32 = getpid()) -> Int { field("VmHWM", pid: pid) }

    /// VmRSS: what it has resident now.
    static func residentBytes(pid: Int32 = getpid()) -> Int { field("VmRSS", pid: pid) }

    /// User and system CPU seconds the process has used so far.
    static func cpuSeconds(pid: Int32) -> Double {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // After the command's closing parenthesis: state is field 3; utime and stime are 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func field(_ name: String, pid: Int32) -> Int {
        guard pid > 0, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
