/// Message bodies, byte for byte as amanuensis-protocol(7) describes them:
/// a type byte, then the fields in order, little-endian.
private enum MessageType: UInt8 {
    case hello = 0x01, transcribe = 0x02, audio = 0x03, audioEnd = 0x04, cancel = 0x05, status = 0x06, stats = 0x07,
         ping = 0x08, dictate = 0x09
    case welcome = 0x81, accepted = 0x82, progress = 0x83, result = 0x84, error = 0x85, statusReply = 0x86,
         statsReply = 0x87, pong = 0x88, segments = 0x89, commit = 0x8A, partial = 0x8B, voice = 0x8C
}

extension ClientMessage {
    public func encoded() -> [UInt8] {
        var w = WireWriter()
        func rawFormat(_ format: RawAudioFormat) {
            w.u8(format.encoding.rawValue); w.u32(format.sampleRate); w.u8(format.channels)
        }
        switch self {
        case .hello(let version, let client):
            w.u8(MessageType.hello.rawValue); w.u16(version); w.string(client)
        case .transcribe(let request):
            w.u8(MessageType.transcribe.rawValue)
            w.u32(request.requestID)
            switch request.source {
            case .descriptor:
                w.u8(0)
            case .raw(let format):
                w.u8(1); rawFormat(format)
            }
            w.bool(request.timing); w.bool(request.withoutTimestamps); w.u8(request.priority.rawValue)
            w.decodingChoices(request.decoding)
        case .dictate(let request):
            w.u8(MessageType.dictate.rawValue)
            w.u32(request.requestID); rawFormat(request.format)
            w.bool(request.timing); w.bool(request.partials); w.u8(request.endpointing.rawValue)
            w.u32(request.silenceMilliseconds); w.u32(request.maximumSeconds)
            w.decodingChoices(request.decoding)
        case .audio(let id, let bytes):
            w.u8(MessageType.audio.rawValue); w.u32(id); w.raw(bytes)
        case .audioEnd(let id):
            w.u8(MessageType.audioEnd.rawValue); w.u32(id)
        case .cancel(let id):
            w.u8(MessageType.cancel.rawValue); w.u32(id)
        case .status:
            w.u8(MessageType.status.rawValue)
        case .stats(let reset):
            w.u8(MessageType.stats.rawValue); w.bool(reset)
        case .ping(let nonce):
            w.u8(MessageType.ping.rawValue); w.u64(nonce)
        }
        return Frame.encode(w.bytes)
    }

    /// Decodes one frame body; throws `malformedFrame` on anything else.
    public init(decoding body: [UInt8]) throws {
        var r = WireReader(body[...])
        let typeByte = try r.u8("message type")
        guard let type = MessageType(rawValue: typeByte), typeByte < 0x80 else {
            throw ProtocolError(.malformedFrame, "unknown client message type \(typeByte)")
        }
        switch type {
        case .hello:
            self = .hello(version: try r.u16("version"), client: try r.string("client name", limit: 256))
        case .transcribe:
            let id = try r.u32("request id")
            let source: TranscribeRequest.Source
            switch try r.u8("audio source") {
            case 0: source = .descriptor
            case 1: source = .raw(try Self.rawFormat(&r))
            case let other: throw ProtocolError(.malformedFrame, "unknown audio source \(other)")
            }
            let timing = try r.bool("timing flag"), withoutTimestamps = try r.bool("timestamps flag")
            let priorityByte = try r.u8("priority")
            guard let priority = TranscribeRequest.Priority(rawValue: priorityByte) else {
                throw ProtocolError(.malformedFrame, "unknown priority \(priorityByte)")
            }
            self = .transcribe(TranscribeRequest(requestID: id, source: source, timing: timing, withoutTimestamps: withoutTimestamps,
                                                 priority: priority, decoding: try r.decodingChoices()))
        case .dictate:
            let id = try r.u32("request id"), format = try Self.rawFormat(&r)
            let timing = try r.bool("timing flag"), partials = try r.bool("partials flag")
            let endpointingByte = try r.u8("endpointing")
            guard let endpointing = DictateRequest.Endpointing(rawValue: endpointingByte) else {
                throw ProtocolError(.malformedFrame, "unknown endpointing \(endpointingByte)")
            }
            let silence = try r.u32("silence"), maximum = try r.u32("maximum seconds")
            self = .dictate(DictateRequest(requestID: id, format: format, timing: timing, partials: partials, endpointing: endpointing,
                                           silenceMilliseconds: silence, maximumSeconds: maximum, decoding: try r.decodingChoices()))
        case .audio:
            self = .audio(requestID: try r.u32("request id"), bytes: Array(r.rest()))
        case .audioEnd:
            self = .audioEnd(requestID: try r.u32("request id"))
        case .cancel:
            self = .cancel(requestID: try r.u32("request id"))
        case .status:
            self = .status
        case .stats:
            self = .stats(reset: try r.bool("reset flag"))
        case .ping:
            self = .ping(nonce: try r.u64("nonce"))
        default:
            throw ProtocolError(.malformedFrame, "unknown client message type \(typeByte)")
        }
        try r.finish("the \(type) message")
    }

    private static func rawFormat(_ r: inout WireReader) throws -> RawAudioFormat {
        let encodingByte = try r.u8("raw encoding")
        guard let encoding = RawAudioFormat.Encoding(rawValue: encodingByte) else {
            throw ProtocolError(.malformedFrame, "unknown raw encoding \(encodingByte)")
        }
        return RawAudioFormat(encoding: encoding, sampleRate: try r.u32("sample rate"), channels: try r.u8("channels"))
    }
}

extension DaemonMessage {
    public func encoded() -> [UInt8] {
        var w = WireWriter()
        func pairs(_ values: [KeyValue]) {
            w.u32(UInt32(values.count))
            for pair in values { w.string(pair.key); w.string(pair.value) }
        }
        func segments(_ segments: [TranscriptionResult.Segment]) {
            w.u32(UInt32(segments.count))
            for segment in segments {
                w.f64(segment.start); w.f64(segment.end); w.string(segment.text)
                w.u32(UInt32(segment.words.count))
                for word in segment.words { w.string(word.word); w.f64(word.start); w.f64(word.end); w.f64(word.probability) }
            }
        }
        switch self {
        case .welcome(let version, let daemon, let model):
            w.u8(MessageType.welcome.rawValue); w.u16(version); w.string(daemon); w.string(model)
        case .accepted(let id):
            w.u8(MessageType.accepted.rawValue); w.u32(id)
        case .progress(let id, let done, let total):
            w.u8(MessageType.progress.rawValue); w.u32(id); w.f64(done); w.f64(total)
        case .segments(let id, let final):
            w.u8(MessageType.segments.rawValue); w.u32(id); segments(final)
        case .commit(let id, let text):
            w.u8(MessageType.commit.rawValue); w.u32(id); w.f64(text.start); w.f64(text.end); w.string(text.text)
        case .partial(let id, let text):
            w.u8(MessageType.partial.rawValue); w.u32(id); w.f64(text.start); w.f64(text.end); w.string(text.text)
        case .voice(let id, let started, let at):
            w.u8(MessageType.voice.rawValue); w.u32(id); w.bool(started); w.f64(at)
        case .result(let result):
            w.u8(MessageType.result.rawValue); w.u32(result.requestID); w.f64(result.duration)
            w.string(result.language); w.f64(result.languageProbability)
            segments(result.segments)
            w.u32(UInt32(result.timings.count))
            for timing in result.timings {
                w.string(timing.path); w.f64(timing.milliseconds); w.u32(timing.count)
                w.u32(UInt32(timing.extras.count))
                for extra in timing.extras { w.string(extra.name); w.f64(extra.value) }
            }
        case .error(let id, let error):
            w.u8(MessageType.error.rawValue); w.u32(id); w.u16(error.code.rawValue); w.string(error.message)
        case .status(let values):
            w.u8(MessageType.statusReply.rawValue); pairs(values)
        case .stats(let rows):
            w.u8(MessageType.statsReply.rawValue)
            w.u32(UInt32(rows.count))
            for row in rows {
                w.u8(row.period.rawValue); w.u8(row.measure.rawValue); w.string(row.path); w.u64(row.count)
                for value in [row.mean, row.p50, row.p95, row.p99, row.max] { w.f64(value) }
            }
        case .pong(let nonce):
            w.u8(MessageType.pong.rawValue); w.u64(nonce)
        }
        return Frame.encode(w.bytes)
    }

    public init(decoding body: [UInt8]) throws {
        var r = WireReader(body[...])
        let typeByte = try r.u8("message type")
        func pairs() throws -> [KeyValue] {
            let count = Int(try r.u32("pair count"))
            guard count <= r.remaining / 8 else { throw ProtocolError(.malformedFrame, "\(count) pairs cannot fit") }
            return try (0..<count).map { _ in KeyValue(try r.string("key"), try r.string("value")) }
        }
        func segments() throws -> [TranscriptionResult.Segment] {
            let count = Int(try r.u32("segment count"))
            guard count <= r.remaining / 24 else { throw ProtocolError(.malformedFrame, "\(count) segments cannot fit") }
            return try (0..<count).map { _ in
                let start = try r.f64("start"), end = try r.f64("end"), text = try r.string("text")
                let wordCount = Int(try r.u32("word count"))
                guard wordCount <= r.remaining / 28 else { throw ProtocolError(.malformedFrame, "\(wordCount) words cannot fit") }
                let words = try (0..<wordCount).map { _ in
                    TranscriptionResult.Word(word: try r.string("word"), start: try r.f64("word start"), end: try r.f64("word end"),
                                             probability: try r.f64("word probability"))
                }
                return TranscriptionResult.Segment(start: start, end: end, text: text, words: words)
            }
        }
        switch MessageType(rawValue: typeByte) {
        case .welcome:
            self = .welcome(version: try r.u16("version"), daemon: try r.string("daemon"), model: try r.string("model"))
        case .accepted:
            self = .accepted(requestID: try r.u32("request id"))
        case .progress:
            self = .progress(requestID: try r.u32("request id"), done: try r.f64("done"), total: try r.f64("total"))
        case .segments:
            self = .segments(requestID: try r.u32("request id"), try segments())
        case .commit:
            let id = try r.u32("request id")
            self = .commit(requestID: id, .init(start: try r.f64("start"), end: try r.f64("end"), text: try r.string("text")))
        case .partial:
            let id = try r.u32("request id")
            self = .partial(requestID: id, .init(start: try r.f64("start"), end: try r.f64("end"), text: try r.string("text")))
        case .voice:
            self = .voice(requestID: try r.u32("request id"), started: try r.bool("started flag"), at: try r.f64("at"))
        case .result:
            let id = try r.u32("request id"), duration = try r.f64("duration")
            let language = try r.string("language"), languageProbability = try r.f64("language probability")
            let segments = try segments()
            let timingCount = Int(try r.u32("timing count"))
            guard timingCount <= r.remaining / 16 else { throw ProtocolError(.malformedFrame, "\(timingCount) timings cannot fit") }
            let timings = try (0..<timingCount).map { _ in
                let path = try r.string("path"), milliseconds = try r.f64("milliseconds"), count = try r.u32("count")
                let extraCount = Int(try r.u32("extra count"))
                guard extraCount <= r.remaining / 12 else { throw ProtocolError(.malformedFrame, "\(extraCount) extras cannot fit") }
                let extras = try (0..<extraCount).map { _ in TranscriptionResult.Extra(try r.string("extra name"), try r.f64("extra value")) }
                return TranscriptionResult.Timing(path: path, milliseconds: milliseconds, count: count, extras: extras)
            }
            self = .result(TranscriptionResult(requestID: id, duration: duration, language: language,
                                               languageProbability: languageProbability, segments: segments, timings: timings))
        case .error:
            let id = try r.u32("request id")
            self = .error(requestID: id, ProtocolError(ProtocolError.Code(rawValue: try r.u16("code")), try r.string("message")))
        case .statusReply:
            self = .status(try pairs())
        case .statsReply:
            let count = Int(try r.u32("row count"))
            guard count <= r.remaining / 54 else { throw ProtocolError(.malformedFrame, "\(count) rows cannot fit") }
            self = .stats(try (0..<count).map { _ in
                let periodByte = try r.u8("period")
                guard let period = StatisticsRow.Period(rawValue: periodByte) else {
                    throw ProtocolError(.malformedFrame, "unknown statistics period \(periodByte)")
                }
                let measureByte = try r.u8("measure")
                guard let measure = StatisticsRow.Measure(rawValue: measureByte) else {
                    throw ProtocolError(.malformedFrame, "unknown statistics measure \(measureByte)")
                }
                return StatisticsRow(period: period, measure: measure, path: try r.string("path"), count: try r.u64("count"),
                                     mean: try r.f64("mean"), p50: try r.f64("p50"), p95: try r.f64("p95"), p99: try r.f64("p99"),
                                     max: try r.f64("max"))
            })
        case .pong:
            self = .pong(nonce: try r.u64("nonce"))
        default:
            throw ProtocolError(.malformedFrame, "unknown daemon message type \(typeByte)")
        }
        try r.finish("the daemon's message \(typeByte)")
    }
}
