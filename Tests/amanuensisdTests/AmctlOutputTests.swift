import Foundation
import TestSupport
import Testing

/// What `amctl transcribe` writes for several files is one document a
/// program can read, its files are sent at once, and `--output-dir` writes
/// one file per input.
@Suite struct AmctlOutputTests {
    /// jfk.wav under another name, and a file that is not there.
    static func inputs(in daemon: DaemonHarness) throws -> (other: String, missing: String) {
        let other = try daemon.directory.file("other.wav", contents: Data(contentsOf: URL(fileURLWithPath: Samples.jfk))).path
        return (other, daemon.directory.url.appendingPathComponent("missing.wav").path)
    }

    @Test func severalFilesAreOneJSONArrayInTheOrderGivenAndSentAtOnce() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let (other, missing) = try Self.inputs(in: daemon)
        let files = [Samples.jfk, other, missing, Samples.jfk, other]
        let result = try daemon.amctl(["transcribe", "-f", "json"] + files)
        #expect(result.status == 1, "one file is missing")
        #expect(result.standardError.contains("missing.wav: No such file or directory"), "\(result.standardError)")
        let array = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]]
        #expect(array?.map { $0["file"] as? String } == [Samples.jfk, other, Samples.jfk, other], "\(result.standardOutput)")
        #expect(array?.allSatisfy { ($0["text"] as? String) == Samples.jfkText } == true)
        let status = try daemon.amctl(["status", "--json"])
        let counts = try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any]
        #expect((counts?["streams_high_water"] as? Int ?? 0) >= 2, "the files were in the daemon together: \(status.standardOutput)")
        #expect(daemon.stop() == 0)
    }

    /// jfk four times over: 44 s, two windows.
    static func longFile(in daemon: DaemonHarness) throws -> String {
        let pcm = try Samples.jfkPCM()
        return try daemon.directory.file("long.wav", contents: Samples.wav(pcm: pcm + pcm + pcm + pcm)).path
    }

    /// What amctl printed, as its first read and the rest.
    static func output(of arguments: [String], daemon: DaemonHarness) throws -> (first: Data, rest: Data, status: Int32) {
        let amctl = Process()
        amctl.executableURL = URL(fileURLWithPath: DaemonHarness.amctl)
        amctl.arguments = arguments + ["--socket", daemon.socketPath]
        let output = Pipe()
        amctl.standardOutput = output
        try amctl.run()
        let first = output.fileHandleForReading.availableData
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        amctl.waitUntilExit()
        return (first, rest, amctl.terminationStatus)
    }

    /// A long file's text comes as its windows are decoded, not all at the
    /// end, and what comes is exactly the transcript.
    @Test func aLongFilesTextIsPrintedAsItIsDecoded() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let long = try Self.longFile(in: daemon)
        let (first, rest, status) = try Self.output(of: ["transcribe", long], daemon: daemon)
        let text = String(decoding: first + rest, as: UTF8.self)
        #expect(status == 0)
        // Printed at the end, the whole text would come in one write.
        #expect(!first.isEmpty && !rest.isEmpty, "the text came all at once: \(first.count) then \(rest.count) bytes")
        let json = try daemon.amctl(["transcribe", "-f", "json", long])
        let whole = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect(text == (whole?["text"] as? String ?? "?") + "\n")
        #expect(text.components(separatedBy: "ask what you can do for your country").count == 5, "\(text)")
        #expect(daemon.stop() == 0)
    }

    /// JSON Lines: each segment on a line of its own as it becomes final,
    /// then the result (`-f json`'s object); several files one after another.
    @Test func jsonLinesAreEachSegmentAsItIsFinalThenTheResult() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let long = try Self.longFile(in: daemon)
        let (first, rest, status) = try Self.output(of: ["transcribe", "-f", "jsonl", long], daemon: daemon)
        #expect(status == 0)
        #expect(!first.isEmpty && !rest.isEmpty, "the lines came all at once: \(first.count) then \(rest.count) bytes")
        let lines = try String(decoding: first + rest, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)")
        }
        let result = try #require(lines.last)
        #expect(lines.map { $0["type"] as? String } == Array(repeating: "segment", count: lines.count - 1) + ["result"])
        #expect(lines.allSatisfy { $0["file"] as? String == long })
        let segments = try #require(result["segments"] as? [[String: Any]])
        #expect(lines.dropLast().map { [$0["start"] as? Double, $0["end"] as? Double] } == segments.map { [$0["start"] as? Double, $0["end"] as? Double] })
        #expect(lines.dropLast().map { $0["text"] as? String } == segments.map { $0["text"] as? String })
        let json = try daemon.amctl(["transcribe", "-f", "json", long])
        let whole = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect(result["text"] as? String == whole?["text"] as? String)

        let (other, _) = try Self.inputs(in: daemon)
        let several = try daemon.amctl(["transcribe", "-f", "jsonl", Samples.jfk, other])
        let objects = several.standardOutput.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:]
        }
        let files = objects.map { $0["file"] as? String }
        #expect(several.status == 0 && objects.filter { $0["type"] as? String == "result" }.map { $0["file"] as? String } == [Samples.jfk, other])
        #expect(files.first == Samples.jfk && !files.contains(nil) && !files.drop { $0 == Samples.jfk }.contains(Samples.jfk),
                "one file after the other: \(several.standardOutput)")
        #expect(daemon.stop() == 0)
    }

    @Test func severalFilesAsTextArePrefixedWithTheirNames() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let (other, _) = try Self.inputs(in: daemon)
        let result = try daemon.amctl(["transcribe", Samples.jfk, other])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "\(Samples.jfk): \(Samples.jfkText)\n\(other): \(Samples.jfkText)\n")
        #expect(daemon.stop() == 0)
    }

    @Test func subtitlesOfSeveralFilesGoToOneFileEach() throws {
        let daemon = try DaemonHarness()
        // float32: the segment times below are the reference's.
        try daemon.start(arguments: ["--compute-type", "float32"])
        let (other, _) = try Self.inputs(in: daemon)
        let mixed = try daemon.amctl(["transcribe", "-f", "srt", Samples.jfk, other])
        #expect(mixed.status == 2 && mixed.standardError.contains("needs --output-dir"), "\(mixed.standardError)")

        let output = try TemporaryDirectory()
        let written = try daemon.amctl(["transcribe", "-f", "srt", "-o", output.url.path, Samples.jfk, other])
        #expect(written.status == 0 && written.standardOutput.isEmpty, "\(written.standardError)")
        for name in ["jfk.srt", "other.srt"] {
            let subtitles = try String(contentsOf: output.url.appendingPathComponent(name), encoding: .utf8)
            #expect(subtitles.hasPrefix("1\n00:00:00,000 --> 00:00:07,740\nAnd so my fellow Americans"), "\(name): \(subtitles)")
        }

        let clash = try daemon.amctl(["transcribe", "-o", output.url.path, Samples.jfk, try daemon.directory.file("jfk.wav", contents: Data()).path])
        #expect(clash.status == 2 && clash.standardError.contains("would both be written to"), "\(clash.standardError)")
        #expect(daemon.stop() == 0)
    }

    /// Word timestamps: each JSON segment lists its words, which make up its
    /// text; subtitles cut at words keep every line within the width.
    @Test func wordsAreListedInJSONAndCutSubtitles() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let json = try daemon.amctl(["transcribe", "-f", "json", "--word-timestamps", Samples.jfk])
        #expect(json.status == 0, "\(json.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let segments = try #require(object["segments"] as? [[String: Any]])
        for segment in segments {
            let words = try #require(segment["words"] as? [[String: Any]], "\(segment)")
            #expect(words.compactMap { $0["word"] as? String }.joined() == segment["text"] as? String)
            #expect(words.allSatisfy { ($0["start"] as? Double ?? -1) <= ($0["end"] as? Double ?? -2) && $0["probability"] is Double })
        }

        let srt = try daemon.amctl(["transcribe", "-f", "srt", "--max-line-width", "20", "--max-line-count", "2", Samples.jfk])
        #expect(srt.status == 0, "\(srt.standardError)")
        let cues = srt.standardOutput.split(separator: "\n\n").map { $0.split(separator: "\n") }
        #expect(cues.count > 2, "cut into more cues than the two segments: \(srt.standardOutput)")
        for cue in cues {
            #expect(cue.count >= 3 && cue.count <= 4, "an index, a time and one or two lines: \(cue)")
            #expect(cue.dropFirst(2).allSatisfy { $0.count <= 20 }, "\(cue)")
        }
        let words = cues.flatMap { $0.dropFirst(2).flatMap { $0.split(separator: " ") } }.joined(separator: " ")
        #expect(words == Samples.jfkText)

        let refused = try daemon.amctl(["transcribe", "--word-timestamps", "--no-timestamps", Samples.jfk])
        #expect(refused.status == 2 && refused.standardError.contains("not with --no-timestamps"), "\(refused.standardError)")
        #expect(daemon.stop() == 0)
    }
}
