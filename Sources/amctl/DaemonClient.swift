import AmanuensisProtocol
import AmanuensisTransport
import ArgumentParser
import Glibc

/// A connection to the daemon after the hello exchange.
struct DaemonClient {
    let connection: MessageConnection
    let daemonVersion: String
    let model: String

    /// Connects and says hello; exits with status 3 when nobody answers.
    static func connect(_ options: ConnectionOptions) throws -> DaemonClient {
        let path = options.socketPath
        let socket: UnixSocket
        do { socket = try UnixSocket.connect(path: path) } catch {
            printError("cannot reach the daemon at \(path): \(error)")
            throw ExitStatus.unreachable
        }
        let connection = MessageConnection(socket: socket)
        do {
            // A daemon that refuses the connection (too many) writes why and
            // closes at once: the hello may then fail to send, but the
            // refusal is still there to read.
            let sent = Result { try connection.send(ClientMessage.hello(version: protocolVersion, client: "amctl").encoded()) }
            let answer = Result { try receive(connection) }
            if case .failure(let error as ProtocolError) = answer, error.code != .internalError { throw error }
            try sent.get()
            guard case .welcome(_, let version, let model) = try answer.get() else {
                throw ProtocolError(.malformedFrame, "the daemon did not answer hello")
            }
            return DaemonClient(connection: connection, daemonVersion: version, model: model)
        } catch let error as ProtocolError {
            printError(error.message)
            throw ExitStatus.of(error)
        } catch {
            printError("the daemon at \(path) closed the connection: \(error)")
            throw ExitStatus.unreachable
        }
    }

    func send(_ message: ClientMessage, attaching descriptor: Int32? = nil) throws {
        try connection.send(message.encoded(), attaching: descriptor)
    }

    /// Why the daemon went away when a send failed: what it said last, if
    /// it said anything.
    func lastWords(after failure: SystemError) -> ProtocolError {
        do { _ = try receive() } catch let said as ProtocolError { return said } catch {}
        return ProtocolError(.internalError, "the daemon closed the connection (\(failure))")
    }

    /// The next message; a connection-level error from the daemon is thrown.
    func receive() throws -> DaemonMessage { try Self.receive(connection) }

    private static func receive(_ connection: MessageConnection) throws -> DaemonMessage {
        guard let body = try connection.receiveFrame() else {
            throw ProtocolError(.internalError, "the daemon closed the connection")
        }
        let message = try DaemonMessage(decoding: body)
        if case .error(0, let error) = message { throw error }
        return message
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
