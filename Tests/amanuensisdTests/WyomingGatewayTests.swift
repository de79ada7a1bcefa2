import AmanuensisCore
import Foundation
import Glibc
import TestSupport
import Testing

/// amanuensis-wyoming under `systemd-socket-activate`, in front of a real
/// daemon, spoken to by the `wyoming` package from PyPI (Home Assistant's
/// client library) through Tools/peers/wyoming-client.py.
@Suite(.serialized) struct WyomingGatewayTests {
    @Test func describeNamesTheDaemonsModelAndItsLanguages() throws {
        let daemon = try DaemonHarness()
        try daemon.start(model: TestPaths.model("base").path)
        let gateway = try GatewayHarness("amanuensis-wyoming", daemon: daemon)
        let info = try gateway.wyoming("describe")
        #expect(info["type"] as? String == "info")
        #expect(info["streaming"] as? Bool == false)
        let model = try #require((info["models"] as? [[String: Any]])?.first)
        #expect(model["name"] as? String == "base")
        let languages = try #require(model["languages"] as? [String])
        #expect(languages.count == 99 && languages.contains("de") && languages.first == "en")
    }

    @Test func homeAssistantsClientGetsTheTextAmctlGets() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try GatewayHarness("amanuensis-wyoming", daemon: daemon)
        let events = try gateway.wyomingEvents("transcribe", [Samples.jfk])
        #expect(events.map(\.type) == ["transcript"])
        #expect(events.first?.data["text"] as? String == (try GatewayHarness.amctl(daemon, ["transcribe", Samples.jfk])))
        #expect(events.first?.data["language"] as? String == "en")
    }

    @Test func streamingSendsCommitsThenTheTranscriptTheyMake() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try GatewayHarness("amanuensis-wyoming", daemon: daemon, arguments: ["--streaming"])
        #expect(try gateway.wyoming("describe")["streaming"] as? Bool == true)
        let events = try gateway.wyomingEvents("transcribe", [Samples.jfk, "--streaming"])
        let types = events.map(\.type)
        #expect(types.first == "transcript-start" && types.suffix(2) == ["transcript", "transcript-stop"], "\(types)")
        #expect(types.dropFirst().dropLast(2).allSatisfy { $0 == "transcript-chunk" } && types.count >= 4, "\(types)")
        let chunks = events.filter { $0.type == "transcript-chunk" }.compactMap { $0.data["text"] as? String }.joined()
        let text = try #require(events.first { $0.type == "transcript" }?.data["text"] as? String)
        #expect(text == chunks.trimmingCharacters(in: .whitespaces))
        #expect(WordErrorRate.normalize(text) == WordErrorRate.normalize(Samples.jfkText))
    }

    @Test func aUnixSocketServesAsTCPDoes() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let path = daemon.directory.url.appendingPathComponent("wyoming.sock").path
        let gateway = TestPaths.products.appendingPathComponent("amanuensis-wyoming").path
        let pid = try DaemonHarness.spawn([gateway, "--listen", "unix:\(path)", "--socket", daemon.socketPath],
                                          log: daemon.directory.url.appendingPathComponent("wyoming.log").path)
        defer { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }
        for _ in 0..<200 where access(path, F_OK) != 0 { usleep(25_000) }
        let peer = try GatewayHarness.python(["wyoming-client.py", "transcribe", "unix:\(path)", Samples.jfk])
        let events = try #require((peer as? [String: Any])?["events"] as? [[String: Any]])
        #expect((events.first?["data"] as? [String: Any])?["text"] as? String == Samples.jfkText, "\(events)")
    }

    @Test func badRequestsGetAnErrorEventAndTheNextPeerIsServed() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try GatewayHarness("amanuensis-wyoming", daemon: daemon)
        let changed = try gateway.wyomingEvents("transcribe", [Samples.jfk, "--change-format-after", "3"])
        #expect(changed.map(\.type) == ["error"])
        #expect((changed.first?.data["text"] as? String)?.contains("rate 8000") == true, "\(changed)")
        let german = try gateway.wyomingEvents("transcribe", [Samples.jfk, "--language", "de"])
        #expect(german.first?.data["text"] as? String == "model tiny.en is English-only; it cannot transcribe 'de'")

        // Bytes no peer library would send.
        let header = { (line: String) in Data((line + "\n").utf8) }
        let cases: [(bytes: Data, error: String)] = [
            (Data(repeating: 0x41, count: 1 << 20), "a header line longer than 16384 bytes"),
            (header(#"{"type": "audio-chunk", "payload_length": 3000000000}"#), "payload_length of 3000000000 bytes; the limit is 2097152"),
            (header(#"{"type": "audio-start", "data": {"rate": 16000, "width": 2, "channels": 1}}"#)
                + header(#"{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, "payload_length": 4}"#)
                + Data("12345678".utf8) + header(#"{"type": "audio-stop"}"#), "a header that is not a JSON object"),
            (header(#"{"type": "describe", "data_length": 100}"#) + Data("{}".utf8), "the stream ended inside an event"),
            (header(#"["not", "an", "object"]"#), "a header that is not a JSON object"),
            (header(String(repeating: " ", count: 20_000) + #"{"type": "describe"}"#), "a header line longer than 16384 bytes"),
        ]
        for (bytes, error) in cases {
            let events = try gateway.wyomingEvents("raw", standardInput: bytes)
            #expect(events.last?.type == "error" && events.last?.data["text"] as? String == error, "\(events)")
        }
        // Formats that are no audio, and a refusal mid-utterance: one error each, however many chunks follow.
        let utterance = { (format: String, language: String) in
            header(#"{"type": "transcribe", "data": {"language": "\#(language)"}}"#)
                + header(#"{"type": "audio-start", "data": \#(format)}"#)
                + header(#"{"type": "audio-chunk", "data": \#(format), "payload_length": 6}"#) + Data(repeating: 0, count: 6)
                + header(#"{"type": "audio-chunk", "data": \#(format), "payload_length": 6}"#) + Data(repeating: 0, count: 6)
                + header(#"{"type": "audio-stop"}"#)
        }
        let refusals: [(bytes: Data, error: String)] = [
            (utterance(#"{"rate": 16000, "width": 2, "channels": 0}"#, "en"), "as positive whole numbers"),
            (utterance(#"{"rate": 16000, "width": 3, "channels": 1}"#, "en"), "audio of width 3"),
            (utterance(#"{"rate": 16000, "width": 2, "channels": 1}"#, "de"), "it cannot transcribe 'de'"),
        ]
        for (bytes, error) in refusals {
            let events = try gateway.wyomingEvents("raw", standardInput: bytes)
            #expect(events.map(\.type) == ["error"], "\(events)")
            #expect((events.first?.data["text"] as? String)?.contains(error) == true, "\(events)")
        }
        #expect(try gateway.wyomingEvents("transcribe", [Samples.jfk]).first?.data["text"] as? String == Samples.jfkText)
        let status = try DictationServingTests.status(daemon, until: DictationServingTests.idle)
        #expect(DictationServingTests.idle(status), "\(status)")
    }
}
