import AmanuensisCore
import Foundation
import Testing

@Suite struct TranscriberTests {
    @Test func jfkGreedy() throws {
        let model = try SharedModels.tinyEnglish.get()
        let transcriber = try Transcriber(model: model)
        let audio = try AudioFileDecoder.decode(path: TestPaths.corpus.appendingPathComponent("wav16k/jfk.wav").path)
        let start = ContinuousClock.now
        let transcript = try transcriber.transcribe(audio)
        print(ContinuousClock.now - start, transcript.statistics)
        print(transcript.segments.map { "\($0.start) \($0.end) \($0.tokens)" })
        #expect(transcript.text == " And so my fellow Americans ask not what your country can do for you ask what you can do for your country")
    }
}
