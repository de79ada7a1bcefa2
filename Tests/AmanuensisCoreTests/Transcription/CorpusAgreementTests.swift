import AmanuensisCore
import Foundation
import Testing

/// Whole-corpus agreement with faster-whisper (float32, greedy, same model):
/// the engine issue's acceptance bar.
@Suite struct CorpusAgreementTests {
    @Test func greedyMatchesFasterWhisperOnTheCorpus() throws {
        let clips = try Corpus.clips().filter { ($0.kind == "wav16k" || $0.kind == "derived") && $0.hasExactReference }
        let theirs = try Corpus.fasterWhisper(beamSize: 1)
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish.get())
        var identical = 0, ourErrors = 0, theirErrors = 0, words = 0
        var differences: [String] = []
        for clip in clips {
            let ours = try transcriber.transcribe(try AudioFileDecoder.decode(path: clip.url.path)).text
            let reference = try #require(theirs[clip.file], "no faster-whisper transcript for \(clip.file)")
            let referenceWords = WordErrorRate.normalize(clip.reference!)
            words += referenceWords.count
            ourErrors += WordErrorRate.errors(reference: referenceWords, hypothesis: WordErrorRate.normalize(ours))
            theirErrors += WordErrorRate.errors(reference: referenceWords, hypothesis: WordErrorRate.normalize(reference))
            if WordErrorRate.normalize(ours) == WordErrorRate.normalize(reference) {
                identical += 1
            } else {
                differences.append("\(clip.file)\n  ours:   \(ours)\n  theirs: \(reference)")
            }
        }
        let agreement = Double(identical) / Double(clips.count)
        let ourRate = 100 * Double(ourErrors) / Double(words)
        let theirRate = 100 * Double(theirErrors) / Double(words)
        print("corpus agreement: \(identical)/\(clips.count) = \(agreement); WER ours \(ourRate) %, faster-whisper \(theirRate) %")
        for difference in differences { print(difference) }
        #expect(agreement >= 0.95, "normalized text identical to faster-whisper on \(identical) of \(clips.count) clips")
        #expect(ourRate <= theirRate + 0.3, "WER \(ourRate) % against faster-whisper's \(theirRate) %")
    }
}
