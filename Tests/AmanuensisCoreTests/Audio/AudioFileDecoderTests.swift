import AmanuensisCore
import CSndFile
import Foundation
import Glibc
import TestSupport
import Testing

@Suite struct AudioFileDecoderTests {
    static let jfk = TestPaths.samples.appendingPathComponent("jfk.wav").path

    /// Writes `samples` (mono, 16 kHz) in a libsndfile container.
    static func write(_ samples: [Float], to path: String, format: Int32) throws {
        var info = SF_INFO(frames: 0, samplerate: 16_000, channels: 1, format: format, sections: 0, seekable: 0)
        let file = try #require(sf_open(path, Int32(SFM_WRITE), &info), "libsndfile cannot write \(path)")
        defer { sf_close(file) }
        let written = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(samples.count)) }
        #expect(written == samples.count)
    }

    static let containers: [(String, Int32)] = [
        ("flac", Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)), ("ogg", Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)),
        ("mp3", Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)),
    ]

    @Test(arguments: containers)
    func everyContainerTranscribes(extension name: String, format: Int32) throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("jfk.\(name)").path
        try Self.write(try AudioFileDecoder.decode(path: Self.jfk).samples, to: path, format: format)
        let transcript = try Transcriber(model: try SharedModels.tinyEnglish.get()).transcribe(try AudioFileDecoder.decode(path: path))
        let words = WordErrorRate.normalize(transcript.text)
        let reference = WordErrorRate.normalize("And so my fellow Americans ask not what your country can do for you ask what you can do for your country")
        #expect(WordErrorRate.errors(reference: reference, hypothesis: words) <= 1, "\(name): \(transcript.text)")
    }

    @Test func aDescriptorDecodesLikeItsPath() throws {
        let descriptor = open(Self.jfk, O_RDONLY)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        let fromDescriptor = try AudioFileDecoder.decode(descriptor: descriptor)
        #expect(fromDescriptor.samples == (try AudioFileDecoder.decode(path: Self.jfk)).samples)
        #expect(fromDescriptor.samples.count == 176_000)
        #expect(fcntl(descriptor, F_GETFD) >= 0, "the caller's descriptor stays open")
    }

    @Test func aDirectoryOrAPipeIsRefused() throws {
        let directory = open("/tmp", O_RDONLY | O_DIRECTORY)
        defer { close(directory) }
        #expect(throws: AudioError.self) { try AudioFileDecoder.decode(descriptor: directory) }
        var pipe: [Int32] = [0, 0]
        #expect(Glibc.pipe(&pipe) == 0)
        defer { close(pipe[0]); close(pipe[1]) }
        #expect(throws: AudioError.self) { try AudioFileDecoder.decode(descriptor: pipe[0]) }
    }

    @Test func resamplingAndDownmixingKeepTheLength() throws {
        let stereo = try AudioFileDecoder.decode(path: TestPaths.corpus.appendingPathComponent(
            "original/mozilla__DeepSpeech/LDC93S1_pcms16le_2_44100.wav").path)
        let mono = try AudioFileDecoder.decode(path: TestPaths.corpus.appendingPathComponent("wav16k/ldc93s1.wav").path)
        #expect(abs(stereo.duration - mono.duration) < 0.01)
    }

    // Hostile inputs: each is a typed error with a message, never a crash or a huge allocation.

    @Test func anEmptyFileIsAnError() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(throws: AudioError.self) {
            try AudioFileDecoder.decode(path: try directory.file("empty.wav", contents: Data()).path)
        }
        #expect(error.message.contains("empty.wav"))
    }

    @Test func randomBytesNamedWavAreAnError() throws {
        let directory = try TemporaryDirectory()
        var generator = SystemRandomNumberGenerator()
        let bytes = Data((0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) })
        #expect(throws: AudioError.self) { try AudioFileDecoder.decode(path: try directory.file("noise.wav", contents: bytes).path) }
    }

    @Test func aMissingFileIsUnreadable() throws {
        let error = try #require(throws: AudioError.self) { try AudioFileDecoder.decode(path: "/nonexistent/clip.wav") }
        #expect(error.code == .unreadable)
    }

    /// A WAV header that claims 2^31 frames over 1 000 real ones: what is
    /// there is decoded, and memory follows the data, not the claim.
    @Test func aHeaderClaimingTwoBillionFramesIsNotBelieved() throws {
        var header = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) } }
        header.append(contentsOf: Array("RIFF".utf8)); append(UInt32.max)
        header.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16))
        append(UInt16(1)); append(UInt16(1)); append(UInt32(16_000)); append(UInt32(32_000)); append(UInt16(2)); append(UInt16(16))
        header.append(contentsOf: Array("data".utf8)); append(UInt32(1) << 31)
        let samples = Data((0..<1_000).flatMap { i -> [UInt8] in
            let value = Int16(10_000 * sin(Double(i) / 10))
            return [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
        })
        let directory = try TemporaryDirectory()
        let path = try directory.file("liar.wav", contents: header + samples).path
        let audio = try AudioFileDecoder.decode(path: path)
        #expect(audio.samples.count == 1_000)
    }

    @Test func audioOverTheDurationLimitIsRefused() throws {
        let error = try #require(throws: AudioError.self) {
            try AudioFileDecoder.decode(path: Self.jfk, limits: AudioLimits(maximumDuration: 5))
        }
        #expect(error.code == .tooLong)
    }
}
