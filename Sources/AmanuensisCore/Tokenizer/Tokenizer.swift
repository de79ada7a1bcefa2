import Foundation

/// Whisper's byte-level BPE tokenizer: ids to text for transcripts, text to
/// ids for an initial prompt.
public final class Tokenizer: Sendable {
    public let special: SpecialTokens
    /// The vocabulary, id → token string.
    let tokens: [String]
    /// id → the bytes a text token stands for (empty for control tokens).
    private let tokenBytes: [[UInt8]]
    private let ids: [String: Int]
    private let tokenizerJSON: URL?
    /// Built on the first `encode`: most requests have no prompt, so the
    /// 50 000 merges are not parsed at start-up.
    private let encoder = Locked<BPEEncoder?>(nil)

    init(tokens: [String], tokenizerJSON: URL?, file: String) throws {
        self.tokens = tokens
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
        self.ids = ids
        self.tokenizerJSON = tokenizerJSON
        special = try SpecialTokens(ids: ids, vocabularySize: tokens.count, file: file)
        let textEnd = special.endOfText
        tokenBytes = tokens.enumerated().map { id, token in
            id < textEnd ? (ByteLevelAlphabet.bytes(of: token) ?? []) : []
        }
    }

    public var vocabularySize: Int { tokens.count }

    /// The text of a token sequence: control and timestamp tokens are dropped,
    /// the bytes of the rest are joined and decoded as UTF-8 once, so a
    /// character split across tokens comes out whole (invalid sequences become
    /// U+FFFD).
    public func decode(_ ids: some Sequence<Int>) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < special.endOfText { bytes += tokenBytes[id] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether a text token begins a word: its text starts with a space.
    public func beginsWord(_ id: Int) -> Bool {
        id >= 0 && id < special.endOfText && tokenBytes[id].first == UInt8(ascii: " ")
    }

    /// The ids of `text` under the model's BPE merges (tokenizer.json).
    public func encode(_ text: String) throws -> [Int] {
        try encoder.withLock { encoder in
            if encoder == nil {
                guard let tokenizerJSON else {
                    throw ModelError(.unreadable, file: "tokenizer.json", "needed to encode a prompt, but the model has none")
                }
                encoder = try BPEEncoder(tokenizerJSON: tokenizerJSON, vocabulary: ids)
            }
            return try encoder!.encode(text)
        }
    }
}
