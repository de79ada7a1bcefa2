import Glibc

/// The system's memory pages: giving memory back (`madvise`) and asking what
/// is resident (`mincore`) both work in whole pages.
public enum MemoryPages {
    public static let size = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// `bytes` rounded down to whole pages.
    static func down(_ bytes: Int) -> Int { bytes / size * size }

    /// `bytes` rounded up to whole pages.
    static func up(_ bytes: Int) -> Int { (bytes + size - 1) / size * size }
}
