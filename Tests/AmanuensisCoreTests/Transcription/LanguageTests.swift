import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// Languages with the multilingual base model, held to faster-whisper's
/// readings of the same audio (float32, greedy): the language it detects and
/// how sure it is, what it writes, and what it translates to. A decode that
/// faster-whisper had to sample (a temperature above 0, on audio the model
/// hears badly) is left out of the text comparisons: sampled text depends on
/// the random numbers drawn, and no two implementations draw the same.
@Suite(.serialized) struct LanguageTests {
    struct Tally {
        var clips = 0, identical = 0, sampled = 0
        var ourErrors: [String: Int] = [:], theirErrors: [String: Int] = [:], words: [String: Int] = [:]
        var differences: [String] = []

        mutating func add(_ ours: String, _ theirs: String, sampledByThem: Bool, reference: String? = nil, language: String = "",
                          name: String) {
            guard !sampledByThem else {
                sampled += 1
                return
            }
            clips += 1
            if WordErrorRate.words(ours) == WordErrorRate.words(theirs) {
                identical += 1
            } else {
                differences.append("\(name)\n  ours:   \(ours)\n  theirs: \(theirs)")
            }
            guard let reference else { return }
            let referenceWords = WordErrorRate.words(reference)
            words[language, default: 0] += referenceWords.count
            ourErrors[language, default: 0] += WordErrorRate.errors(reference: referenceWords, hypothesis: WordErrorRate.words(ours))
            theirErrors[language, default: 0] += WordErrorRate.errors(reference: referenceWords, hypothesis: WordErrorRate.words(theirs))
        }

        var agreement: Double { Double(identical) / Double(max(clips, 1)) }
        func rate(_ errors: [String: Int], _ language: String) -> Double {
            100 * Double(errors[language] ?? 0) / Double(max(words[language] ?? 0, 1))
        }
    }

    @Test func everyLanguageIsDetectedTranscribedAndTranslatedAsFasterWhisperDoes() throws {
        let model = try SharedModels.base.get()
        let detecting = try Transcriber(model: model)
        // Where faster-whisper sampled, only the language is compared: no fallback is needed for it.
        var greedyOnly = DecodingOptions()
        greedyOnly.temperatures = [0]
        var transcripts = Tally(), translations = Tally(), given = Tally()
        var detection: [String] = []
        for (clip, url, reference) in try MultilingualClips.load() {
            let audio = try AudioFileDecoder.decode(path: url.path)
            let transcript = try detecting.transcribe(audio, options: reference.temperature > 0 ? greedyOnly : nil)
            if transcript.language != reference.detected || abs(transcript.languageProbability - reference.probability) > 0.02 {
                detection.append("\(clip.id): ours \(transcript.language ?? "none") \(transcript.languageProbability), "
                                 + "theirs \(reference.detected) \(reference.probability)")
            }
            transcripts.add(transcript.text, reference.text, sampledByThem: reference.temperature > 0, reference: clip.text,
                            language: clip.language, name: clip.id)
            if reference.detected != clip.language, reference.temperatureGiven > 0 {
                given.sampled += 1
            } else if reference.detected != clip.language {
                // Told the language, the decode is another one than detection gave.
                var told = DecodingOptions()
                told.language = clip.language
                let decoded = try detecting.transcribe(audio, options: told)
                #expect(decoded.language == clip.language && decoded.languageProbability == 1)
                given.add(decoded.text, reference.textGiven, sampledByThem: false, name: "\(clip.id) in \(clip.language)")
            }
            if reference.temperatureTranslation == 0 {
                var translate = DecodingOptions()
                translate.task = .translate
                translate.language = clip.language
                translations.add(try detecting.transcribe(audio, options: translate).text, reference.translation, sampledByThem: false,
                                 name: clip.id)
            } else {
                translations.sampled += 1
            }
        }
        print("detection differs from faster-whisper's on \(detection.count) of \(transcripts.clips + transcripts.sampled) clips")
        for line in detection { print("  " + line) }
        for (name, tally) in [("transcripts", transcripts), ("with the language given", given), ("translations", translations)] {
            print("\(name): identical to faster-whisper's on \(tally.identical)/\(tally.clips) clips "
                  + "(\(tally.sampled) more it sampled, not compared)")
        }
        for language in transcripts.words.keys.sorted() {
            print("  WER \(language): ours \(transcripts.rate(transcripts.ourErrors, language)) %, "
                  + "faster-whisper \(transcripts.rate(transcripts.theirErrors, language)) %")
        }
        for difference in transcripts.differences + given.differences + translations.differences { print(difference) }
        #expect(detection.isEmpty, "the language or its probability differs from faster-whisper's")
        #expect(transcripts.agreement >= 0.9)
        #expect(given.agreement >= 0.9)
        for language in transcripts.words.keys {
            #expect(transcripts.rate(transcripts.ourErrors, language) <= transcripts.rate(transcripts.theirErrors, language) + 0.5,
                    "WER in \(language)")
        }
        #expect(translations.agreement >= 0.9)
    }

    /// What a model cannot do is refused when the transcriber is made or the
    /// call begins, before any audio is looked at.
    @Test(arguments: [("base", "xx" as String?, DecodingTask.transcribe, "unknown language 'xx'"),
                      ("tiny.en", "de", .transcribe, "English-only; it cannot transcribe 'de'"),
                      ("tiny.en", nil, .translate, "English-only; it cannot translate")])
    func whatTheModelCannotDoIsRefusedBeforeAnyWork(model name: String, language: String?, task: DecodingTask, message: String) throws {
        let model = try (name == "base" ? SharedModels.base : SharedModels.tinyEnglish).get()
        var options = DecodingOptions()
        options.language = language
        options.task = task
        let error = try #require(throws: DecodingError.self) { try Transcriber(model: model, options: options) }
        #expect(error.code == .unsupportedLanguage && error.message.contains(message), "\(error)")
        let transcriber = try Transcriber(model: model)
        #expect(throws: DecodingError.self) { try transcriber.transcribe(AudioSamples(samples: []), options: options) }
    }

    @Test func anEnglishOnlyModelReportsEnglishWithoutDetecting() throws {
        let transcript = try Transcriber(model: try SharedModels.tinyEnglish.get())
            .transcribe(try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path))
        #expect(transcript.language == "en" && transcript.languageProbability == 1)
        #expect(transcript.statistics.timer.count(.language) == 0)
    }

    @Test func theBaseModelKnowsWhispersLanguages() throws {
        let languages = try SharedModels.base.get().languages
        #expect(languages.isMultilingual && languages.codes.count == 99)
        #expect(languages.codes.prefix(4) == ["en", "zh", "de", "es"] && languages.codes.last == "su")
    }
}
