import AmanuensisProtocol

/// Prints a request's timing (dotted paths) as an indented tree with
/// milliseconds and the share of the total, for `amctl transcribe -v`.
enum TimingTree {
    static func render(_ timings: [TranscriptionResult.Timing]) -> String {
        let total = timings.first { $0.path == "total" }?.milliseconds ?? 0
        let rows = timings.map { timing -> (label: String, timing: TranscriptionResult.Timing) in
            let depth = timing.path.split(separator: ".").count - 1
            let name = timing.path.split(separator: ".").last.map(String.init) ?? timing.path
            return (String(repeating: "  ", count: depth) + name, timing)
        }
        let width = rows.map(\.label.count).max() ?? 0
        return rows.map { row in
            let milliseconds = Formatting.fixed(row.timing.milliseconds, 1)
            let share = total > 0 ? Formatting.fixed(100 * row.timing.milliseconds / total, 1) + " %" : ""
            let count = row.timing.count > 1 ? "  ×\(row.timing.count)" : ""
            return row.label + String(repeating: " ", count: width - row.label.count + 2)
                + String(repeating: " ", count: max(0, 9 - milliseconds.count)) + milliseconds + " ms"
                + String(repeating: " ", count: max(0, 9 - share.count)) + share + count + "\n"
        }.joined()
    }
}
