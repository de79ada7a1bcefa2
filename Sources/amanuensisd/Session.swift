import AmanuensisCore
import AmanuensisProtocol
import AmanuensisTransport
import Glibc
import Synchronization

/// One client connection, on its own thread: the hello exchange, then
/// requests until the client closes, breaks the protocol, or goes silent.
///
/// Everything that arrives is validated here, before any work: a malformed
/// frame gets an error frame and closes this connection only; a bad request
/// gets an error for that request and the connection goes on.
final class Session {
    private let connection: MessageConnection
    private let responder: Responder
    private let peer: UnixSocket.Credentials
    private let context: DaemonContext
    private var jobs: [UInt32: Job] = [:]
    private var rawStreams: [UInt32: (decoder: RawPCMDecoder, request: TranscribeRequest, started: ContinuousClock.Instant)] = [:]
    private let client: String

    /// Raw streams one connection may have open at once.
    private static let maximumRawStreams = 4

    init(socket: UnixSocket, peer: UnixSocket.Credentials, context: DaemonContext) {
        connection = MessageConnection(socket: socket, maximumFrameSize: context.configuration.maximumFrameBytes)
        responder = Responder(connection: connection)
        self.peer = peer
        self.context = context
        client = "uid=\(peer.uid) pid=\(peer.pid) comm=\(Self.command(of: peer.pid))"
    }

    func run() {
        defer {
            for job in jobs.values { job.cancel() }
            connection.socket.shutdown()
        }
        do {
            try connection.socket.setReceiveTimeout(seconds: context.configuration.readTimeout)
            try connection.socket.setSendTimeout(seconds: context.configuration.readTimeout)
            guard try handshake() else { return }
            var idleSince = ContinuousClock.now
            while let body = try nextFrame(idleSince: &idleSince) {
                try handle(try ClientMessage(decoding: body))
                idleSince = ContinuousClock.now
            }
        } catch let error as ProtocolError {
            responder.send(.error(requestID: 0, error))
            context.journal.log(.notice, "closing connection of \(client): \(error.message)", ["CLIENT": client, "OUTCOME": error.code.name])
        } catch {
            context.journal.log(.notice, "closing connection of \(client): \(error)", ["CLIENT": client])
        }
    }

    /// The next frame; nil when the client closed the connection cleanly.
    /// A receive timeout inside a frame is fatal; between frames the
    /// connection may wait for its requests, or sit idle up to the idle timeout.
    private func nextFrame(idleSince: inout ContinuousClock.Instant) throws -> [UInt8]? {
        while true {
            do {
                return try connection.receiveFrame()
            } catch let error as SystemError where error.errno == EAGAIN || error.errno == EWOULDBLOCK {
                if connection.isInsideFrame {
                    throw ProtocolError(.timeout, "no complete frame within \(context.configuration.readTimeout) s")
                }
                jobs = jobs.filter { !$0.value.isFinished }
                if !jobs.isEmpty { idleSince = ContinuousClock.now }
                if (ContinuousClock.now - idleSince).seconds > context.configuration.idleTimeout {
                    throw ProtocolError(.timeout, "idle for \(Int(context.configuration.idleTimeout)) s")
                }
            }
        }
    }

    private func handshake() throws -> Bool {
        var idleSince = ContinuousClock.now
        guard let body = try nextFrame(idleSince: &idleSince) else { return false }
        guard case .hello(let version, _) = try ClientMessage(decoding: body) else {
            throw ProtocolError(.malformedFrame, "the first message must be hello")
        }
        guard version == protocolVersion else {
            throw ProtocolError(.unsupportedVersion, "protocol version \(version); this daemon speaks \(protocolVersion)")
        }
        responder.send(.welcome(version: protocolVersion, daemon: DaemonContext.version, model: context.modelName))
        return true
    }

    private func handle(_ message: ClientMessage) throws {
        switch message {
        case .hello:
            throw ProtocolError(.malformedFrame, "hello may only come first")
        case .transcribe(let request):
            jobs = jobs.filter { !$0.value.isFinished }
            guard request.requestID != 0, jobs[request.requestID] == nil, rawStreams[request.requestID] == nil else {
                // Descriptors travel with their request; one that is refused here is closed.
                if case .descriptor = request.source, let fd = connection.takeDescriptor() { close(fd) }
                return refuse(request.requestID, ProtocolError(.badRequest, "request id \(request.requestID) is zero or in use"))
            }
            switch request.source {
            case .descriptor: transcribeDescriptor(request)
            case .raw(let format): openRawStream(request, format: format)
            }
        case .audio(let id, let bytes):
            guard rawStreams[id] != nil else {
                return refuse(id, ProtocolError(.badRequest, "audio for request \(id), which is not an open raw stream"))
            }
            do {
                // In place: a copy of the stream would copy all its audio so far.
                try rawStreams[id]!.decoder.append(bytes)
            } catch {
                rawStreams[id] = nil
                refuse(id, Self.protocolError(for: error))
            }
        case .audioEnd(let id):
            guard var stream = rawStreams.removeValue(forKey: id) else {
                return refuse(id, ProtocolError(.badRequest, "end of audio for request \(id), which is not an open raw stream"))
            }
            do {
                let audio = try stream.decoder.finish()
                admit(stream.request, audio: audio, received: stream.started, decoding: ContinuousClock.now - stream.started)
            } catch {
                refuse(id, Self.protocolError(for: error))
            }
        case .cancel(let id):
            jobs[id]?.cancel()
            if rawStreams.removeValue(forKey: id) != nil {
                refuse(id, ProtocolError(.cancelled, "the request was cancelled"))
            }
        case .status:
            responder.send(.status(context.status()))
        case .stats(let reset):
            responder.send(.stats(context.scheduler.statistics.rows()))
            if reset {
                context.scheduler.statistics.reset()
                context.scheduler.resetCounts()
            }
        case .ping(let nonce):
            responder.send(.pong(nonce: nonce))
        }
    }

    private func transcribeDescriptor(_ request: TranscribeRequest) {
        let received = ContinuousClock.now
        guard let fd = connection.takeDescriptor() else {
            return refuse(request.requestID, ProtocolError(.badRequest, "no descriptor came with the request"))
        }
        defer { close(fd) }
        do {
            let audio = try AudioFileDecoder.decode(descriptor: fd, limits: context.audioLimits)
            admit(request, audio: audio, received: received, decoding: ContinuousClock.now - received)
        } catch {
            refuse(request.requestID, Self.protocolError(for: error))
        }
    }

    private func openRawStream(_ request: TranscribeRequest, format: RawAudioFormat) {
        guard rawStreams.count < Self.maximumRawStreams else {
            return refuse(request.requestID, ProtocolError(.badRequest, "at most \(Self.maximumRawStreams) raw streams per connection"))
        }
        do {
            guard let encoding = RawPCMFormat.Encoding(rawValue: format.encoding.name) else {
                throw ProtocolError(.badRequest, "raw encoding \(format.encoding.name) is not supported")
            }
            let pcm = try RawPCMFormat(encoding: encoding, sampleRate: Int(format.sampleRate), channels: Int(format.channels),
                                       limits: context.audioLimits)
            rawStreams[request.requestID] = (try RawPCMDecoder(format: pcm, limits: context.audioLimits), request, ContinuousClock.now)
        } catch {
            refuse(request.requestID, Self.protocolError(for: error))
        }
    }

    private func admit(_ request: TranscribeRequest, audio: AudioSamples, received: ContinuousClock.Instant, decoding: Duration) {
        var options = context.decodingOptions
        if request.beamSize > 0 { options.beamSize = Int(request.beamSize) }
        options.withoutTimestamps = request.withoutTimestamps
        options.initialPrompt = request.initialPrompt.isEmpty ? nil : request.initialPrompt
        do { try options.validate() } catch { return refuse(request.requestID, Self.protocolError(for: error)) }
        let interactive = switch request.priority {
        case .interactive: true
        case .batch: false
        case .automatic: audio.duration <= Double(AudioConstants.windowSeconds)
        }
        let job = Job(requestID: request.requestID, audio: audio, options: options, interactive: interactive,
                      wantsTiming: request.timing, responder: responder, client: client,
                      received: received, audioDecoding: decoding)
        do {
            try context.scheduler.submit(job, maximumQueued: context.configuration.maximumQueued)
            jobs[request.requestID] = job
            responder.send(.accepted(requestID: request.requestID))
        } catch {
            refuse(request.requestID, Self.protocolError(for: error))
        }
    }

    private func refuse(_ id: UInt32, _ error: ProtocolError) {
        responder.send(.error(requestID: id, error))
        context.journal.log(.notice, "refused request \(id) of \(client): \(error.message)", [
            "REQUEST_ID": String(id), "CLIENT": client, "OUTCOME": error.code.name,
        ])
    }

    /// The one error boundary: known failures keep their meaning, anything
    /// else becomes `internal` without internals leaking to the client.
    static func protocolError(for error: any Error) -> ProtocolError {
        switch error {
        case let error as ProtocolError: return error
        case let error as AudioError:
            return ProtocolError(error.code == .tooLong ? .audioTooLong : .badAudio, error.message)
        case let error as DecodingError: return ProtocolError(.badRequest, error.message)
        default: return ProtocolError(.internalError, "internal error")
        }
    }

    /// The peer's command name, from /proc, for logs.
    static func command(of pid: Int32) -> String {
        guard let file = fopen("/proc/\(pid)/comm", "r") else { return "?" }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, 64, file) != nil else { return "?" }
        let bytes = buffer.prefix { $0 != 0 && $0 != CChar(UInt8(ascii: "\n")) }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
