import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// Word timestamps held to faster-whisper's (`word_timestamps=True`) on the
/// same model and audio.
@Suite(.serialized) struct WordTimestampTests {
    static func jfk() throws -> AudioSamples { try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path) }

    @Test func jfkWordsHaveTheirTimes() throws {
        var options = DecodingOptions()
        options.wordTimestamps = true
        let transcript = try Transcriber(model: try SharedModels.tinyEnglish.get(), options: options).transcribe(try Self.jfk())
        for segment in transcript.segments {
            print(segment.start, segment.end, segment.text)
            for word in segment.words { print("  ", word.word, word.start, word.end, word.probability) }
        }
        let words = transcript.segments.flatMap(\.words)
        #expect(words.map(\.word).joined() == transcript.text)
    }
}
