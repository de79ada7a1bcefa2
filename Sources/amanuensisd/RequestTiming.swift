import AmanuensisCore
import AmanuensisProtocol

/// A request's timing tree as the protocol carries it: dotted paths from
/// `total` down to the pipeline's stages (amanuensis-protocol(7)).
enum RequestTiming {
    static func tree(total: Duration, queue: Duration, audio: Duration,
                     statistics: TranscriptionStatistics) -> [TranscriptionResult.Timing] {
        [
            .init(path: "total", milliseconds: total.seconds * 1000, count: 1),
            .init(path: "total.queue", milliseconds: queue.seconds * 1000, count: 1),
            .init(path: "total.audio", milliseconds: audio.seconds * 1000, count: 1),
            .init(path: "total.mel", milliseconds: statistics.features.seconds * 1000, count: UInt32(statistics.windows)),
            .init(path: "total.encoder", milliseconds: statistics.encoder.seconds * 1000, count: UInt32(statistics.windows)),
            .init(path: "total.decoder", milliseconds: statistics.decoder.seconds * 1000, count: UInt32(statistics.tokens)),
        ]
    }
}
