import AmanuensisCore
import AmanuensisProtocol
import Histogram

/// Per-stage latency distributions across requests, since start and over
/// the last five minutes, in bounded memory: one HdrHistogram per stage
/// path for all time and one per path and minute for the last five minutes,
/// whatever the number of requests; each in milliseconds and in
/// milliseconds per second of audio (so a 1 s clip and a 300 s file can be
/// compared). Only the fixed stage paths are kept; per-window paths would
/// grow without bound.
final class StageStatistics: Sendable {
    private typealias Microseconds = Histogram<UInt64>

    private struct PathHistograms {
        var sinceStart: Microseconds
        /// Five one-minute histograms, indexed by minute modulo 5.
        var minutes: [Microseconds]
        var minuteOf = [Int](repeating: -1, count: 5)

        init(_ measure: StatisticsRow.Measure) {
            sinceStart = StageStatistics.histogram(measure)
            minutes = [Microseconds](repeating: sinceStart, count: 5)
        }

        /// Records in place: a copy taken out of the table and put back
        /// would copy every histogram it touches.
        mutating func record(_ value: UInt64, minute: Int) {
            _ = sinceStart.record(value)
            let slot = minute % 5
            if minuteOf[slot] != minute {
                minutes[slot].reset()
                minuteOf[slot] = minute
            }
            _ = minutes[slot].record(value)
        }

        /// The minutes of the last five that saw a request, merged; nil when
        /// none did, and no copy when only one did.
        func lastFiveMinutes(now minute: Int) -> Microseconds? {
            let recent = (0..<5).filter { minuteOf[$0] > minute - 5 && minutes[$0].totalCount > 0 }
            guard let first = recent.first else { return nil }
            var merged = minutes[first]
            for slot in recent.dropFirst() { merged.add(minutes[slot]) }
            return merged
        }
    }

    /// By measure, then stage path.
    private let state: Locked<[StatisticsRow.Measure: [String: PathHistograms]]>
    private let started = ContinuousClock.now

    init() {
        state = Locked(Self.empty())
    }

    private static func empty() -> [StatisticsRow.Measure: [String: PathHistograms]] {
        Dictionary(uniqueKeysWithValues: StatisticsRow.Measure.allCases.map { measure in
            (measure, Dictionary(uniqueKeysWithValues: TimingReport.stagePaths.map { ($0, PathHistograms(measure)) }))
        })
    }

    /// Up to an hour (or an hour per second of audio) at microsecond
    /// resolution: three significant digits per request, two per second of
    /// audio, which only a chart reads (and which holds a tenth of the memory).
    private static func histogram(_ measure: StatisticsRow.Measure) -> Microseconds {
        Microseconds(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                     numberOfSignificantValueDigits: measure == .milliseconds ? .three : .two)
    }

    /// Queue waits, microseconds, up to an hour.
    static func waitHistogram() -> Histogram<UInt64> { histogram(.milliseconds) }

    private var minute: Int { Int((ContinuousClock.now - started).components.seconds / 60) }

    /// One request's stages, which took `audioSeconds` of audio (none for an empty input).
    func record(_ report: TimingReport, audioSeconds: Double) {
        let minute = self.minute
        state.withLock { measures in
            for entry in report.entries {
                measures[.milliseconds]?[entry.path]?.record(Self.microseconds(entry.milliseconds), minute: minute)
                if audioSeconds > 0 {
                    measures[.perAudioSecond]?[entry.path]?.record(Self.microseconds(entry.milliseconds / audioSeconds), minute: minute)
                }
            }
        }
    }

    private static func microseconds(_ milliseconds: Double) -> UInt64 {
        UInt64(max(1, min(milliseconds * 1000, 3_600_000_000)))
    }

    func rows() -> [StatisticsRow] {
        let minute = self.minute
        return state.withLock { measures in
            var rows: [StatisticsRow] = []
            for measure in StatisticsRow.Measure.allCases {
                for period in StatisticsRow.Period.allCases {
                    for path in TimingReport.stagePaths {
                        guard let histograms = measures[measure]?[path] else { continue }
                        let histogram = period == .lastFiveMinutes ? histograms.lastFiveMinutes(now: minute) : histograms.sinceStart
                        rows.append(Self.row(histogram, period: period, measure: measure, path: path))
                    }
                }
            }
            return rows
        }
    }

    func reset() {
        state.withLock { $0 = Self.empty() }
    }

    /// The row of one histogram, in one pass over the values it holds, as
    /// HdrHistogram defines them: a percentile is the highest value
    /// equivalent to the first whose cumulative count reaches it, the mean
    /// weighs each value's midpoint. The library's own accessors are not
    /// specialized for our counts and walk every bucket each (ms a call).
    private static func row(_ histogram: Microseconds?, period: StatisticsRow.Period, measure: StatisticsRow.Measure,
                            path: String) -> StatisticsRow {
        guard let histogram, histogram.totalCount > 0 else {
            return StatisticsRow(period: period, measure: measure, path: path, count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0)
        }
        let total = histogram.totalCount
        let ranks = [50.0, 95, 99].map { max(1, UInt64((($0.nextDown * Double(total)) / 100).rounded(.up))) }
        var percentiles: [UInt64] = []
        var sum = 0.0
        for value in histogram.recordedValues() {
            sum += Double(histogram.medianEquivalentForValue(value.value)) * Double(value.count)
            while percentiles.count < ranks.count, value.totalCountToThisValue >= ranks[percentiles.count] {
                percentiles.append(min(value.value, histogram.maxRecorded))
            }
        }
        func ms(_ value: UInt64) -> Double { Double(value) / 1000 }
        return StatisticsRow(period: period, measure: measure, path: path, count: total, mean: sum / Double(total) / 1000,
                             p50: ms(percentiles[0]), p95: ms(percentiles[1]), p99: ms(percentiles[2]), max: ms(histogram.max))
    }
}
