import AmanuensisProtocol
import Testing

@Suite struct FrameDecoderTests {
    static let messages: [ClientMessage] = [
        .hello(version: protocolVersion, client: "amctl"),
        .transcribe(TranscribeRequest(requestID: 7, source: .raw(RawAudioFormat(encoding: .f32le, sampleRate: 44_100, channels: 2)),
                                      timing: true, withoutTimestamps: true, priority: .batch,
                                      decoding: DecodingChoices(beamSize: 5, initialPrompt: "Café ♪", language: "de", task: .translate))),
        .transcribe(TranscribeRequest(requestID: 8, source: .descriptor)),
        .audio(requestID: 7, bytes: Array(0..<200)),
        .audioEnd(requestID: 7), .cancel(requestID: 8), .status, .stats(reset: true), .ping(nonce: .max),
    ]

    /// The same stream fed all at once, one byte at a time, and one frame at
    /// a time gives the same messages.
    @Test(arguments: [0, 1, 7])
    func decodesTheSameWhateverTheChunking(chunk: Int) throws {
        let stream = Self.messages.flatMap { $0.encoded() }
        var decoder = FrameDecoder()
        var decoded: [ClientMessage] = []
        var offset = 0
        while offset < stream.count {
            let end = chunk == 0 ? stream.count : min(offset + chunk, stream.count)
            decoder.append(stream[offset..<end])
            offset = end
            while let body = try decoder.next() { decoded.append(try ClientMessage(decoding: body)) }
        }
        #expect(decoded == Self.messages)
        #expect(decoder.buffered == 0)
    }

    @Test func daemonMessagesRoundTrip() throws {
        let messages: [DaemonMessage] = [
            .welcome(version: 1, daemon: "0.1.0", model: "tiny.en"), .accepted(requestID: 3),
            .progress(requestID: 3, done: 30, total: 127.4),
            .result(TranscriptionResult(requestID: 3, duration: 11, language: "en", languageProbability: 0.97, segments: [.init(start: 0, end: 7.74, text: " And so")],
                                        timings: [.init(path: "total", milliseconds: 512.5, count: 1)])),
            .error(requestID: 0, ProtocolError(.busy, "try again")), .status([KeyValue("model", "tiny.en")]),
            .stats([]), .pong(nonce: 42),
        ]
        for message in messages {
            var decoder = FrameDecoder()
            decoder.append(message.encoded())
            #expect(try DaemonMessage(decoding: try #require(try decoder.next())) == message)
        }
    }

    @Test func lengthsAreCheckedFromTheHeaderAlone() {
        var empty = FrameDecoder()
        empty.append([0, 0, 0, 0])
        #expect(throws: ProtocolError(.malformedFrame, "a frame of length 0")) { try empty.next() }
        var huge = FrameDecoder(maximumSize: 1024)
        huge.append([0x01, 0x04, 0, 0])
        #expect((try? huge.next()) == nil)
        #expect { try huge.next() } throws: { ($0 as? ProtocolError)?.code == .frameTooLarge }
        var atLimit = FrameDecoder(maximumSize: 4)
        atLimit.append([4, 0, 0, 0, 0x08, 1, 2])
        #expect((try? atLimit.next()) == .some(nil), "a frame at the limit waits for its bytes")
    }

    @Test(arguments: [[UInt8]([]), [0x7F], [0x01, 1], [0x02, 1, 0, 0, 0, 9], [0x08, 1, 2, 3], [0x06, 0], [0x81]])
    func malformedBodiesAreErrorsNotCrashes(body: [UInt8]) {
        #expect { try ClientMessage(decoding: body) } throws: { ($0 as? ProtocolError)?.code == .malformedFrame }
    }

    @Test func stringsMustBeUTF8AndFitTheFrame() {
        #expect(throws: ProtocolError.self) { try ClientMessage(decoding: [0x01, 1, 0, 2, 0, 0, 0, 0xC3, 0x28]) }
        #expect(throws: ProtocolError.self) { try ClientMessage(decoding: [0x01, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF]) }
    }

    @Test func rawFormatsParseFromTheirCommandLineSpelling() throws {
        #expect(try RawAudioFormat(parsing: "s16le:16000:1") == RawAudioFormat(encoding: .s16le, sampleRate: 16_000, channels: 1))
        #expect(try RawAudioFormat(parsing: "f32le:48000:2").description == "f32le:48000:2")
        for bad in ["s24le:16000:1", "s16le:16000", "s16le:x:1", "s16le:16000:-1", ""] {
            #expect(throws: ProtocolError.self, "\(bad)") { try RawAudioFormat(parsing: bad) }
        }
    }
}
