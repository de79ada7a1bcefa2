import AmanuensisCore
import AmanuensisProtocol

extension TimingReport {
    /// The tree as the `result` message carries it.
    var wire: [TranscriptionResult.Timing] {
        entries.map {
            TranscriptionResult.Timing(path: $0.path, milliseconds: $0.milliseconds, count: UInt32($0.count),
                                       extras: $0.extras.map { TranscriptionResult.Extra($0.0, $0.1) })
        }
    }
}
