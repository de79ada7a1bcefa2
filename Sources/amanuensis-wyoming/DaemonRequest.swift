import AmanuensisClient
import AmanuensisProtocol
import AmanuensisTransport
import Glibc
import WyomingProtocol

/// One transcription the gateway asks of the daemon for its peer, on a
/// connection of its own: a raw upload, whose text is what `amctl
/// transcribe` gives for the same audio, or with `--streaming` a
/// dictation, whose commits the peer hears as `transcript-chunk` events
/// while audio still arrives, and whose final comes a moment after the end.
/// Dropping it closes the connection, which cancels whatever is still running.
final class DaemonRequest {
    enum Mode {
        case upload
        case dictation
    }

    private static let id: UInt32 = 1
    /// Raw uploads go in pieces of this size, as amctl sends standard input.
    private static let uploadPiece = 32 * 1024

    private let daemon: DaemonConnection
    private let mode: Mode
    let format: RawAudioFormat
    private var started = false

    init(path: String, format: RawAudioFormat, language: String?, mode: Mode) throws {
        daemon = try DaemonConnection.open(path: path, client: "amanuensis-wyoming")
        self.format = format
        self.mode = mode
        let choices = DecodingChoices(language: language ?? "")
        switch mode {
        case .upload:
            try daemon.send(.transcribe(TranscribeRequest(requestID: Self.id, source: .raw(format), priority: .interactive,
                                                          decoding: choices)))
        case .dictation:
            try daemon.send(.dictate(DictateRequest(requestID: Self.id, format: format, decoding: choices)))
        }
    }

    var descriptor: Int32 { daemon.connection.socket.descriptor }
    var hasBufferedBytes: Bool { daemon.connection.hasBufferedBytes }

    /// Sends `bytes`, whole frames of the format, in pieces the daemon takes:
    /// a dictation's at most half a second each.
    func send(_ bytes: [UInt8]) throws {
        let piece = switch mode {
        case .upload: Self.uploadPiece
        case .dictation: max(1, Int(format.sampleRate) / 2) * format.bytesPerFrame
        }
        for start in stride(from: 0, to: bytes.count, by: piece) {
            try sending { try daemon.send(.audio(requestID: Self.id, bytes: Array(bytes[start..<min(start + piece, bytes.count)]))) }
        }
    }

    func end() throws {
        try sending { try daemon.send(.audioEnd(requestID: Self.id)) }
    }

    /// A failed send means the daemon hung up: what it said last is the error.
    private func sending(_ body: () throws -> Void) throws {
        do { try body() } catch let failure as SystemError { throw daemon.lastWords(after: failure) }
    }

    /// What the peer hears of the daemon's next message, and whether the request is over.
    func receive() throws -> (events: [WyomingEvent], over: Bool) {
        switch try daemon.receive() {
        case .commit(_, let segment):
            return (opening() + [WyomingEvent(type: "transcript-chunk", data: ["text": .string(segment.text)])], false)
        case .result(let result):
            var transcript = WyomingEvent(type: "transcript", data: ["text": .string(result.text)])
            if !result.language.isEmpty { transcript.data["language"] = .string(result.language) }
            guard mode == .dictation else { return ([transcript], true) }
            return (opening() + [transcript, WyomingEvent(type: "transcript-stop")], true)
        case .error(_, let error):
            return ([.error(error.message, code: error.code.name)], true)
        case .welcome, .accepted, .progress, .segments, .partial, .voice, .status, .stats, .pong:
            return ([], false)
        }
    }

    /// `transcript-start`, before the first text of a streamed transcript.
    private func opening() -> [WyomingEvent] {
        defer { started = true }
        return started ? [] : [WyomingEvent(type: "transcript-start")]
    }
}
