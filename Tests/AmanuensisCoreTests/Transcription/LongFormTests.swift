import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// Audio longer than one window: the seek loop runs to the end, the output
/// is deterministic, and resampled copies read the same.
@Suite struct LongFormTests {
    static func transcribe(_ file: String, _ transcriber: Transcriber) throws -> Transcript {
        try Corpus.requireCorpus()
        return try transcriber.transcribe(try AudioFileDecoder.decode(path: TestPaths.corpus.appendingPathComponent(file).path))
    }

    static func wordErrorRate(_ text: String, reference: String) -> Double {
        let words = WordErrorRate.normalize(reference)
        return 100 * Double(WordErrorRate.errors(reference: words, hypothesis: WordErrorRate.normalize(text))) / Double(words.count)
    }

    @Test(arguments: [("derived/concat_120s.wav", 12.0), ("wav16k/bush_radio_address_2008-11-01.wav", 6.0)])
    func longAudioCompletesAndIsDeterministic(file: String, maximumWordErrorRate: Double) throws {
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish.get())
        let first = try Self.transcribe(file, transcriber)
        let second = try Self.transcribe(file, transcriber)
        #expect(first.segments == second.segments, "two runs differ")
        let clip = try #require(try Corpus.clips().first { $0.file == file })
        let reference = try clip.reference ?? String(contentsOf: TestPaths.corpus.appendingPathComponent("references/\(clip.id).txt"), encoding: .utf8)
        let rate = Self.wordErrorRate(first.text, reference: reference)
        #expect(rate <= maximumWordErrorRate, "WER \(rate) %: \(first.text)")
        // The last words of the reference are in the transcript: nothing was cut off.
        let tail = WordErrorRate.normalize(reference).suffix(3)
        #expect(WordErrorRate.normalize(first.text).suffix(6).contains(tail.last!), "ends: \(first.text.suffix(80))")
        #expect(first.segments.last!.end <= first.duration + 0.5)
        #expect(zip(first.segments, first.segments.dropFirst()).allSatisfy { $0.start <= $1.start }, "segments out of order")
    }

    @Test(arguments: ["derived/concat_30s_stereo_44k1.wav", "derived/concat_30s_8k.wav"])
    func resampledCopiesReadLikeTheOriginal(file: String) throws {
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish.get())
        let reference = try #require(try Corpus.clips().first { $0.file == "derived/concat_30s.wav" }?.reference)
        let original = Self.wordErrorRate(try Self.transcribe("derived/concat_30s.wav", transcriber).text, reference: reference)
        let copy = Self.wordErrorRate(try Self.transcribe(file, transcriber).text, reference: reference)
        #expect(abs(copy - original) <= 2, "WER \(copy) % against the original's \(original) %")
    }
}
