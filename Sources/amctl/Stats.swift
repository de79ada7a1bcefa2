import AmanuensisClient
import AmanuensisProtocol
import ArgumentParser
import Glibc

extension AmCtl {
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show per-stage latency statistics: count, mean, p50, p95, p99 and max, since start and over the last 5 minutes.")

        @OptionGroup var connection: ConnectionOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @Flag(help: "Print the OpenMetrics text format (for node_exporter's textfile collector).")
        var openmetrics = false

        @Option(help: "Also draw p50, p95 and p99 per stage as an SVG bar chart into this file.", completion: .file())
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

/// The renderings of `amctl stats`.
enum StatisticsFormat {
    static func table(_ rows: [StatisticsRow]) -> String {
        let width = max(20, rows.map(\.path.count).max() ?? 0)
        func column(_ text: String, _ size: Int) -> String { String(repeating: " ", count: max(0, size - text.count)) + text }
        var out = ""
        for period in StatisticsRow.Period.allCases {
            out += (period == .sinceStart ? "since start" : "last 5 minutes") + " (milliseconds)\n"
            out += "path" + String(repeating: " ", count: width - 4)
                + ["count", "mean", "p50", "p95", "p99", "max"].map { column($0, 10) }.joined() + "\n"
            for row in rows where row.period == period {
                out += row.path + String(repeating: " ", count: width - row.path.count) + column(String(row.count), 10)
                    + [row.mean, row.p50, row.p95, row.p99, row.max].map { column(Formatting.fixed($0, 1), 10) }.joined() + "\n"
            }
            out += "\n"
        }
        return out
    }

    static func json(_ rows: [StatisticsRow]) -> String {
        let periods = StatisticsRow.Period.allCases.map { period in
            let paths = rows.filter { $0.period == period }.map { row in
                Formatting.json(row.path) + ": {\"count\": \(row.count), "
                    + zip(["mean_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms"], [row.mean, row.p50, row.p95, row.p99, row.max])
                    .map { "\"\($0)\": \(Formatting.fixed($1, 3))" }.joined(separator: ", ") + "}"
            }
            return Formatting.json(period.name) + ": {" + paths.joined(separator: ", ") + "}"
        }
        return "{" + periods.joined(separator: ", ") + "}\n"
    }

    /// Two summaries: since start, and the last five minutes.
    static func openMetrics(_ rows: [StatisticsRow]) -> String {
        var out = ""
        for period in StatisticsRow.Period.allCases {
            let name = period == .sinceStart ? "amanuensis_stage_duration_milliseconds" : "amanuensis_recent_stage_duration_milliseconds"
            let help = period == .sinceStart ? "since the daemon started" : "over the last 5 minutes"
            out += "# TYPE \(name) summary\n# UNIT \(name) milliseconds\n"
            out += "# HELP \(name) Time per request spent in each pipeline stage, \(help).\n"
            for row in rows where row.period == period {
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

    /// Horizontal bars, one group per stage (since start): p50, p95, p99.
    static func svg(_ rows: [StatisticsRow]) -> String {
        let shown = rows.filter { $0.period == .sinceStart }
        let scale = max(shown.map(\.p99).max() ?? 1, 1)
        let labelWidth = 170.0, barWidth = 560.0, rowHeight = 14.0, groupHeight = 3 * rowHeight + 10
        let height = 60 + Double(shown.count) * groupHeight
        let colours = [("p50", "#4e79a7"), ("p95", "#f28e2b"), ("p99", "#e15759")]
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(labelWidth + barWidth + 120))" height="\(Int(height))" \
            font-family="sans-serif" font-size="11">
            <text x="10" y="20" font-size="14">amanuensisd: time per stage since start (ms)</text>

            """
        for (index, (name, colour)) in colours.enumerated() {
            out += "<rect x=\"\(Int(labelWidth) + 90 * index)\" y=\"30\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            out += "<text x=\"\(Int(labelWidth) + 90 * index + 14)\" y=\"39\">\(name)</text>\n"
        }
        for (group, row) in shown.enumerated() {
            let top = 50 + Double(group) * groupHeight
            out += "<text x=\"10\" y=\"\(Formatting.fixed(top + 1.5 * rowHeight + 4, 1))\">\(row.path)</text>\n"
            for (index, (value, (_, colour))) in zip([row.p50, row.p95, row.p99], colours).enumerated() {
                let y = top + Double(index) * rowHeight
                let width = barWidth * value / scale
                out += "<rect x=\"\(Int(labelWidth))\" y=\"\(Formatting.fixed(y, 1))\" width=\"\(Formatting.fixed(width, 1))\" "
                    + "height=\"\(Int(rowHeight - 2))\" fill=\"\(colour)\"/>"
                out += "<text x=\"\(Formatting.fixed(labelWidth + width + 4, 1))\" y=\"\(Formatting.fixed(y + rowHeight - 4, 1))\">"
                    + "\(Formatting.fixed(value, 1))</text>\n"
            }
        }
        return out + "</svg>\n"
    }
}
