import AmanuensisClient
import AmanuensisProtocol
import Glibc
import WyomingProtocol

/// One Wyoming peer, on a thread of its own: `describe` is answered with
/// `info`; `transcribe` (its language), `audio-start`, `audio-chunk`s and
/// `audio-stop` become one request to the daemon, whose answer comes back
/// as `transcript` (and, streaming, `transcript-start`/`-chunk`/`-stop`).
///
/// A request the peer gets wrong (a format that changes mid-stream, a
/// chunk that is not whole frames) is answered with an `error` event and
/// its audio is dropped up to its `audio-stop`; the connection goes on. A
/// stream that cannot be read on (a header too long, a length that lies
/// about what follows) is answered with an `error` and closed. Either way
/// the daemon sees at most one request of this peer's, cancelled when the
/// peer goes away.
struct WyomingSession {
    /// How long a write to a peer that does not read may block.
    private static let sendTimeout = 10.0
    /// How long a peer may stay silent with no transcription open, or
    /// stall inside an event: each holds one of the gateway's connections.
    private static let idleTimeout: Int32 = 60

    private let peer: Int32
    private let daemonPath: String
    private let streaming: Bool
    private var reader: WyomingReader
    /// From the latest `transcribe`, for the audio that follows it.
    private var language: String?
    private var request: DaemonRequest?
    /// The format `audio-start` announced.
    private var announced: [String: JSONValue] = [:]
    /// The current audio was refused: its chunks are dropped until `audio-stop`.
    private var refused = false
    /// `audio-stop` came for the open request: what remains is the daemon's answer.
    private var stopped = false
    /// The peer closed its side; its answer may still be owed.
    private var peerClosed = false

    init(peer: Int32, daemonPath: String, streaming: Bool) {
        self.peer = peer
        self.daemonPath = daemonPath
        self.streaming = streaming
        reader = WyomingReader { buffer in
            while true {
                let count = Glibc.read(peer, buffer.baseAddress, buffer.count)
                if count >= 0 { return count }
                if errno != EINTR { return 0 }
            }
        }
    }

    /// Serves the peer until it hangs up; closes its descriptor.
    mutating func run() {
        defer { close(peer) }
        var timeout = timeval(tv_sec: Int(Self.sendTimeout), tv_usec: 0)
        setsockopt(peer, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var stall = timeval(tv_sec: Int(Self.idleTimeout), tv_usec: 0)
        setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &stall, socklen_t(MemoryLayout<timeval>.size))
        var on: Int32 = 1
        setsockopt(peer, SOL_SOCKET, SO_KEEPALIVE, &on, socklen_t(MemoryLayout<Int32>.size))
        do {
            while try step() {}
        } catch let malformed as WyomingReader.Malformed {
            try? send(.error(malformed.text, code: malformed.code))
            lingerAfterError()
        } catch {
            // The peer went away or stopped reading: nobody is left to tell.
        }
        request = nil
    }

    /// Closes our side and reads on for a moment, so the error reaches a
    /// peer that is still sending: closing with its bytes unread would
    /// reset the connection, and the reset can discard the error unread.
    private func lingerAfterError() {
        shutdown(peer, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sink = [UInt8](repeating: 0, count: 64 * 1024)
        for _ in 0..<64 where sink.withUnsafeMutableBytes({ Glibc.read(peer, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Waits for the peer or the daemon and handles what came; false once
    /// the session is over: the peer hung up (after its answer, if it had
    /// sent all its audio), or stayed silent too long with nothing open.
    private mutating func step() throws -> Bool {
        var fds = [pollfd(fd: peerClosed ? -1 : peer, events: Int16(POLLIN), revents: 0)]
        if let request { fds.append(pollfd(fd: request.descriptor, events: Int16(POLLIN), revents: 0)) }
        if !reader.hasBufferedBytes, !(request?.hasBufferedBytes ?? false) {
            // Only the daemon's answer, once all the audio is in, may take as long as it takes.
            let ready = poll(&fds, nfds_t(fds.count), request != nil && stopped ? -1 : Self.idleTimeout * 1000)
            if ready == 0 { return false }
            guard ready > 0 || errno == EINTR else { throw PeerGone() }
        }
        if let request, fds.count > 1, fds[1].revents != 0 || request.hasBufferedBytes {
            let over: Bool
            do {
                let answer = try request.receive()
                for event in answer.events { try send(event) }
                over = answer.over
            } catch let error as ProtocolError {
                try send(.error(error.message, code: error.code.name))
                over = true
            }
            if over {
                self.request = nil
                // Ended before its audio did: the rest of that audio is dropped.
                if !stopped { refused = true }
            }
        }
        if peerClosed { return request != nil }
        guard fds[0].revents != 0 || reader.hasBufferedBytes else { return true }
        guard let event = try reader.next() else {
            peerClosed = true
            return request != nil && stopped
        }
        try handle(event)
        return true
    }

    private mutating func handle(_ event: WyomingEvent) throws {
        switch event.type {
        case "describe":
            do {
                try send(ServiceInfo.event(daemonPath: daemonPath, streaming: streaming))
            } catch {
                try send(Self.refusal(of: error))
            }
        case "ping":
            try send(WyomingEvent(type: "pong", data: event.data["text"].map { ["text": $0] } ?? [:]))
        case "transcribe":
            language = event.data["language"]?.string
        case "audio-start":
            try start(event)
        case "audio-chunk":
            try take(event)
        case "audio-stop":
            defer {
                refused = false
                language = nil
            }
            guard let request, !refused else { return }
            stopped = true
            do { try request.end() } catch { try fail(Self.refusal(of: error)) }
        default:
            // Wyoming peers pass over events that are not theirs.
            break
        }
    }

    private mutating func start(_ event: WyomingEvent) throws {
        if request != nil { try fail(.error("audio-start while a transcription is open; it was cancelled", code: "bad-request")) }
        refused = false
        stopped = false
        announced = Self.format(of: event)
        do {
            let format = try Self.rawFormat(announced)
            request = try DaemonRequest(path: daemonPath, format: format, language: language, mode: streaming ? .dictation : .upload)
        } catch {
            try fail(Self.refusal(of: error))
        }
    }

    private mutating func take(_ chunk: WyomingEvent) throws {
        guard !refused else { return }
        guard let request else { return try fail(.error("audio-chunk before audio-start", code: "bad-request")) }
        guard Self.format(of: chunk) == announced else {
            return try fail(.error("audio-chunk in \(Self.describe(Self.format(of: chunk))) after audio-start announced \(Self.describe(announced))",
                                   code: "bad-request"))
        }
        guard request.format.bytesPerFrame > 0, chunk.payload.count % request.format.bytesPerFrame == 0 else {
            return try fail(.error("audio-chunk of \(chunk.payload.count) bytes is not whole \(request.format.bytesPerFrame)-byte frames",
                                   code: "bad-request"))
        }
        do { try request.send(chunk.payload) } catch { try fail(Self.refusal(of: error)) }
    }

    /// Tells the peer, cancels the request, and drops the rest of its audio.
    private mutating func fail(_ error: WyomingEvent) throws {
        request = nil
        refused = true
        try send(error)
    }

    private func send(_ event: WyomingEvent) throws {
        let bytes = try event.encoded()
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(peer, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw PeerGone() }
            offset += written
        }
    }

    /// The peer hung up or stopped reading.
    private struct PeerGone: Error {}

    private static func format(of event: WyomingEvent) -> [String: JSONValue] {
        event.data.filter { ["rate", "width", "channels"].contains($0.key) }
    }

    private static func describe(_ format: [String: JSONValue]) -> String {
        ["rate", "width", "channels"].map { "\($0) \(format[$0]?.integer.map(String.init) ?? "none")" }.joined(separator: ", ")
    }

    /// The daemon's raw format for Wyoming's rate, width (bytes a sample) and channels.
    private static func rawFormat(_ format: [String: JSONValue]) throws -> RawAudioFormat {
        guard let rate = format["rate"]?.integer, let width = format["width"]?.integer, let channels = format["channels"]?.integer,
              let sampleRate = UInt32(exactly: rate), sampleRate > 0, let channelCount = UInt8(exactly: channels), channelCount > 0 else {
            throw ProtocolError(.badRequest, "audio-start needs rate, width and channels as positive whole numbers (\(describe(format)))")
        }
        let encoding: RawAudioFormat.Encoding
        switch width {
        case 2: encoding = .s16le
        case 4: encoding = .s32le
        default: throw ProtocolError(.badRequest, "audio of width \(width); 2 (16-bit) or 4 (32-bit) bytes a sample")
        }
        return RawAudioFormat(encoding: encoding, sampleRate: sampleRate, channels: channelCount)
    }

    private static func refusal(of error: any Error) -> WyomingEvent {
        switch error {
        case let error as ProtocolError: .error(error.message, code: error.code.name)
        case let error as DaemonConnection.Unreachable: .error(error.description, code: "unreachable")
        default: .error("\(error)", code: "internal-error")
        }
    }
}
