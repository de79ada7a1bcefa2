import AmanuensisTransport
import CPosixShim
import CSystemd
import Glibc

/// The listening socket: the one systemd passed (socket activation), or one
/// bound here at the configured path.
final class Listener: Sendable {
    let descriptor: Int32
    /// The path this process bound and must remove on exit; nil when systemd owns the socket.
    let ownedPath: String?
    let description: String
    /// Written by `stop()` to wake `accept()`. The listening socket itself is
    /// never shut down: under socket activation systemd shares it, and must
    /// keep queueing connections for the next start.
    private let wake: (read: Int32, write: Int32)

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private init(descriptor: Int32, ownedPath: String?, description: String) throws {
        self.descriptor = descriptor
        self.ownedPath = ownedPath
        self.description = description
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0, fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        wake = (ends[0], ends[1])
    }

    /// systemd's socket if one was passed (`LISTEN_FDS`), else a new one at `path`.
    static func open(path: String) throws -> Listener {
        let passed = sd_listen_fds(1)
        if passed < 0 { throw Failure(description: "sd_listen_fds: \(String(cString: strerror(-passed)))") }
        if passed > 1 { throw Failure(description: "systemd passed \(passed) sockets; amanuensisd listens on exactly one") }
        if passed == 1 {
            let fd = SD_LISTEN_FDS_START
            guard sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else {
                throw Failure(description: "the socket systemd passed is not a listening AF_UNIX stream socket")
            }
            return try Listener(descriptor: fd, ownedPath: nil, description: "socket from systemd")
        }
        return try bind(path: path)
    }

    private static func bind(path: String) throws -> Listener {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty { try makeDirectories(directory) }
        try removeStaleSocket(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = try UnixAddress(path: path)
        let bound = address.withSockaddr { Glibc.bind(fd, $0, $1) }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "bind \(path): \(reason)")
        }
        guard chmod(path, 0o660) == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(path)
            throw Failure(description: "listen \(path): \(reason)")
        }
        return try Listener(descriptor: fd, ownedPath: path, description: path)
    }

    private static func makeDirectories(_ directory: String) throws {
        var prefix = ""
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw Failure(description: "mkdir \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// A socket file nobody answers on is left over from a crash and is
    /// replaced; one that answers belongs to a running daemon.
    private static func removeStaleSocket(_ path: String) throws {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw Failure(description: "\(path) exists and is not a socket; not replacing it")
        }
        if (try? UnixSocket.connect(path: path)) != nil {
            throw Failure(description: "another daemon is already listening on \(path)")
        }
        unlink(path)
    }

    /// The next connection, or nil once `stop()` was called.
    func accept() -> UnixSocket? {
        var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        while true {
            descriptors[0].revents = 0
            descriptors[1].revents = 0
            if poll(&descriptors, 2, -1) < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if descriptors[1].revents != 0 { return nil }
            guard descriptors[0].revents != 0 else { continue }
            let fd = CPosixShim_accept_cloexec(descriptor)
            if fd >= 0 { return UnixSocket(adopting: fd) }
            switch errno {
            case EINTR, EAGAIN, ECONNABORTED: continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: usleep(100_000)
            default: return nil
            }
        }
    }

    /// Wakes `accept` for good; the socket stays open for systemd's sake.
    func stop() { _ = write(wake.write, "x", 1) }

    func remove() {
        if let ownedPath { unlink(ownedPath) }
    }
}
