import AmanuensisClient
import AmanuensisProtocol
import AmanuensisTransport
import ArgumentParser
import Glibc

typealias DaemonClient = DaemonConnection

extension DaemonConnection {
    /// Connects and says hello; a daemon nobody can reach exits 3, a refusal as `ExitStatus.of` says.
    static func connect(_ options: ConnectionOptions) throws -> DaemonConnection {
        do {
            return try open(path: options.socketPath, client: "amctl")
        } catch let unreachable as Unreachable {
            printError(unreachable.description)
            throw ExitStatus.unreachable
        } catch let error as ProtocolError {
            printError(error.message)
            throw ExitStatus.of(error)
        }
    }
}

func printError(_ message: String) {
    printDiagnostic("amctl: \(message)\n")
}

/// Writes to standard error as is.
func printDiagnostic(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Writes to standard output; a closed pipe ends it quietly.
func printOut(_ text: String) {
    try? writeAll(text, to: STDOUT_FILENO)
}

/// Writes all of `text`, through short writes and interruptions.
func writeAll(_ text: String, to descriptor: Int32) throws {
    var text = text
    try text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw SystemError("write") }
            offset += written
        }
    }
}
