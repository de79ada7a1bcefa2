import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// Silence and noise must give empty text, never a hallucinated "You" or
/// "Thank you.", with greedy search and with beam search alike.
@Suite struct SilenceTests {
    static let negativeClips = ["derived/silence_10s.wav", "derived/noise_10s.wav",
                                "wav16k/speechcommands_silence.wav", "wav16k/speechcommands_noise.wav"]

    @Test(arguments: ComputeType.allCases, [1, 5])
    func silenceAndNoiseGiveEmptyText(computeType: ComputeType, beamSize: Int) throws {
        try Corpus.requireCorpus()
        var options = DecodingOptions()
        options.beamSize = beamSize
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish(computeType), options: options)
        for clip in Self.negativeClips {
            let transcript = try transcriber.transcribe(try AudioFileDecoder.decode(path: TestPaths.corpus.appendingPathComponent(clip).path))
            #expect(transcript.text == "", "\(clip), \(computeType), beam \(beamSize): \(transcript.segments)")
        }
    }

    @Test func digitalSilenceOfAnyLengthIsEmpty() throws {
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish.get())
        for seconds in [0.05, 1, 45] {
            let silence = AudioSamples(samples: [Float](repeating: 0, count: Int(seconds * 16_000)))
            #expect(try transcriber.transcribe(silence).text == "", "\(seconds) s of zeros")
        }
    }
}
