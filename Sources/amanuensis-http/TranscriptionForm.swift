import AmanuensisProtocol
import Foundation

/// The fields of an OpenAI `audio/transcriptions` or `audio/translations`
/// request, checked: anything the gateway cannot honour is refused with the
/// field named, before the daemon sees the audio.
struct TranscriptionForm {
    enum ResponseFormat: String, CaseIterable {
        case json, text, srt, vtt
        case verboseJSON = "verbose_json"
    }

    struct Invalid: Error {
        let message: String
        let parameter: String
    }

    var audio: ArraySlice<UInt8>
    var format: ResponseFormat
    var choices: DecodingChoices
    var stream: Bool

    init(_ form: MultipartForm, task: DecodingChoices.Task) throws {
        guard let file = form["file"] else { throw Invalid(message: "the form has no 'file' part", parameter: "file") }
        guard !file.data.isEmpty else { throw Invalid(message: "the file is empty", parameter: "file") }
        audio = file.data
        let field = { (name: String) in form[name].map { String(decoding: $0.data, as: UTF8.self) } }

        let formatName = field("response_format") ?? "json"
        guard let format = ResponseFormat(rawValue: formatName) else {
            let names = ResponseFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw Invalid(message: "response_format '\(formatName)' is not one of \(names)", parameter: "response_format")
        }
        self.format = format

        choices = DecodingChoices(task: task)
        if let language = field("language"), !language.isEmpty {
            guard language.utf8.count <= 16, language.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }) else {
                throw Invalid(message: "language '\(language.prefix(32))' is not a language code", parameter: "language")
            }
            choices.language = language.lowercased()
        }
        if let prompt = field("prompt") {
            guard prompt.utf8.count <= DecodingChoices.maximumPromptBytes else {
                throw Invalid(message: "a prompt of \(prompt.utf8.count) bytes; the limit is \(DecodingChoices.maximumPromptBytes)",
                              parameter: "prompt")
            }
            choices.initialPrompt = prompt
        }
        if let temperature = field("temperature") {
            // Accepted for OpenAI's clients; decoding follows the daemon's rules (amanuensis-http(8)).
            guard let value = Double(temperature), (0...1).contains(value) else {
                throw Invalid(message: "temperature '\(temperature.prefix(32))' is not a number from 0 to 1", parameter: "temperature")
            }
        }
        for part in form.all("timestamp_granularities[]") + form.all("timestamp_granularities") {
            switch String(decoding: part.data, as: UTF8.self) {
            case "word": choices.wordTimestamps = true
            case "segment": break
            case let other:
                throw Invalid(message: "timestamp granularity '\(other.prefix(32))' is not word or segment",
                              parameter: "timestamp_granularities[]")
            }
        }
        switch field("stream") {
        case nil, "false": stream = false
        case "true": stream = true
        case let other?: throw Invalid(message: "stream '\(other.prefix(32))' is not true or false", parameter: "stream")
        }
        if stream, format != .json, format != .text {
            throw Invalid(message: "stream=true gives text events; ask for response_format json or text", parameter: "stream")
        }
    }
}
