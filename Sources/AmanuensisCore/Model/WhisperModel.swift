import Foundation

/// A Whisper model in CTranslate2 format, loaded and ready to share.
///
/// Immutable once loaded: any number of streams may run on it at once, each
/// with its own workspace. The directory holds `model.bin`, `config.json`,
/// `vocabulary.json` or `vocabulary.txt`, and optionally `tokenizer.json`
/// (needed only to encode an initial prompt).
public final class WhisperModel: Sendable {
    public let directory: URL
    public let dimensions: WhisperDimensions
    public let tokenizer: Tokenizer
    /// The type loaded: never `auto`, which is resolved first.
    public let computeType: ComputeType
    /// What the model can be told to transcribe, or detects.
    public let languages: Languages
    /// The cross-attention heads word timestamps are read from; empty when
    /// config.json names none (then there are no word timestamps).
    public let alignmentHeads: [AlignmentHead]
    let weights: WhisperWeights
    let configuration: ModelConfiguration

    public init(directory: URL, computeType: ComputeType = .float32) throws {
        self.directory = directory
        self.computeType = computeType.resolved
        let binary = directory.appendingPathComponent("model.bin")
        let file = try CTranslate2File(path: binary.path)
        guard file.specName == "WhisperSpec" else {
            throw ModelError(.unsupported, file: binary.path, "spec '\(file.specName)' is not a Whisper model")
        }
        let tokens = try Self.loadVocabulary(directory)
        let tokenizerJSON = directory.appendingPathComponent("tokenizer.json")
        tokenizer = try Tokenizer(
            tokens: tokens,
            tokenizerJSON: FileManager.default.fileExists(atPath: tokenizerJSON.path) ? tokenizerJSON : nil,
            file: directory.path)
        weights = try WhisperWeights(file: file, computeType: self.computeType,
                                     exactRowsKeptFrom: VocabularyScreen.approximateEntries(tokenizer.special))
        dimensions = weights.dimensions
        guard tokens.count == dimensions.vocabularySize else {
            throw ModelError(.malformed, file: directory.appendingPathComponent("vocabulary.txt").path,
                             "\(tokens.count) tokens, but the embedding has \(dimensions.vocabularySize) rows")
        }
        let configurationFile = directory.appendingPathComponent("config.json")
        configuration = try ModelConfiguration.load(configurationFile, vocabularySize: tokens.count)
        if tokenizer.special.isMultilingual {
            guard let ids = configuration.languageIds else {
                throw ModelError(.malformed, file: configurationFile.path, "a multilingual model's config.json has no lang_ids")
            }
            languages = try Languages(ids: ids, vocabulary: tokens, file: configurationFile.path)
        } else {
            languages = .englishOnly
        }
        let shape = weights.dimensions
        alignmentHeads = try (configuration.alignmentHeads ?? []).map { pair in
            guard pair.count == 2, (0..<shape.decoderLayers).contains(pair[0]), (0..<shape.heads).contains(pair[1]) else {
                throw ModelError(.malformed, file: configurationFile.path, "alignment head \(pair) is not a (layer, head) of the decoder")
            }
            return AlignmentHead(layer: pair[0], head: pair[1])
        }
        guard Set(alignmentHeads).count == alignmentHeads.count else {
            throw ModelError(.malformed, file: configurationFile.path, "alignment_heads names a head twice")
        }
    }

    /// The model's name: its directory's.
    public var name: String { directory.lastPathComponent }

    /// Bytes of the converted weights held in memory.
    public var weightBytes: Int { weights.bytes }

    /// CTranslate2 prefers `vocabulary.json` (a JSON array) over `vocabulary.txt`
    /// (one token per line, split on "\n" only; empty lines are real tokens).
    private static func loadVocabulary(_ directory: URL) throws -> [String] {
        let json = directory.appendingPathComponent("vocabulary.json")
        if let data = try? Data(contentsOf: json) {
            guard let tokens = try? JSONDecoder().decode([String].self, from: data) else {
                throw ModelError(.malformed, file: json.path, "not a JSON array of strings")
            }
            return tokens
        }
        let text = directory.appendingPathComponent("vocabulary.txt")
        guard let data = try? Data(contentsOf: text) else {
            throw ModelError(.unreadable, file: text.path, "cannot read the vocabulary (vocabulary.json or vocabulary.txt)")
        }
        // Split on the newline byte: a Character-level split would treat "\r\n" as one character.
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        // A file written on Windows has "\r" on every line; strip it only then.
        let crlf = !lines.isEmpty && lines.allSatisfy { $0.last == UInt8(ascii: "\r") }
        return lines.map { String(decoding: crlf ? $0.dropLast() : $0[...], as: UTF8.self) }
    }
}
