import AmanuensisCore
import Foundation
import TestSupport
import Testing

@Suite struct RawPCMFormatTests {
    @Test(arguments: [(1, 16_000, AudioError.Code?.none), (0, 16_000, .badChannelCount), (9, 16_000, .badChannelCount),
                      (1, 1_000, .badSampleRate), (1, 400_000, .badSampleRate)])
    func refusesImpossibleFormats(channels: Int, rate: Int, code: AudioError.Code?) {
        do {
            _ = try RawPCMFormat(encoding: .s16le, sampleRate: rate, channels: channels)
            #expect(code == nil)
        } catch let error as AudioError {
            #expect(error.code == code, "\(channels) channels at \(rate) Hz")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func rawSamplesDecodeLikeTheWavTheyCameFrom() throws {
        let wav = try Data(contentsOf: TestPaths.samples.appendingPathComponent("jfk.wav"))
        let pcm = wav.suffix(176_000 * 2)
        let raw = try RawPCMFormat(encoding: .s16le, sampleRate: 16_000, channels: 1).decode(pcm)
        #expect(raw.samples == (try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path)).samples)
    }

    @Test func chunksMayEndInsideAFrame() throws {
        let format = try RawPCMFormat(encoding: .s16le, sampleRate: 16_000, channels: 2)
        let bytes: [UInt8] = [0x00, 0x40, 0x00, 0x40, 0x00, 0xC0, 0x00, 0xC0]
        var decoder = try RawPCMDecoder(format: format)
        for byte in bytes { try decoder.append([byte]) }
        #expect(try decoder.finish().samples.count == 2)
    }

    @Test func anOddByteCountIsAPartialFrame() throws {
        let error = #expect(throws: AudioError.self) { try RawPCMFormat(encoding: .s16le, sampleRate: 16_000, channels: 1).decode([1, 2, 3]) }
        #expect(error?.code == .partialFrame)
    }

    @Test func nothingAtAllIsEmpty() throws {
        let error = #expect(throws: AudioError.self) { try RawPCMFormat(encoding: .f32le, sampleRate: 16_000, channels: 1).decode([UInt8]()) }
        #expect(error?.code == .empty)
    }

    @Test func nonFiniteFloatsAreRefused() throws {
        let nan = withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) }
        #expect(throws: AudioError.self) { try RawPCMFormat(encoding: .f32le, sampleRate: 16_000, channels: 1).decode(nan) }
    }
}
