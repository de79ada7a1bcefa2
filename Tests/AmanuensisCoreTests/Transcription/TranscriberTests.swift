@testable import AmanuensisCore
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

    /// A stream made with the default (greedy) options serves every beam size
    /// a request may ask for, up to the largest.
    @Test func aGreedyStreamServesTheWidestBeam() throws {
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish.get())
        var options = DecodingOptions()
        options.beamSize = DecodingOptions.maximumSequences
        let transcript = try transcriber.transcribe(try Self.jfk(), options: options)
        #expect(transcript.text.contains("ask what you can do for your country"), "\(transcript.text)")
        #expect(try transcriber.transcribe(try Self.jfk()).segments.count == 2, "and greedy again after it")
    }

    /// Sampling five sequences when a window falls back, or a request's wider
    /// beam, makes their cache resident only for that call: a stream that
    /// kept it would in time hold five sequences' cache on every stream.
    @Test func aGreedyStreamGivesBackWhatWiderSearchesTouched() throws {
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish.get())
        var fallback = DecodingOptions()
        fallback.logProbThreshold = 0 // no decode is that likely: every temperature is tried
        var beam = DecodingOptions()
        beam.beamSize = 8
        var words = DecodingOptions()
        words.wordTimestamps = true
        for options in [fallback, beam, words] {
            let transcript = try transcriber.transcribe(try Self.jfk(), options: options)
            #expect(transcript.text.contains("for your country"), "\(transcript.text)")
            #expect(transcriber.state.residentBytes(sequencesFrom: 1) == 0, "after a call with \(options.sequences) sequences")
            #expect(transcriber.state.alignmentScores.residentBytes(after: 0) == 0, "the alignment's scores are given back")
        }
    }

    /// Samples no decoder produces (they skip the clipping) overflow the
    /// spectrogram into NaN: the call fails with an error, it never traps.
    @Test func nonFiniteScoresAreAnErrorNotATrap() throws {
        let samples = (0..<16_000).map { $0 % 200 < 100 ? Float(1e19) : 0 }
        let error = #expect(throws: (any Error).self) {
            try Transcriber(model: try SharedModels.tinyEnglish.get()).transcribe(AudioSamples(samples: samples))
        }
        #expect(error is NonFiniteScores, "\(String(describing: error))")
    }
}
