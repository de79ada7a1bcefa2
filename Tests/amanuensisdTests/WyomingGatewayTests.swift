import AmanuensisCore
import Foundation
import Glibc
import TestSupport
import Testing

/// amanuensis-wyoming under `systemd-socket-activate`, in front of a real
/// daemon, spoken to by the `wyoming` package from PyPI (Home Assistant's
/// client library) through Tools/peers/wyoming-client.py.
@Suite(.serialized) struct WyomingGatewayTests {
    /// A gateway on a free loopback port, socket-activated as its unit starts it.
    final class Gateway {
        let address: String
        private var pid: pid_t = 0

        init(daemon: DaemonHarness, arguments: [String] = []) throws {
            let port = try Self.freePort()
            address = "127.0.0.1:\(port)"
            let gateway = TestPaths.products.appendingPathComponent("amanuensis-wyoming").path
            pid = try DaemonHarness.spawn(["/usr/bin/systemd-socket-activate", "-l", address, gateway, "--socket", daemon.socketPath]
                                          + arguments, log: daemon.directory.url.appendingPathComponent("wyoming.log").path)
            for _ in 0..<200 where !Self.accepts(port) { usleep(25_000) }
        }

        deinit { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }

        /// Runs the peer; returns what it printed, as JSON.
        func peer(_ arguments: [String], standardInput: Data? = nil) throws -> [String: Any] {
            let python = TestPaths.root.appendingPathComponent(".venv-peers/bin/python").path
            try #require(FileManager.default.isExecutableFile(atPath: python),
                         "no .venv-peers: run Tools/reference/setup-venv.sh .venv-peers Tools/peers/requirements.txt")
            let script = TestPaths.root.appendingPathComponent("Tools/peers/wyoming-client.py").path
            let command = [python, script, arguments[0], address] + arguments.dropFirst()
            let run = try CommandResult.run(command, standardInput: standardInput)
            try #require(run.status == 0, "\(run.standardError)")
            return try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        }

        /// The events a transcription or raw exchange brought back: type and data.
        func events(_ arguments: [String], standardInput: Data? = nil) throws -> [(type: String, data: [String: Any])] {
            let events = try #require(try peer(arguments, standardInput: standardInput)["events"] as? [[String: Any]])
            return events.map { ($0["type"] as? String ?? "", $0["data"] as? [String: Any] ?? [:]) }
        }

        private static func freePort() throws -> UInt16 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            try withUnsafeMutablePointer(to: &address) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    guard bind(fd, $0, length) == 0, getsockname(fd, $0, &length) == 0 else { throw DaemonHarness.HarnessError() }
                }
            }
            return UInt16(bigEndian: address.sin_port)
        }

        private static func accepts(_ port: UInt16) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }
    }

    static func amctlText(_ daemon: DaemonHarness, _ file: String) throws -> String {
        let run = try daemon.amctl(["transcribe", file])
        try #require(run.status == 0, "\(run.standardError)")
        return run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func describeNamesTheDaemonsModelAndItsLanguages() throws {
        let daemon = try DaemonHarness()
        try daemon.start(model: TestPaths.model("base").path)
        let gateway = try Gateway(daemon: daemon)
        let info = try gateway.peer(["describe"])
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
        let gateway = try Gateway(daemon: daemon)
        let events = try gateway.events(["transcribe", Samples.jfk])
        #expect(events.map(\.type) == ["transcript"])
        #expect(events.first?.data["text"] as? String == (try Self.amctlText(daemon, Samples.jfk)))
        #expect(events.first?.data["language"] as? String == "en")
    }

    @Test func streamingSendsCommitsThenTheTranscriptTheyMake() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try Gateway(daemon: daemon, arguments: ["--streaming"])
        #expect(try gateway.peer(["describe"])["streaming"] as? Bool == true)
        let events = try gateway.events(["transcribe", Samples.jfk, "--streaming"])
        let types = events.map(\.type)
        #expect(types.first == "transcript-start" && types.suffix(2) == ["transcript", "transcript-stop"], "\(types)")
        #expect(types.dropFirst().dropLast(2).allSatisfy { $0 == "transcript-chunk" } && types.count >= 4, "\(types)")
        let chunks = events.filter { $0.type == "transcript-chunk" }.compactMap { $0.data["text"] as? String }.joined()
        let text = try #require(events.first { $0.type == "transcript" }?.data["text"] as? String)
        #expect(text == chunks.trimmingCharacters(in: .whitespaces))
        #expect(WordErrorRate.normalize(text) == WordErrorRate.normalize(Samples.jfkText))
    }

    @Test func badRequestsGetAnErrorEventAndTheNextPeerIsServed() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try Gateway(daemon: daemon)
        let changed = try gateway.events(["transcribe", Samples.jfk, "--change-format-after", "3"])
        #expect(changed.map(\.type) == ["error"])
        #expect((changed.first?.data["text"] as? String)?.contains("rate 8000") == true, "\(changed)")
        let german = try gateway.events(["transcribe", Samples.jfk, "--language", "de"])
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
        ]
        for (bytes, error) in cases {
            let events = try gateway.events(["raw"], standardInput: bytes)
            #expect(events.last?.type == "error" && events.last?.data["text"] as? String == error, "\(events)")
        }
        #expect(try gateway.events(["transcribe", Samples.jfk]).first?.data["text"] as? String == Samples.jfkText)
        let status = try DictationServingTests.status(daemon, until: DictationServingTests.idle)
        #expect(DictationServingTests.idle(status), "\(status)")
    }
}
