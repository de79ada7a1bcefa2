import Foundation
import TestSupport
import Testing

/// The multilingual clips (Tools/multilingual): speech synthesized from
/// their texts with espeak-ng, and real recordings from Debian's Asterisk
/// sounds, each made or fetched when absent; and faster-whisper's readings
/// of them (Tools/reference/languages.py).
enum MultilingualClips {
    struct Clip: Decodable, Sendable {
        let id: String
        let file: String
        let language: String
        let text: String
        let sha256: String
    }

    struct Reference: Decodable, Sendable {
        let id: String
        let sha256: String
        let detected: String
        let probability: Double
        /// Each decode's text, and the highest temperature it took: above
        /// 0 it was sampled with CTranslate2's random numbers, which no other
        /// implementation draws.
        let text: String
        let temperature: Double
        let textGiven: String
        let temperatureGiven: Double
        let translation: String
        let temperatureTranslation: Double

        enum CodingKeys: String, CodingKey {
            case id, sha256, detected, probability, text, temperature, translation
            case textGiven = "text_given"
            case temperatureGiven = "temperature_given"
            case temperatureTranslation = "temperature_translation"
        }
    }

    /// Each set's directory and the script that fills it.
    static let sets = [("multilingual", "Tools/multilingual/make-clips.sh"), ("recordings", "Tools/multilingual/fetch-recordings.sh")]
        .map { (TestPaths.root.appendingPathComponent(".build-corpus/\($0.0)"), $0.1) }

    /// Every clip with its audio's path and faster-whisper's reading of it.
    /// The audio must be the bytes the readings were made from: a different
    /// espeak-ng or sox makes other audio, and the test says so.
    static func load() throws -> [(clip: Clip, url: URL, reference: Reference)] {
        var clips: [(Clip, URL)] = []
        for (directory, script) in sets {
            let manifest = directory.appendingPathComponent("manifest.jsonl")
            if !FileManager.default.fileExists(atPath: manifest.path) { try make(directory, with: script) }
            clips += try Corpus.lines(manifest, as: Clip.self).map { ($0, directory.appendingPathComponent($0.file)) }
        }
        let references = try Corpus.lines(TestPaths.repositoryFixtures.appendingPathComponent("faster-whisper-base-multilingual.jsonl"),
                                          as: Reference.self)
        let byID = Dictionary(uniqueKeysWithValues: references.map { ($0.id, $0) })
        return try clips.map { clip, url in
            let reference = try #require(byID[clip.id], "no faster-whisper reading of \(clip.id)")
            try #require(reference.sha256 == clip.sha256,
                         "\(clip.file) is not the audio of the fixtures: espeak-ng or sox made other bytes than Debian 12's")
            return (clip, url, reference)
        }
    }

    private static func make(_ directory: URL, with script: String) throws {
        let process = Process()
        process.executableURL = TestPaths.root.appendingPathComponent(script)
        process.arguments = [directory.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(script) failed (are espeak-ng and sox installed, and Debian's mirror reachable?)")
    }
}
