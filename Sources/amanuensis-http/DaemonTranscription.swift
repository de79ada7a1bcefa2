import AmanuensisClient
import AmanuensisProtocol
import AmanuensisTransport
import CPosixShim
import Glibc

/// One upload transcribed by the daemon: the bytes go into a memfd, whose
/// descriptor is passed as amctl passes a file's, so nothing touches the
/// disk and the daemon decodes the container itself (whatever amctl reads,
/// the gateway reads).
enum DaemonTranscription {
    /// What the daemon said along the way.
    enum Event {
        /// Decoded and admitted: errors from here on are the daemon's own.
        case accepted
        /// Segments that became final (files longer than one window).
        case segments([TranscriptionResult.Segment])
    }

    struct Failure: Error {
        let reason: String
    }

    /// Transcribes `audio`; throws `DaemonConnection.Unreachable` or the
    /// daemon's `ProtocolError`.
    static func run(_ audio: ArraySlice<UInt8>, choices: DecodingChoices, daemonPath: String, abandonment: Abandonment,
                    events: (Event) throws -> Void = { _ in }) throws -> TranscriptionResult {
        let upload = CPosixShim_memory_file("amanuensis-upload")
        guard upload >= 0 else { throw Failure(reason: "memfd_create: \(String(cString: strerror(errno)))") }
        defer { close(upload) }
        try audio.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(upload, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw Failure(reason: "writing the upload: \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
        lseek(upload, 0, SEEK_SET)
        let daemon = try DaemonConnection.open(path: daemonPath, client: "amanuensis-http")
        abandonment.attach(daemon.connection.socket)
        let request = TranscribeRequest(requestID: 1, source: .descriptor, decoding: choices)
        do { try daemon.send(.transcribe(request), attaching: upload) } catch let failure as SystemError {
            throw daemon.lastWords(after: failure)
        }
        while true {
            switch try daemon.receive() {
            case .accepted: try events(.accepted)
            case .segments(_, let segments): try events(.segments(segments))
            case .result(let result): return result
            case .error(_, let error): throw error
            case .welcome, .progress, .commit, .partial, .voice, .status, .stats, .pong: continue
            }
        }
    }

    /// The daemon's status, as key and value.
    static func status(daemonPath: String) throws -> [String: String] {
        let daemon = try DaemonConnection.open(path: daemonPath, client: "amanuensis-http")
        try daemon.send(.status)
        guard case .status(let pairs) = try daemon.receive() else { throw ProtocolError(.malformedFrame, "the daemon did not answer status") }
        return Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }
}
