/// What audio is accepted at all. Checked while decoding, before anything is
/// allocated in proportion to what a header claims.
public struct AudioLimits: Hashable, Sendable {
    /// The longest input accepted, in seconds (default 4 h).
    public var maximumDuration: Double
    public var sampleRates: ClosedRange<Int>
    public var channels: ClosedRange<Int>

    public init(maximumDuration: Double = 4 * 3600, sampleRates: ClosedRange<Int> = 8_000...192_000,
                channels: ClosedRange<Int> = 1...8) {
        self.maximumDuration = maximumDuration
        self.sampleRates = sampleRates
        self.channels = channels
    }

    func check(sampleRate: Int, channels count: Int) throws {
        guard channels.contains(count) else {
            throw AudioError(.badChannelCount, "\(count) channels; accepted: \(channels.lowerBound) to \(channels.upperBound)")
        }
        guard sampleRates.contains(sampleRate) else {
            throw AudioError(.badSampleRate,
                             "sample rate \(sampleRate) Hz; accepted: \(sampleRates.lowerBound) to \(sampleRates.upperBound) Hz")
        }
    }

    func check(frames: Int, sampleRate: Int) throws {
        guard Double(frames) <= maximumDuration * Double(sampleRate) else {
            throw AudioError(.tooLong, "the audio is longer than the limit of \(formatSeconds(maximumDuration))")
        }
    }

    private func formatSeconds(_ seconds: Double) -> String {
        seconds >= 3600 && seconds.truncatingRemainder(dividingBy: 3600) == 0
            ? "\(Int(seconds / 3600)) h" : "\(seconds) s"
    }
}
