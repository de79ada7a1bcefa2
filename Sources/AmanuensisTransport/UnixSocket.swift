import CPosixShim
import Glibc

/// A connected SOCK_STREAM Unix socket that owns its descriptor (closed on
/// deinit), with the two things Amanuensis needs beyond bytes: descriptors
/// passed with SCM_RIGHTS, and the peer's credentials.
public final class UnixSocket: Sendable {
    public let descriptor: Int32

    /// Takes ownership of a connected socket.
    public init(adopting descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    public static func connect(path: String) throws -> UnixSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        let socket = UnixSocket(adopting: fd)
        var address = try UnixAddress(path: path)
        _ = try address.withSockaddr { pointer, length in
            try retryingInterrupts("connect \(path)") { Glibc.connect(fd, pointer, length) }
        }
        return socket
    }

    /// Writes all of `bytes`; `attaching` rides on the first byte.
    public func send(_ bytes: [UInt8], attaching passed: Int32? = nil) throws {
        var offset = 0
        var attachment = passed ?? -1
        while offset < bytes.count {
            let sent = try bytes.withUnsafeBytes { raw in
                try retryingInterrupts("sendmsg") {
                    CPosixShim_send_with_descriptor(descriptor, raw.baseAddress! + offset, bytes.count - offset, attachment)
                }
            }
            offset += sent
            attachment = -1
        }
    }

    public struct Received {
        /// 0 at end of stream.
        public var count: Int
        public var descriptors: [Int32]
        /// The peer attached more descriptors than one read accepts.
        public var truncated: Bool
    }

    /// Reads what is available, up to `buffer.count` bytes. Fails with
    /// EAGAIN when the receive timeout passes.
    public func receive(into buffer: inout [UInt8]) throws -> Received {
        var descriptors = [Int32](repeating: -1, count: 4)
        var received: Int32 = 0
        var truncated: Int32 = 0
        let count = try buffer.withUnsafeMutableBytes { raw in
            try retryingInterrupts("recvmsg") {
                CPosixShim_receive_with_descriptors(descriptor, raw.baseAddress, raw.count, &descriptors, 4, &received, &truncated)
            }
        }
        return Received(count: count, descriptors: Array(descriptors.prefix(Int(received))), truncated: truncated != 0)
    }

    /// Bounds every receive: a read that waits longer fails with EAGAIN.
    public func setReceiveTimeout(seconds: Double) throws {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        guard setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw SystemError("setsockopt SO_RCVTIMEO")
        }
    }

    /// Bounds every send, so a client that stops reading cannot hold a thread.
    public func setSendTimeout(seconds: Double) throws {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        guard setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw SystemError("setsockopt SO_SNDTIMEO")
        }
    }

    public struct Credentials: Hashable, Sendable {
        public let pid: Int32
        public let uid: UInt32
        public let gid: UInt32
    }

    public func peerCredentials() throws -> Credentials {
        var pid: pid_t = 0, uid: uid_t = 0, gid: gid_t = 0
        guard CPosixShim_peer_credentials(descriptor, &pid, &uid, &gid) == 0 else { throw SystemError("getsockopt SO_PEERCRED") }
        return Credentials(pid: pid, uid: uid, gid: gid)
    }

    /// Bytes that arrived and are not read yet; safe from any thread.
    public var unreadBytes: Int { max(0, Int(CPosixShim_unread_bytes(descriptor))) }

    /// Stops both directions: a thread blocked reading this socket wakes up.
    public func shutdown() { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }
}

/// A `sockaddr_un` for a filesystem path, refusing paths that do not fit.
public struct UnixAddress {
    private var storage = sockaddr_un()

    public init(path: String) throws {
        storage.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw SystemError("socket path '\(path)' is empty or longer than \(capacity - 1) bytes", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
    }

    public mutating func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
        try withUnsafePointer(to: &storage) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}
