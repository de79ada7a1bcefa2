import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// Whole-corpus agreement with faster-whisper (float32, same model, same
/// beam size): the engine issue's acceptance bar, and proof that our own
/// silence rules never touch a clip that has speech.
@Suite struct CorpusAgreementTests {
    struct Tally {
        var clips = 0, identical = 0, ourErrors = 0, theirErrors = 0, words = 0
        var differences: [String] = []
        var agreement: Double { Double(identical) / Double(clips) }
        var ourRate: Double { 100 * Double(ourErrors) / Double(words) }
        var theirRate: Double { 100 * Double(theirErrors) / Double(words) }
    }

    /// Greedy float32 must agree on 95 % of clips; beam search, whose ties and
    /// pruning order CTranslate2 breaks its own way, on 90 %. int8 changes a
    /// few words by design (faster-whisper's own int8 agrees with its float32
    /// on 88 % of these clips): it is held to the word error rate alone.
    /// `int8_layers`, and `auto`, which the daemon runs by default, are held
    /// to the default's bar: 90 %; so is `int8_encoder`.
    @Test(arguments: [(ComputeType.float32, 1, 0.95), (.float32, 5, 0.90), (.int8, 1, 0), (.int8Layers, 1, 0.90),
                      (.int8Encoder, 1, 0.90), (.auto, 1, 0.90)])
    func transcriptsMatchFasterWhisper(computeType: ComputeType, beamSize: Int, requiredAgreement: Double) throws {
        let clips = try Corpus.clips().filter { ($0.kind == "wav16k" || $0.kind == "derived") && $0.hasExactReference }
        let theirs = try Corpus.fasterWhisper(beamSize: beamSize)
        var options = DecodingOptions()
        options.beamSize = beamSize
        let model = try SharedModels.tinyEnglish(computeType)
        let transcriber = try Transcriber(model: model, options: options)
        var withoutOurRules = options
        withoutOurRules.greedySilenceCheck = false
        withoutOurRules.silenceLevel = nil
        var tally = Tally()
        for clip in clips {
            let audio = try AudioFileDecoder.decode(path: clip.url.path)
            let transcript = try transcriber.transcribe(audio)
            let ourVerdicts = transcript.statistics.silentWindows.filter { $0.key == .quiet || $0.key == .noSpeechWhenGreedy }
            if !ourVerdicts.isEmpty {
                // Our silence rules fired (on the digital silence that pads the
                // concatenations, say): they must not have changed the text.
                let plain = try Transcriber(model: model, options: withoutOurRules).transcribe(audio)
                #expect(plain.text == transcript.text, "our silence rules (\(ourVerdicts)) changed \(clip.file)")
            }
            let reference = try #require(theirs[clip.file], "no faster-whisper transcript for \(clip.file)")
            let referenceWords = WordErrorRate.normalize(clip.reference!)
            let ours = WordErrorRate.normalize(transcript.text), fasterWhisper = WordErrorRate.normalize(reference)
            tally.clips += 1
            tally.words += referenceWords.count
            tally.ourErrors += WordErrorRate.errors(reference: referenceWords, hypothesis: ours)
            tally.theirErrors += WordErrorRate.errors(reference: referenceWords, hypothesis: fasterWhisper)
            if ours == fasterWhisper {
                tally.identical += 1
            } else {
                tally.differences.append("\(clip.file)\n  ours:   \(transcript.text)\n  theirs: \(reference)")
            }
        }
        print("\(computeType), beam \(beamSize): identical to faster-whisper on \(tally.identical)/\(tally.clips) clips; "
              + "WER ours \(tally.ourRate) %, faster-whisper \(tally.theirRate) %")
        for difference in tally.differences { print(difference) }
        #expect(tally.agreement >= requiredAgreement,
                "normalized text identical to faster-whisper on \(tally.identical) of \(tally.clips) clips")
        #expect(tally.ourRate <= tally.theirRate + 0.3, "WER \(tally.ourRate) % against faster-whisper's \(tally.theirRate) %")
    }
}
