import AmanuensisProtocol
import Glibc

/// Where a client finds the daemon, the same for `amctl` and every gateway:
/// a path given on the command line, else `$AMANUENSIS_SOCKET`, else the
/// user daemon's socket if one is running (not for root), else the system's.
public enum DaemonSocketPath {
    public static func resolve(_ given: String?) -> String {
        if let given { return given }
        if let value = getenv("AMANUENSIS_SOCKET"), value.pointee != 0 { return String(cString: value) }
        let system = SocketAddresses.system
        guard getuid() != 0, let runtime = getenv("XDG_RUNTIME_DIR"), runtime.pointee != 0 else { return system }
        let user = SocketAddresses.user(runtimeDirectory: String(cString: runtime))
        return access(user, F_OK) == 0 ? user : system
    }
}
