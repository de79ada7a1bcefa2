import AmanuensisProtocol

/// Number and JSON formatting without Foundation, which would cost amctl
/// milliseconds of start-up on every call.
enum Formatting {
    /// `value` with exactly `digits` decimals, rounded half away from zero.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard digits > 0 else { return sign + String(scaled) }
        let fraction = String(scaled % scale)
        return sign + String(scaled / scale) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// A JSON string literal.
    static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A segment's fields, `"start": s, "end": s, "text": t`, for an object.
    /// With words, when the segment has them: objects `{word, start, end,
    /// probability}`, faster-whisper's names.
    static func jsonFields(_ segment: TranscriptionResult.Segment) -> String {
        let fields = "\"start\": \(fixed(segment.start, 2)), \"end\": \(fixed(segment.end, 2)), \"text\": \(json(segment.text))"
        guard !segment.words.isEmpty else { return fields }
        let words = segment.words.map { word in
            "{\"word\": \(json(word.word)), \"start\": \(fixed(word.start, 2)), \"end\": \(fixed(word.end, 2)), "
                + "\"probability\": \(fixed(word.probability, 4))}"
        }
        return fields + ", \"words\": [\(words.joined(separator: ", "))]"
    }

    /// A result's fields, `"duration"`, `"language"` and
    /// `"language_probability"` (faster-whisper's names), `"text"` and
    /// `"segments"`, for an object.
    static func resultFields(_ result: TranscriptionResult) -> String {
        let segments = result.segments.map { "{" + jsonFields($0) + "}" }
        return "\"duration\": \(fixed(result.duration, 3)), "
            + "\"language\": \(result.language.isEmpty ? "null" : json(result.language)), "
            + "\"language_probability\": \(fixed(result.languageProbability, 4)), "
            + "\"text\": \(json(result.text)), \"segments\": [\(segments.joined(separator: ", "))]"
    }

    static func jsonObject(_ values: [KeyValue]) -> String {
        "{" + values.map { json($0.key) + ": " + jsonValue($0.value) }.joined(separator: ", ") + "}"
    }

    /// Numbers and booleans stay what they are; everything else is a string.
    private static func jsonValue(_ value: String) -> String {
        if value == "true" || value == "false" { return value }
        return Double(value) != nil && value.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) ? value : json(value)
    }

    static func aligned(_ values: [KeyValue]) -> String {
        let width = values.map(\.key.count).max() ?? 0
        return values.map { $0.key + ":" + String(repeating: " ", count: width - $0.key.count + 1) + $0.value + "\n" }.joined()
    }
}
