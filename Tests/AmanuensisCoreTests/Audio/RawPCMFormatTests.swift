import AmanuensisCore
import Foundation
import TestSupport
import Testing

@Suite struct RawPCMFormatTests {
    @Test func parsesTheCommandLineSpelling() throws {
        let format = try RawPCMFormat(parsing: "s16le:16000:1")
        #expect(format.encoding == .s16le && format.sampleRate == 16_000 && format.channels == 1)
        #expect(format.description == "s16le:16000:1")
    }

    @Test(arguments: [("s16le:16000:0", AudioError.Code.badChannelCount), ("s16le:16000:9", .badChannelCount),
                      ("s16le:1000:1", .badSampleRate), ("s16le:400000:1", .badSampleRate),
                      ("s24le:16000:1", .badRawFormat), ("s16le:16000", .badRawFormat), ("s16le:fast:1", .badRawFormat)])
    func refusesImpossibleFormats(text: String, code: AudioError.Code) {
        let error = #expect(throws: AudioError.self) { try RawPCMFormat(parsing: text) }
        #expect(error?.code == code, "\(text)")
    }

    @Test func rawSamplesDecodeLikeTheWavTheyCameFrom() throws {
        let wav = try Data(contentsOf: TestPaths.samples.appendingPathComponent("jfk.wav"))
        let pcm = wav.suffix(176_000 * 2)
        let raw = try RawPCMFormat(parsing: "s16le:16000:1").decode(pcm)
        #expect(raw.samples == (try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path)).samples)
    }

    @Test func chunksMayEndInsideAFrame() throws {
        let format = try RawPCMFormat(parsing: "s16le:16000:2")
        let bytes: [UInt8] = [0x00, 0x40, 0x00, 0x40, 0x00, 0xC0, 0x00, 0xC0]
        var decoder = try RawPCMDecoder(format: format)
        for byte in bytes { try decoder.append([byte]) }
        #expect(try decoder.finish().samples.count == 2)
    }

    @Test func anOddByteCountIsAPartialFrame() throws {
        let error = #expect(throws: AudioError.self) { try RawPCMFormat(parsing: "s16le:16000:1").decode([1, 2, 3]) }
        #expect(error?.code == .partialFrame)
    }

    @Test func nothingAtAllIsEmpty() throws {
        let error = #expect(throws: AudioError.self) { try RawPCMFormat(parsing: "f32le:16000:1").decode([UInt8]()) }
        #expect(error?.code == .empty)
    }

    @Test func nonFiniteFloatsAreRefused() throws {
        let nan = withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) }
        #expect(throws: AudioError.self) { try RawPCMFormat(parsing: "f32le:16000:1").decode(nan) }
    }
}
