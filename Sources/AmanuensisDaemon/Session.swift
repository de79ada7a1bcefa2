import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
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
    private var uploads: [UInt32: RawUpload] = [:]
    private var dictations: [UInt32: Dictation] = [:]
    private let client: String
    private let opened = ContinuousClock.now
    /// This connection, to the runtime's fair queue.
    private let owner: UInt64

    /// A raw upload in progress: its decoder, and the samples it holds
    /// against its user's budget (`RawAudioBudget`).
    private struct RawUpload {
        var decoder: RawPCMDecoder
        let request: TranscribeRequest
        let options: DecodingOptions
        var reserved = 0
    }

    /// Raw uploads and dictations one connection may have open at once.
    private static let maximumRawUploads = 4
    /// What a dictation holds against its user's raw-audio budget: its
    /// buffer, a window and what arrives during a pass.
    private static let dictationBudget = 40 * AudioConstants.sampleRate

    init(socket: UnixSocket, peer: UnixSocket.Credentials, context: DaemonContext) {
        connection = MessageConnection(socket: socket, maximumFrameSize: context.configuration.maximumFrameBytes)
        responder = Responder(socket: socket)
        self.peer = peer
        self.context = context
        client = "uid=\(peer.uid) pid=\(peer.pid) comm=\(Self.command(of: peer.pid))"
        owner = context.connectionID()
    }

    func run() {
        context.sessions.open(responder, socket: connection.socket)
        defer {
            for job in jobs.values { job.cancel() }
            for id in Array(uploads.keys) { closeRawUpload(id) }
            for id in Array(dictations.keys) { closeDictation(id) }
            context.sessions.close(responder)
            connection.socket.shutdown()
        }
        do {
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
    /// Three deadlines, each from its own start: a frame must be complete
    /// `read_timeout` after its first byte, the hello `read_timeout` after
    /// the connection opened, and a connection with nothing in flight is
    /// dropped after `idle_timeout`.
    private func nextFrame(idleSince: inout ContinuousClock.Instant, handshaking: Bool = false) throws -> [UInt8]? {
        let configuration = context.configuration
        while true {
            let now = ContinuousClock.now
            let deadline: ContinuousClock.Instant, failure: String
            if let started = connection.frameStarted {
                (deadline, failure) = (started + .seconds(configuration.readTimeout), "no complete frame within \(configuration.readTimeout) s")
            } else if handshaking {
                (deadline, failure) = (opened + .seconds(configuration.readTimeout), "no hello within \(configuration.readTimeout) s")
            } else {
                reap()
                if !jobs.isEmpty || !dictations.isEmpty { idleSince = now }
                (deadline, failure) = (idleSince + .seconds(configuration.idleTimeout), "idle for \(configuration.idleTimeout) s")
            }
            guard now < deadline else { throw ProtocolError(.timeout, failure) }
            // At most a second, so finished jobs are noticed and the idle clock starts.
            try connection.socket.setReceiveTimeout(seconds: min(max((deadline - now).seconds, 0.01), 1))
            do {
                return try connection.receiveFrame(frameLimit: .seconds(configuration.readTimeout))
            } catch let error as SystemError where error.errno == EAGAIN || error.errno == EWOULDBLOCK {
                continue
            }
        }
    }

    private func handshake() throws -> Bool {
        var idleSince = ContinuousClock.now
        guard let body = try nextFrame(idleSince: &idleSince, handshaking: true) else { return false }
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
            if let refusal = refusal(of: request.requestID) {
                // Descriptors travel with their request; one that is refused here is closed.
                if case .descriptor = request.source, let fd = connection.takeDescriptor() { close(fd) }
                return refuse(request.requestID, refusal)
            }
            switch request.source {
            case .descriptor: context.admitting { transcribeDescriptor(request) }
            case .raw(let format): openRawUpload(request, format: format)
            }
        case .dictate(let request):
            if let refusal = refusal(of: request.requestID) { return refuse(request.requestID, refusal) }
            openDictation(request)
        case .audio(let id, let bytes) where dictations[id] != nil:
            do { try dictations[id]!.append(bytes) } catch { refuse(id, ProtocolError(describing: error)) }
        case .audioEnd(let id) where dictations[id] != nil:
            do { try dictations[id]!.end() } catch { refuse(id, ProtocolError(describing: error)) }
        case .audio(let id, let bytes):
            guard uploads[id] != nil else {
                return refuse(id, ProtocolError(.badRequest, "audio for request \(id), which is not an open raw upload"))
            }
            do {
                // In place: a copy of the stream would copy all its audio so far.
                try uploads[id]!.decoder.append(bytes)
                let held = uploads[id]!.decoder.sampleCount
                try context.rawAudio.reserve(held - uploads[id]!.reserved, uid: peer.uid,
                                            seconds: context.configuration.maximumAudioSeconds)
                uploads[id]!.reserved = held
            } catch {
                closeRawUpload(id)
                refuse(id, ProtocolError(describing: error))
            }
        case .audioEnd(let id):
            guard var stream = uploads[id] else {
                return refuse(id, ProtocolError(.badRequest, "end of audio for request \(id), which is not an open raw upload"))
            }
            closeRawUpload(id)
            // The upload is the client's time, not the daemon's: the request's clock starts at its end.
            let received = ContinuousClock.now
            context.admitting {
                do {
                    let audio = try stream.decoder.finish()
                    admit(stream.request, options: stream.options, audio: audio, received: received,
                          decoding: ContinuousClock.now - received)
                } catch {
                    refuse(id, ProtocolError(describing: error))
                }
            }
        case .cancel(let id):
            jobs[id]?.cancel()
            dictations[id]?.cancel()
            if uploads[id] != nil {
                closeRawUpload(id)
                refuse(id, ProtocolError(.cancelled, "the request was cancelled"))
            }
        case .status:
            responder.send(.status(context.status()))
        case .stats(let reset):
            // The counts are every user's: only root or the daemon's own user may clear them.
            if reset, peer.uid != 0, peer.uid != getuid() {
                return responder.send(.error(requestID: 0, ProtocolError(
                    .permissionDenied, "only root or the daemon's user may reset the statistics")))
            }
            responder.send(.stats(context.statistics.rows()))
            if reset {
                context.statistics.reset()
                context.runtime.resetCounts()
            }
        case .ping(let nonce):
            responder.send(.pong(nonce: nonce))
        }
    }

    /// Why a new request with `id` is refused, if it is.
    private func refusal(of id: UInt32) -> ProtocolError? {
        reap()
        if id == 0 || jobs[id] != nil || uploads[id] != nil || dictations[id] != nil {
            return ProtocolError(.badRequest, "request id \(id) is zero or in use")
        }
        if jobs.count + uploads.count + dictations.count >= TranscribeRequest.maximumInFlightPerConnection {
            return ProtocolError(.busy, "this connection has \(TranscribeRequest.maximumInFlightPerConnection) requests in flight; send more as they finish")
        }
        return nil
    }

    /// Forgets the requests whose outcome went out.
    private func reap() {
        jobs = jobs.filter { !$0.value.isFinished }
        for (id, dictation) in dictations where dictation.isFinished { closeDictation(id) }
    }

    private func transcribeDescriptor(_ request: TranscribeRequest) {
        let received = ContinuousClock.now
        guard let fd = connection.takeDescriptor() else {
            return refuse(request.requestID, ProtocolError(.badRequest, "no descriptor came with the request"))
        }
        defer { close(fd) }
        do {
            let options = try decodingOptions(for: request)
            let audio = try AudioFileDecoder.decode(descriptor: fd, limits: context.audioLimits)
            admit(request, options: options, audio: audio, received: received, decoding: ContinuousClock.now - received)
        } catch {
            refuse(request.requestID, ProtocolError(describing: error))
        }
    }

    private func openDictation(_ request: DictateRequest) {
        guard uploads.count + dictations.count < Self.maximumRawUploads else {
            return refuse(request.requestID, ProtocolError(.badRequest, "at most \(Self.maximumRawUploads) raw uploads and dictations per connection"))
        }
        let configuration = context.configuration
        do {
            let limit = configuration.maximumDictationSeconds
            guard Double(request.maximumSeconds) <= limit else {
                throw ProtocolError(.badRequest, "a dictation of \(request.maximumSeconds) s; this daemon allows at most \(Int(limit)) s")
            }
            let maximum = request.maximumSeconds > 0 ? Double(request.maximumSeconds) : limit
            let endpointing: DictationSettings.Endpointing = switch request.endpointing {
            case .client: .client
            case .voice:
                .voice(silence: Double(request.silenceMilliseconds > 0 ? request.silenceMilliseconds
                                                                      : DictateRequest.defaultSilenceMilliseconds) / 1000,
                       maximumUtterance: maximum)
            }
            let settings = DictationSettings(
                format: try rawPCMFormat(request.format), options: try decodingOptions(for: request),
                endpointing: endpointing, maximumSeconds: request.endpointing == .client ? maximum : configuration.maximumAudioSeconds,
                maximumQueued: configuration.maximumQueued)
            try context.rawAudio.reserve(Self.dictationBudget, uid: peer.uid, seconds: configuration.maximumAudioSeconds)
            do {
                let frames = DictationFrames(requestID: request.requestID, responder: responder, client: client, partials: request.partials,
                                             wantsTiming: request.timing, journal: context.journal, statistics: context.statistics)
                dictations[request.requestID] = try Dictation(requestID: request.requestID, settings: settings, runtime: context.runtime,
                                                              delivery: frames, owner: owner)
                context.dictations.add(1, ordering: .relaxed)
            } catch {
                context.rawAudio.release(Self.dictationBudget, uid: peer.uid)
                throw error
            }
            responder.send(.accepted(requestID: request.requestID))
        } catch {
            refuse(request.requestID, ProtocolError(describing: error))
        }
    }

    /// Ends a dictation, whether or not it finished, and gives its budget back.
    private func closeDictation(_ id: UInt32) {
        guard let dictation = dictations.removeValue(forKey: id) else { return }
        dictation.cancel()
        context.rawAudio.release(Self.dictationBudget, uid: peer.uid)
        context.dictations.subtract(1, ordering: .relaxed)
    }

    private func rawPCMFormat(_ format: RawAudioFormat) throws -> RawPCMFormat {
        guard let encoding = RawPCMFormat.Encoding(rawValue: format.encoding.name) else {
            throw ProtocolError(.badRequest, "raw encoding \(format.encoding.name) is not supported")
        }
        return try RawPCMFormat(encoding: encoding, sampleRate: Int(format.sampleRate), channels: Int(format.channels),
                                limits: context.audioLimits)
    }

    private func openRawUpload(_ request: TranscribeRequest, format: RawAudioFormat) {
        guard uploads.count + dictations.count < Self.maximumRawUploads else {
            return refuse(request.requestID, ProtocolError(.badRequest, "at most \(Self.maximumRawUploads) raw uploads per connection"))
        }
        do {
            let pcm = try rawPCMFormat(format)
            uploads[request.requestID] = RawUpload(decoder: try RawPCMDecoder(format: pcm, limits: context.audioLimits), request: request,
                                                   options: try decodingOptions(for: request))
        } catch {
            refuse(request.requestID, ProtocolError(describing: error))
        }
    }

    /// A request's options, checked before any of its audio is touched.
    private func decodingOptions(for request: TranscribeRequest) throws -> DecodingOptions {
        try RequestOptions.decodingOptions(for: request, defaults: context.decodingOptions, model: context.runtime.model)
    }

    private func decodingOptions(for request: DictateRequest) throws -> DecodingOptions {
        try RequestOptions.decodingOptions(for: request, defaults: context.decodingOptions, model: context.runtime.model)
    }

    private func admit(_ request: TranscribeRequest, options: DecodingOptions, audio: AudioSamples, received: ContinuousClock.Instant,
                       decoding: Duration) {
        do {
            let delivery = ClientDelivery(responder: responder, client: client, wantsTiming: request.timing,
                                          journal: context.journal, statistics: context.statistics)
            let job = Job(requestID: request.requestID, audio: audio, options: options,
                          urgency: RequestOptions.urgency(of: request, duration: audio.duration),
                          delivery: delivery, owner: owner, received: received, audioDecoding: decoding)
            try context.runtime.submit(job, maximumQueued: context.configuration.maximumQueued)
            jobs[request.requestID] = job
            responder.send(.accepted(requestID: request.requestID))
        } catch {
            refuse(request.requestID, ProtocolError(describing: error))
        }
    }

    /// Ends a raw upload and gives its samples back to its user's budget.
    private func closeRawUpload(_ id: UInt32) {
        guard let stream = uploads.removeValue(forKey: id) else { return }
        context.rawAudio.release(stream.reserved, uid: peer.uid)
    }

    private func refuse(_ id: UInt32, _ error: ProtocolError) {
        responder.send(.error(requestID: id, error))
        context.journal.log(.notice, "refused request \(id) of \(client): \(error.message)", [
            "REQUEST_ID": String(id), "CLIENT": client, "OUTCOME": error.code.name,
        ])
    }

    /// The peer's command name, from /proc, for logs. The client chose it
    /// (prctl), so anything but plain printable ASCII is escaped as \xNN:
    /// it cannot forge a field or a quote in a log line.
    static func command(of pid: Int32) -> String {
        guard let file = fopen("/proc/\(pid)/comm", "r") else { return "?" }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, 64, file) != nil else { return "?" }
        let bytes = buffer.prefix { $0 != 0 && $0 != CChar(UInt8(ascii: "\n")) }.map { UInt8(bitPattern: $0) }
        return escaped(bytes)
    }

    static func escaped(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return bytes.map { byte in
            (0x21...0x7E).contains(byte) && !"\"\\=".utf8.contains(byte)
                ? String(UnicodeScalar(byte)) : "\\x\(digits[Int(byte >> 4)])\(digits[Int(byte & 15)])"
        }.joined()
    }
}
