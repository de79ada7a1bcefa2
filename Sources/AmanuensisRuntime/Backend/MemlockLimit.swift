import Glibc

/// The process's RLIMIT_MEMLOCK soft limit. XDNA buffers are pinned host
/// memory charged against this limit, and the usual default (8 MiB) is far
/// below what an encoder's weights and activations would pin, so the device
/// would fail at the first large allocation rather than at start.
public enum MemlockLimit: Sendable, Equatable, CustomStringConvertible {
    case unlimited
    case bytes(UInt64)

    /// The floor this project asks for. It is a judgement, not a measurement
    /// (there is no NPU encoder to measure yet): even the smallest model's
    /// encoder weights are tens of MiB, so anything under 64 MiB cannot work,
    /// and `LimitMEMLOCK=infinity` in the unit is the recommended setting.
    public static let minimumBytes: UInt64 = 64 << 20

    public static func ofThisProcess() -> MemlockLimit {
        var limit = rlimit()
        // getrlimit cannot fail for a valid resource and pointer; 0 would
        // then report "too low", which is the safe side. Glibc's module
        // imports the enum constant, not the RLIMIT_MEMLOCK macro naming it.
        guard getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &limit) == 0 else { return .bytes(0) }
        return limit.rlim_cur == rlim_t.max ? .unlimited : .bytes(UInt64(limit.rlim_cur))
    }

    public var isEnoughForNPU: Bool {
        switch self {
        case .unlimited: true
        case .bytes(let bytes): bytes >= Self.minimumBytes
        }
    }

    public var description: String {
        switch self {
        case .unlimited: return "unlimited"
        case .bytes(let bytes):
            if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
            if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
            return "\(bytes) bytes"
        }
    }
}
