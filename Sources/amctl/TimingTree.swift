import AmanuensisProtocol

/// Prints a request's timing (dotted paths) as an indented tree with
/// milliseconds and the share of the total, for `amctl transcribe -v`.
enum TimingTree {
    static func render(_ timings: [TranscriptionResult.Timing]) -> String {
        let total = timings.first { $0.path == "total" }?.milliseconds ?? 0
        let rows = timings.map { timing -> (label: String, timing: TranscriptionResult.Timing) in
            var components = timing.path.split(separator: ".").map(String.init)
            // `….window.N` is one node, "window N", under its stage.
            if components.count >= 2, components[components.count - 2] == "window" {
                let index = components.removeLast()
                components[components.count - 1] = "window \(index)"
            }
            return (String(repeating: "  ", count: components.count - 1) + (components.last ?? timing.path), timing)
        }
        let width = rows.map(\.label.count).max() ?? 0
        return rows.map { row in
            let milliseconds = Formatting.fixed(row.timing.milliseconds, 1)
            let share = total > 0 ? Formatting.fixed(100 * row.timing.milliseconds / total, 1) + " %" : ""
            let count = (row.timing.count > 1 ? "  ×\(row.timing.count)" : "")
                + row.timing.extras.map { "  \($0.name) \(Formatting.fixed($0.value, $0.value.rounded() == $0.value ? 0 : 2))" }.joined()
            return row.label + String(repeating: " ", count: width - row.label.count + 2)
                + String(repeating: " ", count: max(0, 9 - milliseconds.count)) + milliseconds + " ms"
                + String(repeating: " ", count: max(0, 9 - share.count)) + share + count + "\n"
        }.joined()
    }
}
