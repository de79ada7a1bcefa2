@testable import AmanuensisCore
@testable import AmanuensisDaemon
import Histogram
import Testing

/// `amctl stats` computes its rows in one pass of its own: the figures must
/// be HdrHistogram's, to the microsecond.
@Suite struct StageStatisticsTests {
    @Test func rowsAgreeWithHdrHistogramsOwnAccessors() throws {
        let statistics = StageStatistics()
        var reference = StageStatistics.waitHistogram()
        for index in 0..<3000 {
            let microseconds = UInt64(index % 97 + 1) * UInt64(index % 13 + 1) * 1234
            _ = reference.record(microseconds)
            var report = TimingReport(total: .zero, queue: .zero, audio: .zero, stages: StageTimer(enabled: false))
            report.entries = [TimingReport.Entry(path: "total", milliseconds: Double(microseconds) / 1000, count: 1, extras: [])]
            statistics.record(report, audioSeconds: 2)
        }
        let ms = { (value: UInt64) in Double(value) / 1000 }
        for row in statistics.rows() where row.path == "total" && row.measure == .milliseconds {
            #expect(row.count == 3000)
            #expect(abs(row.mean - reference.mean / 1000) < 1e-6, "\(row.period)")
            #expect([row.p50, row.p95, row.p99, row.max]
                == [ms(reference.valueAtPercentile(50)), ms(reference.valueAtPercentile(95)),
                    ms(reference.valueAtPercentile(99)), ms(reference.max)], "\(row.period)")
        }
        #expect(statistics.rows().filter { $0.path != "total" }.allSatisfy { $0.count == 0 && $0.p99 == 0 })
    }
}
