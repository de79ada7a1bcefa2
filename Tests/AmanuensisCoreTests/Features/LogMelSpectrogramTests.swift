@testable import AmanuensisCore
import Foundation
import TestSupport
import Testing

@Suite struct LogMelSpectrogramTests {
    /// Docs/whisper-reference.md §5's test vector: 1 s of 0.5·sin(2π·440·t).
    @Test func sineMatchesTheReferenceVector() {
        let samples = (0..<16_000).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 16_000)) }
        let features = LogMelSpectrogram(melBins: 80)
        #expect(LogMelSpectrogram.contentFrames(sampleCount: samples.count) == 100)
        let maximum = features.prepare(samples)
        #expect(abs(maximum - 1.7528151) < 1e-4)
        let window = FloatBuffer(count: 80 * 3000)
        features.window(of: samples, start: 0, count: 100, maximum: maximum, into: window.pointer)
        let value = { (bin: Int, frame: Int) in window[bin * 3000 + frame] }
        let frame50: [Float] = [1.159391, 1.348738, 1.438204, 1.293523, -0.561796]
        let frame0: [Float] = [1.307817, 1.336241, 1.111596, 1.338301, 1.252741]
        for (offset, bin) in (9...13).enumerated() {
            #expect(abs(value(bin, 50) - frame50[offset]) < 1e-4, "frame 50, bin \(bin)")
            #expect(abs(value(bin, 0) - frame0[offset]) < 1e-4, "frame 0, bin \(bin)")
        }
        #expect((100..<3000).allSatisfy { frame in (0..<80).allSatisfy { value($0, frame) == 0 } })
    }

    /// faster-whisper's `FeatureExtractor` on jfk.wav (Tools/reference/mel.py).
    @Test func jfkMatchesFasterWhisper() throws {
        let reference = try Data(contentsOf: TestPaths.repositoryFixtures.appendingPathComponent("jfk-mel-80x1100.f32"))
            .withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let audio = try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path)
        let features = LogMelSpectrogram(melBins: 80)
        let frames = LogMelSpectrogram.contentFrames(sampleCount: audio.samples.count)
        #expect(frames == 1100)
        let window = FloatBuffer(count: 80 * 3000)
        features.window(of: audio.samples, start: 0, count: frames, maximum: features.prepare(audio.samples),
                        into: window.pointer)
        var largest: Float = 0
        for bin in 0..<80 {
            for frame in 0..<frames { largest = max(largest, abs(window[bin * 3000 + frame] - reference[bin * frames + frame])) }
        }
        #expect(largest <= 1e-4, "max abs difference \(largest)")
    }

    @Test func reflectPaddingMirrorsWithoutRepeatingTheEdge() {
        #expect((-3...6).map { LogMelSpectrogram.reflect($0, length: 4) } == [3, 2, 1, 0, 1, 2, 3, 2, 1, 0])
    }
}
