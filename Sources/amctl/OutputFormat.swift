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
            return layout.cues(result).enumerated().map { index, cue in
                "\(index + 1)\n\(Self.clock(cue.start, ",")) --> \(Self.clock(cue.end, ","))\n\(cue.lines.joined(separator: "\n"))\n\n"
            }.joined()
        case .vtt:
            return "WEBVTT\n\n" + layout.cues(result).map { cue in
                "\(Self.clock(cue.start, ".")) --> \(Self.clock(cue.end, "."))\n\(cue.lines.joined(separator: "\n"))\n\n"
            }.joined()
        }
    }

    /// HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (WebVTT).
    static func clock(_ seconds: Double, _ separator: String) -> String {
        let milliseconds = Int((max(seconds, 0) * 1000).rounded())
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(milliseconds / 3_600_000, 2)):\(pad(milliseconds / 60_000 % 60, 2)):\(pad(milliseconds / 1000 % 60, 2))"
            + separator + pad(milliseconds % 1000, 3)
    }
}
