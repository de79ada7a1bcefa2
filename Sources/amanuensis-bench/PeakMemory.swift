import Foundation

enum PeakMemory {
    /// VmHWM, the peak resident set, of a process (the daemon, found through
    /// the socket's peer credentials, or this one); 0 when unreadable.
    static func residentBytes(pid: Int32 = getpid()) -> Int {
        guard pid > 0, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
