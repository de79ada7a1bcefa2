import Foundation
import TestSupport
import Testing

/// The shared corpus's manifest and faster-whisper's transcripts of it.
enum Corpus {
    struct Clip: Decodable, Sendable {
        let id: String
        let file: String
        let kind: String
        let reference: String?
        let referenceQuality: String?
        let corpus: String?

        enum CodingKeys: String, CodingKey {
            case id, file, kind, reference, corpus
            case referenceQuality = "reference_quality"
        }

        var url: URL { TestPaths.corpus.appendingPathComponent(file) }
        var hasExactReference: Bool { reference != nil && referenceQuality == "exact" }
    }

    struct ReferenceTranscript: Decodable, Sendable {
        let file: String
        let text: String
    }

    /// Fails the test loudly when the corpus is not beside the repository.
    static func requireCorpus() throws {
        guard FileManager.default.fileExists(atPath: TestPaths.corpus.appendingPathComponent("manifest.jsonl").path) else {
            Issue.record("The shared corpus is missing at \(TestPaths.corpus.path): the corpus-wide tests cannot run.")
            throw CorpusMissing()
        }
    }

    struct CorpusMissing: Error {}

    static func clips() throws -> [Clip] {
        try requireCorpus()
        return try lines(TestPaths.corpus.appendingPathComponent("manifest.jsonl"), as: Clip.self)
    }

    /// faster-whisper 1.2.1, float32, `language="en"`, by corpus file
    /// (Tools/reference/transcripts.py).
    static func fasterWhisper(beamSize: Int) throws -> [String: String] {
        let name = beamSize == 1 ? "faster-whisper-tiny.en.jsonl" : "faster-whisper-tiny.en-beam\(beamSize).jsonl"
        let entries = try lines(TestPaths.repositoryFixtures.appendingPathComponent(name), as: ReferenceTranscript.self)
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.file, $0.text) })
    }

    static func lines<T: Decodable>(_ url: URL, as type: T.Type) throws -> [T] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }
}
