import AmanuensisCore
import AmanuensisProtocol
import Foundation
import TestSupport
import Testing
@testable import AmanuensisDaemon

/// Languages as users meet them through amctl: detection, a language or
/// translation asked for, what the daemon says it knows, and refusals of
/// what the model cannot do before any audio is decoded.
@Suite(.serialized) struct LanguageServingTests {
    static var base: String { TestPaths.model("base").path }
    static let germanText = "Meine Großmutter hat jeden Sonntag einen Apfelkuchen gebacken."

    /// A German sentence spoken by espeak-ng, as a WAV file and as s16le PCM.
    static func german(in directory: TemporaryDirectory) throws -> (wav: String, pcm: Data) {
        let wav = directory.url.appendingPathComponent("german.wav").path
        let spoken = try CommandResult.run(["/usr/bin/espeak-ng", "-v", "de", "-s", "150", "-w", wav, germanText])
        try #require(spoken.status == 0, "espeak-ng: \(spoken.standardError)")
        let raw = directory.url.appendingPathComponent("german.raw").path
        let converted = try CommandResult.run(["/usr/bin/sox", wav, "-t", "raw", "-e", "signed", "-b", "16", "-r", "16000", "-c", "1", raw])
        try #require(converted.status == 0, "sox: \(converted.standardError)")
        return (wav, try Data(contentsOf: URL(fileURLWithPath: raw)))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test func aMultilingualDaemonDetectsTheLanguageTranslatesAndSaysWhatItKnows() throws {
        let daemon = try DaemonHarness()
        try daemon.start(model: Self.base)
        let status = try Self.json(try daemon.amctl(["status", "--json"]).standardOutput)
        #expect(status["model_name"] as? String == "base" && status["english_only"] as? Bool == false)
        #expect((status["languages"] as? String)?.split(separator: " ").count == 99)

        let german = try Self.german(in: daemon.directory)
        let detected = try daemon.amctl(["transcribe", "-f", "json", german.wav])
        #expect(detected.status == 0, "\(detected.standardError)")
        let result = try Self.json(detected.standardOutput)
        #expect(result["language"] as? String == "de", "\(detected.standardOutput)")
        #expect((result["language_probability"] as? Double ?? 0) > 0.5)
        #expect((result["timing"] as? [String: Any])?["total.language"] != nil, "the timing tree shows the detection")

        // base translates espeak-ng's German loosely, but into English.
        let translated = try daemon.amctl(["transcribe", "--task", "translate", german.wav])
        #expect(translated.status == 0, "\(translated.standardError)")
        let english = Set(translated.standardOutput.lowercased().split { !$0.isLetter }.map(String.init))
        #expect(!english.isDisjoint(with: ["the", "a", "and", "my", "his", "her", "is", "was", "has", "for", "of", "to"]),
                "not English: \(translated.standardOutput)")

        let told = try Self.json(try daemon.amctl(["transcribe", "-f", "json", "--language", "en", Samples.jfk]).standardOutput)
        #expect(told["language"] as? String == "en" && told["language_probability"] as? Double == 1)

        let unknown = try daemon.amctl(["transcribe", "--language", "xx", Samples.jfk])
        #expect(unknown.status == 1 && unknown.standardError.contains("unknown language 'xx'"), "\(unknown.standardError)")

        // A dictation detects once and keeps it.
        let dictated = try daemon.amctl(["dictate", "--jsonl", "--language", "auto"], standardInput: german.pcm)
        #expect(dictated.status == 0, "\(dictated.standardError)")
        let final = try Self.json(String(try #require(dictated.standardOutput.split(separator: "\n").last)))
        #expect(final["type"] as? String == "final" && final["language"] as? String == "de", "\(dictated.standardOutput)")
        #expect(daemon.stop() == 0)
    }

    @Test func anEnglishOnlyDaemonRefusesOtherLanguagesAndTranslationBeforeAnyAudio() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let english = try Self.json(try daemon.amctl(["transcribe", "-f", "json", Samples.jfk]).standardOutput)
        #expect(english["language"] as? String == "en" && english["language_probability"] as? Double == 1)

        let translate = try daemon.amctl(["transcribe", "--task", "translate", Samples.jfk])
        #expect(translate.status == 1 && translate.standardError.contains("English-only; it cannot translate"), "\(translate.standardError)")

        // Refused on the request itself: no audio was sent.
        let connection = try daemon.connect()
        _ = try connection.hello()
        try connection.send(.transcribe(TranscribeRequest(requestID: 1, source: .raw(RawAudioFormat(encoding: .s16le, sampleRate: 16_000, channels: 1)),
                                                          decoding: DecodingChoices(language: "de"))))
        guard case .error(1, let error) = try connection.receive() else { Issue.record("not refused"); return }
        #expect(error.code == .badRequest && error.message.contains("English-only; it cannot transcribe 'de'"), "\(error)")
        let status = try Self.json(try daemon.amctl(["status", "--json"]).standardOutput)
        #expect(status["english_only"] as? Bool == true && status["languages"] as? String == "en")
        #expect(daemon.stop() == 0)
    }

    @Test func aModelIsNamedOrGivenAsADirectoryAndTheDefaultsAreRead() throws {
        var configuration = DaemonConfiguration()
        try configuration.apply(text: "model = \"base\"\nlanguage = \"de\"\ntask = \"translate\"\n", file: "named.conf")
        #expect(configuration.model == ModelLocation.defaultDirectory("base"))
        #expect(configuration.decodingOptions.language == "de" && configuration.decodingOptions.task == .translate)
        try configuration.apply(text: "model = \"/srv/models/base\"\nlanguage = \"auto\"\n", file: "path.conf")
        #expect(configuration.model == "/srv/models/base" && configuration.decodingOptions.language == nil)
        #expect(throws: DaemonConfiguration.Invalid.self) { try configuration.apply(text: "task = \"summarize\"\n", file: "bad.conf") }
    }
}
