import AmanuensisProtocol
import AmanuensisTransport
import Foundation
import Glibc

/// One connection to a running daemon, speaking the protocol as amctl does:
/// the load and soak benchmarks' client.
struct BenchClient {
    let connection: MessageConnection
    /// The daemon's process, from the socket's peer credentials.
    let daemonPID: Int32
    private var nextID: UInt32 = 1

    /// How a request ended: its audio seconds, or the error code's name.
    enum Outcome {
        case transcribed(seconds: Double)
        case failed(String)
    }

    init(socket path: String) throws {
        let socket = try UnixSocket.connect(path: path)
        daemonPID = (try? socket.peerCredentials().pid) ?? 0
        connection = MessageConnection(socket: socket)
        try connection.send(ClientMessage.hello(version: protocolVersion, client: "amanuensis-bench").encoded())
        guard case .welcome = try receive() else { throw ProtocolError(.malformedFrame, "no welcome") }
    }

    func receive() throws -> DaemonMessage? { try connection.receiveFrame().map { try DaemonMessage(decoding: $0) } }

    /// Transcribes `file` (by descriptor) or `pcm` (raw s16le, 16 kHz, mono,
    /// sent in 32 KiB frames); `busy` is retried with backoff and counted.
    mutating func transcribe(file: String? = nil, pcm: [UInt8]? = nil, busyRetries: inout Int) throws -> Outcome {
        var delay = 0.1
        while true {
            let id = nextID
            nextID &+= 1
            if let file {
                let descriptor = open(file, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { return .failed("unreadable-clip") }
                defer { close(descriptor) }
                try connection.send(ClientMessage.transcribe(TranscribeRequest(requestID: id, source: .descriptor)).encoded(),
                                    attaching: descriptor)
            } else if let pcm {
                let format = RawAudioFormat(encoding: .s16le, sampleRate: 16_000, channels: 1)
                try connection.send(ClientMessage.transcribe(TranscribeRequest(requestID: id, source: .raw(format))).encoded())
                for start in stride(from: 0, to: pcm.count, by: 32 * 1024) {
                    try connection.send(ClientMessage.audio(requestID: id, bytes: Array(pcm[start..<min(start + 32 * 1024, pcm.count)])).encoded())
                }
                try connection.send(ClientMessage.audioEnd(requestID: id).encoded())
            }
            guard let outcome = try answer() else {
                busyRetries += 1
                usleep(UInt32(delay * 1_000_000))
                delay = min(delay * 2, 3.2)
                continue
            }
            return outcome
        }
    }

    /// The request's outcome, or nil for `busy`.
    private func answer() throws -> Outcome? {
        while let message = try receive() {
            switch message {
            case .result(let result): return .transcribed(seconds: result.duration)
            case .error(_, let error) where error.code == .busy: return nil
            case .error(_, let error): return .failed(error.code.name)
            default: continue
            }
        }
        return .failed("closed")
    }

    /// Transcribes `file` (by descriptor) and returns the result.
    mutating func result(of file: String) throws -> TranscriptionResult {
        let id = nextID
        nextID &+= 1
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ProtocolError(.badRequest, "cannot open \(file)") }
        defer { close(descriptor) }
        try connection.send(ClientMessage.transcribe(TranscribeRequest(requestID: id, source: .descriptor)).encoded(), attaching: descriptor)
        while let message = try receive() {
            switch message {
            case .result(let result): return result
            case .error(_, let error): throw error
            default: continue
            }
        }
        throw ProtocolError(.internalError, "the daemon closed the connection")
    }

    /// The daemon's `status` as a dictionary.
    func status() throws -> [String: String] {
        try connection.send(ClientMessage.status.encoded())
        while let message = try receive() {
            if case .status(let values) = message { return Dictionary(values.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }) }
        }
        throw ProtocolError(.internalError, "the daemon closed the connection")
    }
}
