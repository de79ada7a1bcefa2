import AmanuensisClient
import AmanuensisProtocol
import ArgumentParser
import Glibc

extension AmCtl {
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Show per-stage latency statistics: count, mean, p50, p95, p99 and max, since start and over the last 5 minutes, per request and per second of audio.")

        @OptionGroup var connection: ConnectionOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @Flag(help: "Print the OpenMetrics text format (for node_exporter's textfile collector).")
        var openmetrics = false

        @Option(help: "Also draw p50, p95 and p99 per stage as SVG bar charts into this file: each period, per request and per second of audio.", completion: .file())
        var svg: String?

        @Flag(help: "Reset the statistics after reading them.")
        var reset = false

        func validate() throws {
            if json && openmetrics { throw ValidationError("choose one of --json and --openmetrics") }
        }

        func run() throws {
            let client = try DaemonClient.connect(connection)
            try client.send(.stats(reset: reset))
            guard case .stats(let rows) = try client.receive() else { throw ExitStatus.unreachable }
            printOut(json ? StatisticsFormat.json(rows) : openmetrics ? StatisticsFormat.openMetrics(rows) : StatisticsFormat.table(rows))
            if let svg {
                let text = StatisticsFormat.svg(rows)
                guard let file = fopen(svg, "w") else {
                    printError("\(svg): \(String(cString: strerror(errno)))")
                    throw ExitCode.failure
                }
                defer { fclose(file) }
                fputs(text, file)
            }
        }
    }
}

/// The renderings of `amctl stats`: each period in milliseconds a request,
/// then in milliseconds per second of audio.
enum StatisticsFormat {
    /// The rows of one table, in the order the daemon sent them.
    private static func groups(_ rows: [StatisticsRow]) -> [(measure: StatisticsRow.Measure, period: StatisticsRow.Period, rows: [StatisticsRow])] {
        StatisticsRow.Measure.allCases.flatMap { measure in
            StatisticsRow.Period.allCases.map { period in
                (measure, period, rows.filter { $0.measure == measure && $0.period == period })
            }
        }
    }

    private static func title(_ measure: StatisticsRow.Measure, _ period: StatisticsRow.Period) -> String {
        (period == .sinceStart ? "since start" : "last 5 minutes")
            + (measure == .milliseconds ? " (milliseconds)" : " (milliseconds per second of audio)")
    }

    /// The JSON key of a table: the period's name, with `_per_audio_second` for that measure.
    private static func key(_ measure: StatisticsRow.Measure, _ period: StatisticsRow.Period) -> String {
        period.name + (measure == .milliseconds ? "" : "_per_audio_second")
    }

    static func table(_ rows: [StatisticsRow]) -> String {
        let width = max(20, rows.map(\.path.count).max() ?? 0)
        func column(_ text: String, _ size: Int) -> String { String(repeating: " ", count: max(0, size - text.count)) + text }
        var out = ""
        for group in groups(rows) {
            out += title(group.measure, group.period) + "\n"
            out += "path" + String(repeating: " ", count: width - 4)
                + ["count", "mean", "p50", "p95", "p99", "max"].map { column($0, 10) }.joined() + "\n"
            for row in group.rows {
                out += row.path + String(repeating: " ", count: width - row.path.count) + column(String(row.count), 10)
                    + [row.mean, row.p50, row.p95, row.p99, row.max].map { column(Formatting.fixed($0, 1), 10) }.joined() + "\n"
            }
            out += "\n"
        }
        return out
    }

    static func json(_ rows: [StatisticsRow]) -> String {
        let tables = groups(rows).map { group in
            let paths = group.rows.map { row in
                Formatting.json(row.path) + ": {\"count\": \(row.count), "
                    + zip(["mean_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms"], [row.mean, row.p50, row.p95, row.p99, row.max])
                    .map { "\"\($0)\": \(Formatting.fixed($1, 3))" }.joined(separator: ", ") + "}"
            }
            return Formatting.json(key(group.measure, group.period)) + ": {" + paths.joined(separator: ", ") + "}"
        }
        return "{" + tables.joined(separator: ", ") + "}\n"
    }

    /// One summary per period and measure.
    static func openMetrics(_ rows: [StatisticsRow]) -> String {
        var out = ""
        for group in groups(rows) {
            let name = "amanuensis_" + (group.period == .sinceStart ? "" : "recent_") + "stage_"
                + (group.measure == .milliseconds ? "duration_milliseconds" : "milliseconds_per_audio_second")
            let help = (group.measure == .milliseconds ? "Time per request" : "Time per second of audio")
                + " spent in each pipeline stage, " + (group.period == .sinceStart ? "since the daemon started" : "over the last 5 minutes")
            out += "# TYPE \(name) summary\n"
            if group.measure == .milliseconds { out += "# UNIT \(name) milliseconds\n" }
            out += "# HELP \(name) \(help).\n"
            for row in group.rows {
                let stage = "stage=\"\(row.path)\""
                for (quantile, value) in [("0.5", row.p50), ("0.95", row.p95), ("0.99", row.p99)] {
                    out += "\(name){\(stage),quantile=\"\(quantile)\"} \(Formatting.fixed(value, 3))\n"
                }
                out += "\(name)_sum{\(stage)} \(Formatting.fixed(row.mean * Double(row.count), 3))\n"
                out += "\(name)_count{\(stage)} \(row.count)\n"
            }
        }
        return out + "# EOF\n"
    }

    /// One chart per period and measure, stacked: horizontal bars, one
    /// group per stage (p50, p95, p99), each chart on its own scale.
    static func svg(_ rows: [StatisticsRow]) -> String {
        let labelWidth = 170.0, barWidth = 560.0, rowHeight = 14.0, groupHeight = 3 * rowHeight + 10, titleHeight = 50.0
        let colours = [("p50", "#4e79a7"), ("p95", "#f28e2b"), ("p99", "#e15759")]
        let charts = groups(rows)
        let height = 20 + charts.map { titleHeight + Double($0.rows.count) * groupHeight + 20 }.reduce(0, +)
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(labelWidth + barWidth + 120))" height="\(Int(height))" \
            font-family="sans-serif" font-size="11">

            """
        var top = 20.0
        for chart in charts {
            out += "<text x=\"10\" y=\"\(Formatting.fixed(top, 1))\" font-size=\"14\">amanuensisd: time per stage, "
                + title(chart.measure, chart.period) + "</text>\n"
            for (index, (name, colour)) in colours.enumerated() {
                out += "<rect x=\"\(Int(labelWidth) + 90 * index)\" y=\"\(Formatting.fixed(top + 10, 1))\" width=\"10\" height=\"10\" "
                    + "fill=\"\(colour)\"/><text x=\"\(Int(labelWidth) + 90 * index + 14)\" y=\"\(Formatting.fixed(top + 19, 1))\">\(name)</text>\n"
            }
            let scale = max(chart.rows.map(\.p99).max() ?? 1, 1)
            for (group, row) in chart.rows.enumerated() {
                let groupTop = top + titleHeight - 20 + Double(group) * groupHeight
                out += "<text x=\"10\" y=\"\(Formatting.fixed(groupTop + 1.5 * rowHeight + 4, 1))\">\(row.path)</text>\n"
                for (index, (value, (_, colour))) in zip([row.p50, row.p95, row.p99], colours).enumerated() {
                    let y = groupTop + Double(index) * rowHeight
                    let width = barWidth * value / scale
                    out += "<rect x=\"\(Int(labelWidth))\" y=\"\(Formatting.fixed(y, 1))\" width=\"\(Formatting.fixed(width, 1))\" "
                        + "height=\"\(Int(rowHeight - 2))\" fill=\"\(colour)\"/>"
                    out += "<text x=\"\(Formatting.fixed(labelWidth + width + 4, 1))\" y=\"\(Formatting.fixed(y + rowHeight - 4, 1))\">"
                        + "\(Formatting.fixed(value, 1))</text>\n"
                }
            }
            top += titleHeight + Double(chart.rows.count) * groupHeight + 20
        }
        return out + "</svg>\n"
    }
}
