import Glibc

/// A failed system call: its name and errno, for messages such as
/// "connect /run/amanuensis/amanuensisd.sock: No such file or directory".
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public init(_ call: String, errno: Int32 = Glibc.errno) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Runs a system call, retrying when a signal interrupted it.
@discardableResult
func retryingInterrupts<T: BinaryInteger>(_ call: String, _ body: () -> T) throws -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        if errno == EINTR { continue }
        throw SystemError(call)
    }
}
