import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// Word timestamps held to faster-whisper's (`word_timestamps=True`,
/// Tools/reference/words.py) on the same model and audio.
@Suite(.serialized) struct WordTimestampTests {
    struct Reading: Decodable {
        struct Segment: Decodable {
            let words: [Word]
        }

        let file: String
        let text: String
        let segments: [Segment]
    }

    /// How our words compare with faster-whisper's over a corpus.
    struct Comparison {
        var clips = 0, sameWords = 0
        var startErrors: [Double] = [], endErrors: [Double] = [], probabilityErrors: [Double] = []
        var differences: [String] = []

        mutating func add(_ ours: [Word], _ theirs: [Word], file: String) {
            clips += 1
            guard ours.map(\.word) == theirs.map(\.word) else {
                differences.append("\(file)\n  ours:   \(ours.map(\.word).joined())\n  theirs: \(theirs.map(\.word).joined())")
                return
            }
            sameWords += 1
            for (our, their) in zip(ours, theirs) {
                startErrors.append(abs(our.start - their.start))
                endErrors.append(abs(our.end - their.end))
                probabilityErrors.append(abs(our.probability - their.probability))
            }
        }

        static func percentile(_ values: [Double], _ fraction: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
        }

        var errors: [Double] { startErrors + endErrors }

        func report(_ name: String) {
            print("\(name): same words as faster-whisper on \(sameWords)/\(clips) clips; \(startErrors.count) words; "
                  + "start and end error median \(Self.percentile(errors, 0.5) * 1000) ms, "
                  + "p95 \(Self.percentile(errors, 0.95) * 1000) ms, max \(Self.percentile(errors, 1) * 1000) ms; "
                  + "probability error p95 \(Self.percentile(probabilityErrors, 0.95)), max \(Self.percentile(probabilityErrors, 1))")
            for difference in differences { print(difference) }
        }

        func check() {
            #expect(clips > 0 && !errors.isEmpty, "nothing was compared")
            #expect(Double(sameWords) >= 0.95 * Double(clips), "the same word sequence on \(sameWords) of \(clips) clips")
            #expect(Self.percentile(probabilityErrors, 0.95) <= 0.01, "the words' probabilities")
            #expect(Self.percentile(errors, 0.5) <= 0.02)
            #expect(Self.percentile(errors, 0.95) <= 0.1)
        }
    }

    static func readings(_ model: String) throws -> [Reading] {
        try Corpus.requireCorpus()
        return try Corpus.lines(TestPaths.repositoryFixtures.appendingPathComponent("faster-whisper-words-\(model).jsonl"),
                                as: Reading.self)
    }

    static func audio(_ file: String) throws -> AudioSamples {
        try AudioFileDecoder.decode(path: TestPaths.corpus.appendingPathComponent(file).path)
    }

    @Test func tinyEnglishTimesTheCorpusWordsAsFasterWhisperDoes() throws {
        var options = DecodingOptions()
        options.wordTimestamps = true
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish.get(), options: options)
        var comparison = Comparison()
        for reading in try Self.readings("tiny.en") {
            let transcript = try transcriber.transcribe(try Self.audio(reading.file))
            comparison.add(transcript.segments.flatMap(\.words), reading.segments.flatMap(\.words), file: reading.file)
        }
        comparison.report("tiny.en")
        comparison.check()
    }

    /// One pass of base over the English corpus, the language detected and
    /// the words timed, checks all three against faster-whisper: the
    /// language (and its probability) as it detects it, and the text and
    /// words it gives with word timestamps (which move the windows of long
    /// audio: the text is compared with its text under the same rule).
    @Test func baseDetectsTranscribesAndTimesTheEnglishCorpusAsFasterWhisperDoes() throws {
        struct Detection: Decodable {
            let file: String
            let detected: String
            let probability: Double
        }
        let detections = try Corpus.lines(TestPaths.repositoryFixtures.appendingPathComponent("faster-whisper-base-english.jsonl"),
                                          as: Detection.self)
        let detected = Dictionary(uniqueKeysWithValues: detections.map { ($0.file, $0) })
        var options = DecodingOptions()
        options.wordTimestamps = true
        let transcriber = try Transcriber(model: try SharedModels.base.get(), options: options)
        var comparison = Comparison()
        var identical = 0, clips = 0
        var detectionDifferences: [String] = []
        for reading in try Self.readings("base") {
            let transcript = try transcriber.transcribe(try Self.audio(reading.file))
            let theirs = try #require(detected[reading.file], "no detection for \(reading.file)")
            if transcript.language != theirs.detected || abs(transcript.languageProbability - theirs.probability) > 0.02 {
                detectionDifferences.append("\(reading.file): ours \(transcript.language ?? "none") \(transcript.languageProbability), "
                                            + "theirs \(theirs.detected) \(theirs.probability)")
            }
            // faster-whisper's words were made with English given; a clip it detects otherwise decodes differently.
            guard theirs.detected == "en" else { continue }
            clips += 1
            if WordErrorRate.normalize(transcript.text) == WordErrorRate.normalize(reading.text) { identical += 1 }
            comparison.add(transcript.segments.flatMap(\.words), reading.segments.flatMap(\.words), file: reading.file)
        }
        print("base, English corpus: detection differs on \(detectionDifferences.count) of \(detections.count) clips; "
              + "text identical on \(identical)/\(clips)")
        for line in detectionDifferences { print("  " + line) }
        comparison.report("base")
        #expect(detectionDifferences.isEmpty)
        #expect(Double(identical) >= 0.95 * Double(clips))
        comparison.check()
    }

    @Test func jfksWordsJoinIntoItsSegmentsAndSpanThem() throws {
        var options = DecodingOptions()
        options.wordTimestamps = true
        let jfk = try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path)
        let transcript = try Transcriber(model: try SharedModels.tinyEnglish.get(), options: options).transcribe(jfk)
        for segment in transcript.segments {
            #expect(segment.words.map(\.word).joined() == segment.text)
            #expect(segment.words.first?.start == segment.start && segment.words.last?.end == segment.end)
            #expect(zip(segment.words, segment.words.dropFirst()).allSatisfy { $0.end <= $1.start && $0.start <= $0.end })
        }
        #expect(transcript.statistics.timer.count(.alignment) == 1)
    }

    @Test func wordTimestampsWithoutTimestampsAreRefusedBeforeAnyWork() throws {
        var options = DecodingOptions()
        options.wordTimestamps = true
        options.withoutTimestamps = true
        #expect(throws: DecodingError.self) { try Transcriber(model: try SharedModels.tinyEnglish.get(), options: options) }
    }
}
