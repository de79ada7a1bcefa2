import AmanuensisProtocol
import AmanuensisTransport

/// A connection to the daemon after the hello exchange.
public struct DaemonConnection {
    public let connection: MessageConnection
    public let daemonVersion: String
    public let model: String

    /// Nobody answered at `path`, or the daemon hung up during the hello.
    public struct Unreachable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Connects and says hello as `client`. Throws `Unreachable`, or the
    /// daemon's refusal (too many connections, shutting down) as a `ProtocolError`.
    public static func open(path: String, client: String) throws -> DaemonConnection {
        let socket: UnixSocket
        do { socket = try UnixSocket.connect(path: path) } catch {
            throw Unreachable(description: "cannot reach the daemon at \(path): \(error)")
        }
        let connection = MessageConnection(socket: socket)
        do {
            // A daemon that refuses the connection (too many) writes why and
            // closes at once: the hello may then fail to send, but the
            // refusal is still there to read.
            let sent = Result { try connection.send(ClientMessage.hello(version: protocolVersion, client: client).encoded()) }
            let answer = Result { try receive(connection) }
            if case .failure(let error as ProtocolError) = answer, error.code != .internalError { throw error }
            try sent.get()
            guard case .welcome(_, let version, let model) = try answer.get() else {
                throw ProtocolError(.malformedFrame, "the daemon did not answer hello")
            }
            return DaemonConnection(connection: connection, daemonVersion: version, model: model)
        } catch let error as ProtocolError where error.code != .internalError {
            throw error
        } catch {
            throw Unreachable(description: "the daemon at \(path) closed the connection: \(error)")
        }
    }

    public func send(_ message: ClientMessage, attaching descriptor: Int32? = nil) throws {
        try connection.send(message.encoded(), attaching: descriptor)
    }

    /// Why the daemon went away when a send failed: what it said last, if
    /// it said anything.
    public func lastWords(after failure: SystemError) -> ProtocolError {
        do { _ = try receive() } catch let said as ProtocolError { return said } catch {}
        return ProtocolError(.internalError, "the daemon closed the connection (\(failure))")
    }

    /// The next message; a connection-level error from the daemon is thrown.
    public func receive() throws -> DaemonMessage { try Self.receive(connection) }

    private static func receive(_ connection: MessageConnection) throws -> DaemonMessage {
        guard let body = try connection.receiveFrame() else {
            throw ProtocolError(.internalError, "the daemon closed the connection")
        }
        let message = try DaemonMessage(decoding: body)
        if case .error(0, let error) = message { throw error }
        return message
    }
}
