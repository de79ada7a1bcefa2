import Foundation

/// The decoding-relevant fields of a CTranslate2 Whisper `config.json`
/// (Docs/whisper-reference.md §3). Fields we do not use are ignored.
struct ModelConfiguration: Decodable, Sendable {
    /// Masked at every step (faster-whisper's default `suppress_tokens=[-1]`).
    let suppressIds: [Int]
    /// Masked at the first generated step only (`suppress_blank`).
    let suppressIdsBegin: [Int]
    /// The language tokens, for multilingual models (in English-only ones
    /// the list is meaningless, and not read).
    let languageIds: [Int]?
    /// (decoder layer, head) pairs whose cross-attention follows the words
    /// in time: what word timestamps are read from.
    let alignmentHeads: [[Int]]?

    enum CodingKeys: String, CodingKey {
        case suppressIds = "suppress_ids"
        case suppressIdsBegin = "suppress_ids_begin"
        case languageIds = "lang_ids"
        case alignmentHeads = "alignment_heads"
    }

    static func load(_ url: URL, vocabularySize: Int) throws -> ModelConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError(.unreadable, file: url.path, "cannot read: \(error.localizedDescription)")
        }
        let configuration: ModelConfiguration
        do { configuration = try JSONDecoder().decode(ModelConfiguration.self, from: data) } catch {
            throw ModelError(.malformed, file: url.path, "not a Whisper config.json: \(error)")
        }
        for id in configuration.suppressIds + configuration.suppressIdsBegin where !(0..<vocabularySize).contains(id) {
            throw ModelError(.malformed, file: url.path, "token id \(id) is outside the vocabulary of \(vocabularySize)")
        }
        return configuration
    }
}
