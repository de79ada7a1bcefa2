import AmanuensisCore
import Foundation
import TestSupport
import Testing

@Suite struct TranscriberTests {
    static func jfk() throws -> AudioSamples {
        try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path)
    }

    /// The same segments, times and text as faster-whisper's `transcribe`.
    @Test func jfkGivesFasterWhispersSegments() throws {
        let transcript = try Transcriber(model: try SharedModels.tinyEnglish.get()).transcribe(try Self.jfk())
        #expect(transcript.segments.map(\.text) == [" And so my fellow Americans ask not what your country can do for you",
                                                    " ask what you can do for your country"])
        #expect(transcript.segments.map(\.start) == [0, 7.74])
        #expect(transcript.segments.map(\.end) == [7.74, 10.74])
        #expect(transcript.duration == 11)
    }

    @Test func anInitialPromptStylesTheTranscript() throws {
        var options = DecodingOptions()
        options.initialPrompt = "And so, my fellow Americans, ask not."
        let transcript = try Transcriber(model: try SharedModels.tinyEnglish.get(), options: options).transcribe(try Self.jfk())
        #expect(transcript.text.contains("And so, my fellow Americans, ask not"), "\(transcript.text)")
    }

    @Test func theBaseModelLoadsAndTranscribes() throws {
        let model = try SharedModels.base.get()
        #expect(model.tokenizer.special.isMultilingual)
        let transcript = try Transcriber(model: model).transcribe(try Self.jfk())
        let reference = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
        #expect(WordErrorRate.normalize(transcript.text) == WordErrorRate.normalize(reference), "\(transcript.text)")
    }

    @Test func invalidOptionsAreRefusedBeforeAnyWork() throws {
        var options = DecodingOptions()
        options.beamSize = 0
        #expect(throws: DecodingError.self) { try Transcriber(model: try SharedModels.tinyEnglish.get(), options: options) }
    }
}
