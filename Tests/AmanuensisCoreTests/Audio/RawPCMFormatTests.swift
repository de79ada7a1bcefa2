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

    /// A recorder stopped mid-frame: the whole frames count, the rest is stray.
    @Test func aTrailingPartialFrameIsDroppedAndCounted() throws {
        var decoder = try RawPCMDecoder(format: RawPCMFormat(encoding: .s16le, sampleRate: 16_000, channels: 1))
        try decoder.append([0, 64, 0, 192, 7])
        #expect(decoder.strayBytes == 1)
        #expect(try decoder.finish().samples == [0.5, -0.5])
    }

    /// A tap of a push-to-talk key: nothing recorded, nothing said.
    @Test func nothingAtAllIsAnEmptyTrack() throws {
        #expect(try RawPCMFormat(encoding: .f32le, sampleRate: 16_000, channels: 1).decode([UInt8]()).samples.isEmpty)
        #expect(try RawPCMFormat(encoding: .s16le, sampleRate: 44_100, channels: 2).decode([1, 2, 3]).samples.isEmpty)
    }

    @Test func nonFiniteFloatsAreRefused() throws {
        let nan = withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) }
        #expect(throws: AudioError.self) { try RawPCMFormat(encoding: .f32le, sampleRate: 16_000, channels: 1).decode(nan) }
    }

    /// Float samples near 1e19 are finite, so they pass the check above; they
    /// are clipped to full scale, as 16-bit decoding would, so the
    /// spectrogram's power cannot overflow.
    @Test func hugeFiniteFloatsAreClippedToFullScale() throws {
        let values: [Float] = [0, 1e19, -1e19, 0.5, 3e38]
        let bytes = values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        let audio = try RawPCMFormat(encoding: .f32le, sampleRate: 16_000, channels: 1).decode(bytes)
        #expect(audio.samples == [0, 1, -1, 0.5, 1])
    }

    /// Audio at 48 kHz is held at 16 kHz as it arrives; cutting it into the
    /// chunks a socket delivers changes no sample.
    @Test func resamplingAsAudioArrivesEqualsResamplingAtOnce() throws {
        let format = try RawPCMFormat(encoding: .s16le, sampleRate: 48_000, channels: 2)
        let bytes = (0..<96_000).flatMap { frame -> [UInt8] in
            let value = Int16(12_000 * sin(Double(frame) * 2 * .pi * 440 / 48_000))
            let bits = UInt16(bitPattern: value)
            return [UInt8(bits & 0xFF), UInt8(bits >> 8), UInt8(bits & 0xFF), UInt8(bits >> 8)]
        }
        let whole = try format.decode(bytes)
        var decoder = try RawPCMDecoder(format: format)
        var offset = 0
        while offset < bytes.count {
            let size = min(997 + offset % 3_001, bytes.count - offset)
            try decoder.append(bytes[offset..<(offset + size)])
            offset += size
        }
        let chunked = try decoder.finish()
        #expect(chunked.samples == whole.samples)
        #expect(abs(whole.duration - 2) < 0.01)
    }
}
