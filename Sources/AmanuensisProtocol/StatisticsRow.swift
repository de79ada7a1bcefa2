/// One line of `amctl stats`: a timing path's distribution over a period.
public struct StatisticsRow: Hashable, Sendable {
    public enum Period: UInt8, Sendable, CaseIterable {
        case sinceStart = 0
        case lastFiveMinutes = 1

        public var name: String { self == .sinceStart ? "since_start" : "last_5_minutes" }
    }

    /// What a value is: a stage's milliseconds per request, or per second
    /// of the request's audio (its real-time factor, times 1000), which
    /// compares a 1 s clip with a 300 s file.
    public enum Measure: UInt8, Sendable, CaseIterable {
        case milliseconds = 0
        case perAudioSecond = 1
    }

    public var period: Period
    public var measure: Measure
    /// A stage path such as `total.encoder` (amanuensis-protocol(7)).
    public var path: String
    public var count: UInt64
    /// Milliseconds (per second of audio, by `measure`).
    public var mean: Double
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var max: Double

    public init(period: Period, measure: Measure, path: String, count: UInt64, mean: Double, p50: Double, p95: Double, p99: Double,
                max: Double) {
        self.period = period
        self.measure = measure
        self.path = path
        self.count = count
        self.mean = mean
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }
}
