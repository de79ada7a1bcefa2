/// A request's timing tree as flat entries keyed by dotted paths, the form
/// clients receive (amanuensis-protocol(7) lists the keys):
///
///     total                       arrival to answer
///     total.queue                 waiting for a compute stream
///     total.audio                 decoding and resampling
///     total.mel                   log-mel spectrogram (count: windows)
///     total.encoder               encoder (count: windows)
///     total.encoder.conv          its convolution stem
///     total.encoder.blocks        its transformer blocks
///     total.encoder.window.N      window N (long-form only; seek in seconds)
///     total.language              language detection (only when it ran)
///     total.decoder               decoder (count: decodes; tokens, ms per token)
///     total.decoder.window.N      window N (long-form only; seek, tokens)
///     total.alignment             word timestamps (only when asked for)
///     total.postprocess           segments and text
///
/// A child's time never exceeds its parent's.
public struct TimingReport: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var milliseconds: Double
        public var count: Int
        /// Further figures of the node, such as `tokens` or `seek_s`.
        public var extras: [(String, Double)]

        public init(path: String, milliseconds: Double, count: Int, extras: [(String, Double)] = []) {
            self.path = path
            self.milliseconds = milliseconds
            self.count = count
            self.extras = extras
        }

        public static func == (a: Entry, b: Entry) -> Bool {
            a.path == b.path && a.milliseconds == b.milliseconds && a.count == b.count
                && a.extras.map(\.0) == b.extras.map(\.0) && a.extras.map(\.1) == b.extras.map(\.1)
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Builds the tree from the pipeline's timer and the times the caller
    /// measured around it.
    public init(total: Duration, queue: Duration, audio: Duration, stages timer: StageTimer) {
        func ms(_ duration: Duration) -> Double {
            let (seconds, attoseconds) = duration.components
            return Double(seconds) * 1000 + Double(attoseconds) / 1e15
        }
        let decoderMilliseconds = ms(timer.duration(.decoder))
        var entries: [Entry] = [
            Entry(path: "total", milliseconds: ms(total), count: 1, extras: []),
            Entry(path: "total.queue", milliseconds: ms(queue), count: 1, extras: []),
            Entry(path: "total.audio", milliseconds: ms(audio), count: 1, extras: []),
            Entry(path: "total.mel", milliseconds: ms(timer.duration(.mel)), count: timer.count(.mel), extras: []),
            Entry(path: "total.encoder", milliseconds: ms(timer.duration(.encoder)), count: timer.count(.encoder), extras: []),
            Entry(path: "total.encoder.conv", milliseconds: ms(timer.duration(.encoderConvolution)),
                  count: timer.count(.encoderConvolution), extras: []),
            Entry(path: "total.encoder.blocks", milliseconds: ms(timer.duration(.encoderBlocks)),
                  count: timer.count(.encoderBlocks), extras: []),
        ]
        let longForm = timer.windows.count > 1
        let seconds = { (window: StageTimer.Window) in Double(window.seek) / Double(AudioConstants.framesPerSecond) }
        if longForm {
            for (index, window) in timer.windows.enumerated() {
                entries.append(Entry(path: "total.encoder.window.\(index)", milliseconds: ms(window.encoder), count: 1,
                                     extras: [("seek_s", seconds(window))]))
            }
        }
        if timer.count(.language) > 0 {
            entries.append(Entry(path: "total.language", milliseconds: ms(timer.duration(.language)), count: timer.count(.language)))
        }
        entries.append(Entry(path: "total.decoder", milliseconds: decoderMilliseconds, count: timer.count(.decoder),
                             extras: [("tokens", Double(timer.tokens)),
                                      ("ms_per_token", timer.tokens > 0 ? decoderMilliseconds / Double(timer.tokens) : 0)]))
        if longForm {
            for (index, window) in timer.windows.enumerated() {
                entries.append(Entry(path: "total.decoder.window.\(index)", milliseconds: ms(window.decoder), count: 1,
                                     extras: [("seek_s", seconds(window)), ("tokens", Double(window.tokens))]))
            }
        }
        if timer.count(.alignment) > 0 {
            entries.append(Entry(path: "total.alignment", milliseconds: ms(timer.duration(.alignment)), count: timer.count(.alignment)))
        }
        entries.append(Entry(path: "total.postprocess", milliseconds: ms(timer.duration(.postprocess)),
                             count: timer.count(.postprocess), extras: []))
        self.entries = entries
    }

    /// The paths every request reports, whatever its length: the keys the
    /// daemon keeps statistics for.
    public static let stagePaths = ["total", "total.queue", "total.audio", "total.mel", "total.encoder", "total.encoder.conv",
                                    "total.encoder.blocks", "total.decoder", "total.postprocess"]
}
