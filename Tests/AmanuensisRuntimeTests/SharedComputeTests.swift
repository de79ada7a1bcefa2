@testable import AmanuensisRuntime
import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// Streams that share the encoders and the decoder's batched passes read
/// exactly as a stream alone does: batching changes the speed, not the words.
@Suite struct SharedComputeTests {
    static func jfk() throws -> AudioSamples {
        try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path)
    }

    /// Transcribes `audio` on every stream at once, one thread each.
    static func concurrently(_ streams: [Transcriber], _ audio: AudioSamples) throws -> [Transcript] {
        let results = Locked<[Int: Result<Transcript, any Error>]>([:])
        let group = DispatchGroup()
        for (index, stream) in streams.enumerated() {
            let transfer = UnsafeTransfer(stream)
            DispatchQueue.global().async(group: group) {
                let result = Result { try transfer.value.transcribe(audio) }
                results.withLock { $0[index] = result }
            }
        }
        group.wait()
        return try results.withLock { results in try streams.indices.map { try results[$0]!.get() } }
    }

    @Test(arguments: [1, 5])
    func streamsSharingComputeReadLikeAStreamAlone(beamSize: Int) throws {
        let model = try SharedModels.tinyEnglish.get()
        var options = DecodingOptions()
        options.beamSize = beamSize
        let audio = try Self.jfk()
        let alone = try Transcriber(model: model, options: options).transcribe(audio)

        let shared = SharedCompute(model: model, encoders: 2)
        let streams = try (0..<4).map { _ in try shared.stream(options: options) }
        for transcript in try Self.concurrently(streams, audio) {
            #expect(transcript.segments.map(\.text) == alone.segments.map(\.text))
            #expect(transcript.segments.map(\.tokens) == alone.segments.map(\.tokens))
        }
        let statistics = shared.statistics
        #expect(statistics.encodersInUse == 0)
        #expect(statistics.encoderHighWater <= 2, "more windows encoded at once than encoders")
    }
}
