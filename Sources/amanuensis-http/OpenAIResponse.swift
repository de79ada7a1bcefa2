import AmanuensisClient
import AmanuensisProtocol

/// A result in the response format the client asked for, with OpenAI's
/// field names. `verbose_json` segments carry id, start, end and text (and
/// the request's words at the top level, as OpenAI puts them); the decoding
/// statistics OpenAI adds to segments are not on the daemon's protocol and
/// are left out rather than made up.
enum OpenAIResponse {
    struct Text: Encodable {
        let text: String
    }

    struct Verbose: Encodable {
        struct Segment: Encodable {
            let id: Int
            let start: Double
            let end: Double
            let text: String
        }

        struct Word: Encodable {
            let word: String
            let start: Double
            let end: Double
        }

        let task: String
        let language: String
        let duration: Double
        let text: String
        let segments: [Segment]
        let words: [Word]?
    }

    static func answer(_ result: TranscriptionResult, format: TranscriptionForm.ResponseFormat, task: DecodingChoices.Task,
                       words: Bool) -> HTTPAnswer {
        switch format {
        case .json:
            return .json(Text(text: result.text))
        case .text:
            return .text(result.text + "\n")
        case .srt:
            return .text(SubtitleCues().srt(result), contentType: "application/x-subrip; charset=utf-8")
        case .vtt:
            return .text(SubtitleCues().vtt(result), contentType: "text/vtt; charset=utf-8")
        case .verboseJSON:
            let segments = result.segments.enumerated().map { index, segment in
                Verbose.Segment(id: index, start: segment.start, end: segment.end, text: segment.text)
            }
            let allWords = words ? result.segments.flatMap(\.words).map { Verbose.Word(word: $0.word, start: $0.start, end: $0.end) } : nil
            return .json(Verbose(task: task == .translate ? "translate" : "transcribe", language: result.language,
                                 duration: result.duration, text: result.text, segments: segments, words: allWords))
        }
    }
}
