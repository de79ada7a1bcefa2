import ArgumentParser
import CPosixShim
import Glibc

/// Where a gateway listens: `HOST:PORT` over TCP (`[::1]:PORT` for IPv6;
/// a literal address, so that nothing is resolved behind the user's back)
/// or `unix:PATH`.
public enum ListenAddress: Equatable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case unix(path: String)

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty else { throw Invalid(description: "'\(text)' names no path") }
            self = .unix(path: path)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            throw Invalid(description: "'\(text)' is not HOST:PORT or unix:PATH")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self = .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }

    /// A listening socket at this address.
    public func listen() throws -> Int32 {
        switch self {
        case .tcp(let host, let port):
            var v4 = sockaddr_in()
            var v6 = sockaddr_in6()
            if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
                v4.sin_family = sa_family_t(AF_INET)
                v4.sin_port = port.bigEndian
                return try Self.bound(family: AF_INET, &v4)
            }
            guard inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 else {
                throw Invalid(description: "'\(host)' is not an IPv4 or IPv6 address")
            }
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            return try Self.bound(family: AF_INET6, &v6)
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                throw Invalid(description: "the socket path '\(path)' is too long")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
            // A socket left by an earlier run is replaced; any other file is not ours to remove.
            var status = stat()
            if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK { unlink(path) }
            return try Self.bound(family: AF_UNIX, &address)
        }
    }

    private static func bound<Address>(family: Int32, _ address: inout Address) throws -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Invalid(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        if family != AF_UNIX { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Invalid(description: "cannot listen: \(reason)")
        }
        return fd
    }
}

/// `--listen` takes an address as it is written; one that is not is refused
/// with the help, which shows the forms it may take.
extension ListenAddress: ExpressibleByArgument {
    public init?(argument: String) {
        guard let address = try? ListenAddress(parsing: argument) else { return nil }
        self = address
    }

    public var defaultValueDescription: String { description }
}
