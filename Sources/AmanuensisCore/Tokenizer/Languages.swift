/// The languages a model is told or detects: Whisper's language tokens
/// (`<|de|>` and the like) in the order `lang_ids` in config.json lists them
/// (Docs/whisper-reference.md §3), named as faster-whisper names them, by the
/// token without its brackets. An English-only model has no language token
/// and knows only English.
public struct Languages: Sendable, Hashable {
    /// The codes, in the model's order.
    public let codes: [String]
    /// The token of each code, in the same order; empty for an English-only model.
    let tokens: [Int]

    public var isMultilingual: Bool { !tokens.isEmpty }

    /// The language token of `code`, if the model has it.
    public func token(_ code: String) -> Int? {
        codes.firstIndex(of: code).flatMap { tokens.indices.contains($0) ? tokens[$0] : nil }
    }

    public func contains(_ code: String) -> Bool { codes.contains(code) }

    static let englishOnly = Languages(codes: ["en"], tokens: [])

    /// The languages `ids` (config.json's `lang_ids`) name in `vocabulary`;
    /// each must be a `<|code|>` token.
    init(ids: [Int], vocabulary: [String], file: String) throws {
        guard !ids.isEmpty else { throw ModelError(.malformed, file: file, "a multilingual model's lang_ids is empty") }
        var codes: [String] = []
        for id in ids {
            guard vocabulary.indices.contains(id) else {
                throw ModelError(.malformed, file: file, "language token id \(id) is outside the vocabulary")
            }
            let token = vocabulary[id]
            guard token.hasPrefix("<|"), token.hasSuffix("|>"), token.count > 4 else {
                throw ModelError(.malformed, file: file, "language token id \(id) is '\(token)', not <|code|>")
            }
            codes.append(String(token.dropFirst(2).dropLast(2)))
        }
        guard Set(codes).count == codes.count else { throw ModelError(.malformed, file: file, "lang_ids names a language twice") }
        self.init(codes: codes, tokens: ids)
    }

    private init(codes: [String], tokens: [Int]) {
        self.codes = codes
        self.tokens = tokens
    }
}
