import CSystemd
import Glibc

/// The socket a gateway serves: the one systemd passed (`LISTEN_FDS`), as
/// its socket unit starts it, else a new one at the address it was given.
public enum ListeningSocket {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The descriptor, and where it listens, for the log.
    public static func open(_ address: ListenAddress, program: String) throws -> (descriptor: Int32, description: String) {
        let passed = sd_listen_fds(1)
        if passed < 0 { throw Failure(description: "sd_listen_fds: \(String(cString: strerror(-passed)))") }
        if passed > 1 { throw Failure(description: "systemd passed \(passed) sockets; \(program) listens on exactly one") }
        if passed == 1 {
            guard sd_is_socket(SD_LISTEN_FDS_START, 0, Int32(SOCK_STREAM.rawValue), 1) > 0 else {
                throw Failure(description: "the socket systemd passed is not a listening stream socket")
            }
            return (SD_LISTEN_FDS_START, "the socket from systemd")
        }
        do {
            return (try address.listen(), String(describing: address))
        } catch let invalid as ListenAddress.Invalid {
            throw Failure(description: "\(address): \(invalid.description)")
        }
    }

    /// Whether `descriptor` listens on a loopback address or a Unix socket
    /// only: what a gateway without a token may serve.
    public static func isLocal(_ descriptor: Int32) -> Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return false }
        switch Int32(storage.ss_family) {
        case AF_UNIX:
            return true
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127 }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    withUnsafeBytes(of: address.pointee.sin6_addr) { bytes in
                        // ::1, or ::ffff:127.x.y.z
                        bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
                            || bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
                    }
                }
            }
        default:
            return false
        }
    }
}
