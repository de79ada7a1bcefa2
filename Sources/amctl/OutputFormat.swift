import AmanuensisClient
import AmanuensisProtocol
import ArgumentParser

/// How `amctl transcribe` prints a result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, srt, vtt

    /// The extension of a file written in this format (`--output-dir`).
    var fileExtension: String { self == .text ? "txt" : rawValue }

    func render(_ result: TranscriptionResult, file: String, cues layout: SubtitleCues = SubtitleCues()) -> String {
        switch self {
        case .text:
            return result.text + "\n"
        case .json:
            return Self.object(result, file: file, type: nil)
        case .jsonl:
            return result.segments.map { Self.segmentLine($0, file: file) }.joined() + Self.resultLine(result, file: file)
        case .srt:
            return layout.srt(result)
        case .vtt:
            return layout.vtt(result)
        }
    }

    /// JSON Lines: one segment, as it is printed when it becomes final.
    static func segmentLine(_ segment: TranscriptionResult.Segment, file: String) -> String {
        "{\"type\": \"segment\", \"file\": \(Formatting.json(file)), " + Formatting.jsonFields(segment) + "}\n"
    }

    /// JSON Lines: the last line, the result as `json` renders it.
    static func resultLine(_ result: TranscriptionResult, file: String) -> String {
        object(result, file: file, type: "result")
    }

    /// The result as one JSON object (with its `type` on a JSON Lines line).
    private static func object(_ result: TranscriptionResult, file: String, type: String?) -> String {
        var object = "{" + (type.map { "\"type\": \(Formatting.json($0)), " } ?? "")
            + "\"file\": \(Formatting.json(file)), " + Formatting.resultFields(result)
        if !result.timings.isEmpty {
            let timings = result.timings.map { timing in
                let extras = timing.extras.map { ", \(Formatting.json($0.name)): \(Formatting.fixed($0.value, 3))" }.joined()
                return "\(Formatting.json(timing.path)): {\"ms\": \(Formatting.fixed(timing.milliseconds, 3)), \"count\": \(timing.count)\(extras)}"
            }
            object += ", \"timing\": {\(timings.joined(separator: ", "))}"
        }
        return object + "}\n"
    }
}
