/// The ids of Whisper's control tokens, looked up by name in the vocabulary so
/// that English-only (51864) and multilingual (51865+) layouts both work.
public struct SpecialTokens: Hashable, Sendable {
    public let endOfText: Int
    public let startOfTranscript: Int
    public let startOfPrevious: Int
    public let noSpeech: Int
    public let noTimestamps: Int
    /// The task tokens of a multilingual vocabulary; nil for English-only models.
    public let transcribe: Int?
    public let translate: Int?
    /// The first timestamp, `<|0.00|>`; timestamps run to the end of the vocabulary.
    public var timestampBegin: Int { noTimestamps + 1 }
    public let timestampEnd: Int

    /// Seconds per timestamp step.
    public static let timestampSeconds = 0.02

    init(ids: [String: Int], vocabularySize: Int, file: String) throws {
        func id(_ names: String...) throws -> Int {
            for name in names { if let id = ids[name] { return id } }
            throw ModelError(.malformed, file: file, "the vocabulary has no \(names[0]) token")
        }
        endOfText = try id("<|endoftext|>")
        startOfTranscript = try id("<|startoftranscript|>")
        startOfPrevious = try id("<|startofprev|>")
        noSpeech = try id("<|nospeech|>", "<|nocaptions|>")
        noTimestamps = try id("<|notimestamps|>")
        timestampEnd = vocabularySize - 1
        // CTranslate2's test: a multilingual vocabulary contains the empty token.
        isMultilingual = ids[""] != nil
        if isMultilingual {
            transcribe = try id("<|transcribe|>")
            translate = try id("<|translate|>")
        } else {
            transcribe = nil
            translate = nil
        }
        guard noTimestamps + 1 < vocabularySize else {
            throw ModelError(.malformed, file: file, "the vocabulary has no timestamp tokens")
        }
    }

    public let isMultilingual: Bool

    /// The start-of-transcript sequence (Docs/whisper-reference.md §6.1):
    /// `[SOT]` for English-only models, `[SOT, language, task]` for
    /// multilingual ones.
    public func startSequence(language: Int?, task: DecodingTask) -> [Int] {
        guard isMultilingual, let language else { return [startOfTranscript] }
        return [startOfTranscript, language, task == .translate ? translate! : transcribe!]
    }

    public func isTimestamp(_ id: Int) -> Bool { id >= timestampBegin }
}
