import AmanuensisClient
import AmanuensisProtocol
import ArgumentParser

/// How `amctl transcribe` prints a result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, srt, vtt

    /// The extension of a file written in this format (`--output-dir`).
    var fileExtension: String { self == .text ? "txt" : rawValue }

    func render(_ result: TranscriptionResult, file: String, cues layout: SubtitleCues = SubtitleCues()) -> String {
        switch self {
        case .text:
            return result.text + "\n"
        case .json:
            var object = "{\"file\": \(Formatting.json(file)), " + Formatting.resultFields(result)
            if !result.timings.isEmpty {
                let timings = result.timings.map { timing in
                    let extras = timing.extras.map { ", \(Formatting.json($0.name)): \(Formatting.fixed($0.value, 3))" }.joined()
                    return "\(Formatting.json(timing.path)): {\"ms\": \(Formatting.fixed(timing.milliseconds, 3)), \"count\": \(timing.count)\(extras)}"
                }
                object += ", \"timing\": {\(timings.joined(separator: ", "))}"
            }
            return object + "}\n"
        case .srt:
            return layout.srt(result)
        case .vtt:
            return layout.vtt(result)
        }
    }
}
