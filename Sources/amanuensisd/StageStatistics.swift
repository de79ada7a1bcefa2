import AmanuensisCore
import AmanuensisProtocol
import Histogram

/// Per-stage latency distributions across requests, since start and over
/// the last five minutes, in bounded memory: one HdrHistogram per stage
/// path for all time and one per path and minute for the last five minutes,
/// whatever the number of requests. Only the fixed stage paths are kept;
/// per-window paths would grow without bound.
final class StageStatistics: Sendable {
    private typealias Microseconds = Histogram<UInt64>

    private struct PathHistograms {
        var sinceStart = StageStatistics.histogram()
        /// Five one-minute histograms, indexed by minute modulo 5.
        var minutes = [Microseconds](repeating: StageStatistics.histogram(), count: 5)
        var minuteOf = [Int](repeating: -1, count: 5)
    }

    private let state: Locked<[String: PathHistograms]>
    private let started = ContinuousClock.now

    init() {
        state = Locked(Dictionary(uniqueKeysWithValues: TimingReport.stagePaths.map { ($0, PathHistograms()) }))
    }

    /// One hour at microsecond resolution, three significant digits.
    private static func histogram() -> Microseconds {
        Microseconds(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Queue waits, microseconds, up to an hour.
    static func waitHistogram() -> Histogram<UInt64> { histogram() }

    private var minute: Int { Int((ContinuousClock.now - started).components.seconds / 60) }

    func record(_ report: TimingReport) {
        let minute = self.minute
        state.withLock { paths in
            for entry in report.entries {
                guard var histograms = paths[entry.path] else { continue }
                let value = UInt64(max(1, min(entry.milliseconds * 1000, 3_600_000_000)))
                _ = histograms.sinceStart.record(value)
                let slot = minute % 5
                if histograms.minuteOf[slot] != minute {
                    histograms.minutes[slot].reset()
                    histograms.minuteOf[slot] = minute
                }
                _ = histograms.minutes[slot].record(value)
                paths[entry.path] = histograms
            }
        }
    }

    func rows() -> [StatisticsRow] {
        let minute = self.minute
        return state.withLock { paths in
            var rows: [StatisticsRow] = []
            for period in StatisticsRow.Period.allCases {
                for path in TimingReport.stagePaths {
                    guard let histograms = paths[path] else { continue }
                    var histogram = histograms.sinceStart
                    if period == .lastFiveMinutes {
                        histogram = Self.histogram()
                        for slot in 0..<5 where histograms.minuteOf[slot] > minute - 5 { histogram.add(histograms.minutes[slot]) }
                    }
                    rows.append(Self.row(histogram, period: period, path: path))
                }
            }
            return rows
        }
    }

    func reset() {
        state.withLock { paths in
            for path in paths.keys { paths[path] = PathHistograms() }
        }
    }

    private static func row(_ histogram: Microseconds, period: StatisticsRow.Period, path: String) -> StatisticsRow {
        let empty = histogram.totalCount == 0
        func ms(_ value: UInt64) -> Double { empty ? 0 : Double(value) / 1000 }
        return StatisticsRow(period: period, path: path, count: histogram.totalCount,
                             mean: empty ? 0 : histogram.mean / 1000,
                             p50: ms(histogram.valueAtPercentile(50)), p95: ms(histogram.valueAtPercentile(95)),
                             p99: ms(histogram.valueAtPercentile(99)), max: ms(histogram.max))
    }
}
