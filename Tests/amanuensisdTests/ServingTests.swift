import AmanuensisProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// The daemon as users meet it: through amctl, started plainly or by
/// socket activation, and through its life cycle.
@Suite(.serialized) struct ServingTests {
    static let starts: [String] = ["plain", "systemd-socket-activate"]

    @Test(arguments: starts)
    func transcribesByDescriptorAndByRawPCM(start: String) throws {
        let daemon = try DaemonHarness()
        try daemon.start(start == "plain" ? .plain : .socketActivate)
        let byDescriptor = try daemon.amctl(["transcribe", Samples.jfk])
        #expect(byDescriptor.status == 0, "\(byDescriptor.standardError)\n\(daemon.log)")
        #expect(byDescriptor.standardOutput == Samples.jfkText + "\n")

        let byRaw = try daemon.amctl(["transcribe", "--raw", "s16le:16000:1", "-"], standardInput: try Samples.jfkPCM())
        #expect(byRaw.status == 0, "\(byRaw.standardError)")
        #expect(byRaw.standardOutput == Samples.jfkText + "\n")
        #expect(daemon.stop() == 0)
    }

    /// The restart keys users try first on the command line.
    @Test func computeTypeAndBackendOnTheCommandLine() throws {
        let daemon = try DaemonHarness()
        try daemon.start(arguments: ["--compute-type", "int8", "--backend", "cpu"])
        let status = try daemon.amctl(["status", "--json"])
        #expect(status.standardOutput.contains("\"compute_type\": \"int8\"") && status.standardOutput.contains("\"backend\": \"cpu"),
                "\(status.standardOutput)")
        #expect(try daemon.amctl(["transcribe", Samples.jfk]).status == 0)
        #expect(daemon.stop() == 0)
        let bad = try CommandResult.run([DaemonHarness.daemon, "--compute-type", "bfloat16"])
        #expect(bad.status == 64 && bad.standardError.contains("must be one of float32, int8"), "\(bad.standardError)")
    }

    /// By default the daemon runs `auto`, and says what it stood for: the
    /// int8 layers where /proc/cpuinfo lists int8 dot products, float32
    /// elsewhere.
    @Test func theDefaultComputeTypeIsNamedForThisCPU() throws {
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("flags") }?.split(separator: " ") ?? []
        let expected = flags.contains("avx512_vnni") || flags.contains("amx_int8") ? "int8_layers" : "float32"
        let daemon = try DaemonHarness()
        try daemon.start()
        let status = try daemon.amctl(["status", "--json"])
        #expect(status.standardOutput.contains("\"compute_type\": \"\(expected)\""), "\(status.standardOutput)")
        #expect(daemon.log.contains(", \(expected), "), "the ready message names it: \(daemon.log)")
        #expect(try daemon.amctl(["transcribe", Samples.jfk]).standardOutput == Samples.jfkText + "\n")
        #expect(daemon.stop() == 0)
    }

    /// A quick tap of push-to-talk records nothing, or stops mid-frame: an
    /// empty transcript, or the whole frames' one, and amctl exits 0.
    @Test func emptyAndCutRecordingsAreTranscriptsNotErrors() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let nothing = try daemon.amctl(["transcribe", "-v", "--raw", "s16le:16000:1", "-"], standardInput: Data())
        #expect(nothing.status == 0, "\(nothing.standardError)")
        #expect(nothing.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(nothing.standardError.contains("stdin: no audio: the transcript is empty"), "\(nothing.standardError)")

        var cut = try Samples.jfkPCM()
        cut.append(7)
        let partial = try daemon.amctl(["transcribe", "--raw", "s16le:16000:1", "-"], standardInput: cut)
        #expect(partial.status == 0 && partial.standardOutput == Samples.jfkText + "\n", "\(partial.standardError)")
        #expect(partial.standardError.contains("warning: the last 1 bytes are not a whole s16le:16000:1 frame"))

        let file = try daemon.directory.file("empty.wav", contents: Samples.wav(pcm: Data())).path
        let emptyFile = try daemon.amctl(["transcribe", "-f", "json", file])
        #expect(emptyFile.status == 0, "\(emptyFile.standardError)")
        #expect(emptyFile.standardOutput.contains("\"segments\": []") || emptyFile.standardOutput.contains("\"segments\":[]"),
                "\(emptyFile.standardOutput)")
        #expect(daemon.stop() == 0)
    }

    @Test(arguments: [("streems = 2", "unknown key 'streems'"), ("beam_size = 99", "key 'beam_size'"),
                      ("socket = 5", "bad.conf:1: key 'socket'"), ("model = [", "bad.conf:1: expected a value"),
                      ("\n# a date, which once aborted the parser\nstart = 1979-05-27T*7:32:00", "bad.conf:3: dates and times are not used")])
    func configurationErrorsNameTheKey(file: String, message: String) throws {
        let daemon = try DaemonHarness()
        let config = try daemon.directory.file("bad.conf", contents: Data(file.utf8)).path
        let result = try CommandResult.run([DaemonHarness.daemon, "--config", config, "--socket", daemon.socketPath])
        #expect(result.status == 78)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    /// SIGHUP applies what can change at run time and names what needs a restart.
    @Test func sighupReloadsTheConfiguration() throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "idle_timeout = 300\n")
        let config = daemon.directory.url.appendingPathComponent("amanuensisd.conf")
        try "idle_timeout = 60\nstreams = 1\n".write(to: config, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        for _ in 0..<100 where !daemon.log.contains("reload:") { usleep(50_000) }
        #expect(daemon.log.contains("reload: applied idle_timeout; streams need a restart"), "\(daemon.log)")
        // A typo that once aborted the TOML library, and with it the daemon.
        try "when = 1979-05-27T*7:32:00-08:00\n".write(to: config, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        for _ in 0..<100 where !daemon.log.contains("keeping the running configuration") { usleep(50_000) }
        #expect(daemon.log.contains("keeping the running configuration"))
        #expect(try daemon.amctl(["transcribe", Samples.jfk]).standardOutput == Samples.jfkText + "\n")
        // The record is written just after the answer goes out.
        for _ in 0..<100 where !daemon.log.contains("encoder_ms=") { usleep(20_000) }
        #expect(daemon.log.contains("encoder_ms="), "the request's record carries the stage times")
        #expect(daemon.stop() == 0)
    }

    @Test func outputFormatsAndTiming() throws {
        let daemon = try DaemonHarness()
        // float32: the segment times below are the reference's.
        try daemon.start(arguments: ["--compute-type", "float32"])
        let srt = try daemon.amctl(["transcribe", "--format", "srt", Samples.jfk])
        #expect(srt.standardOutput.hasPrefix("1\n00:00:00,000 --> 00:00:07,740\nAnd so my fellow Americans"))
        let vtt = try daemon.amctl(["transcribe", "-f", "vtt", Samples.jfk])
        #expect(vtt.standardOutput.hasPrefix("WEBVTT\n\n00:00:00.000 --> 00:00:07.740\n"))
        let json = try daemon.amctl(["transcribe", "-f", "json", Samples.jfk])
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect(object?["text"] as? String == Samples.jfkText)
        #expect((object?["timing"] as? [String: Any])?["total.encoder"] != nil)
        let verbose = try daemon.amctl(["transcribe", "-v", Samples.jfk])
        #expect(verbose.standardError.contains("encoder"), "\(verbose.standardError)")
        let two = try daemon.amctl(["transcribe", Samples.jfk, Samples.jfk])
        #expect(two.standardOutput == "\(Samples.jfk): \(Samples.jfkText)\n\(Samples.jfk): \(Samples.jfkText)\n")
        #expect(daemon.stop() == 0)
    }

    /// The daemon reads with the client's permissions: a file only root can
    /// read is not transcribed for another user, though the daemon (root) could.
    @Test func aFileTheClientCannotReadIsNotTranscribed() throws {
        let daemon = try DaemonHarness.forOtherUsers()
        let secret = daemon.directory.url.appendingPathComponent("secret.wav").path
        let open = daemon.directory.url.appendingPathComponent("open.wav").path
        try FileManager.default.copyItem(atPath: Samples.jfk, toPath: secret)
        try FileManager.default.copyItem(atPath: Samples.jfk, toPath: open)
        chmod(secret, 0o600)
        chmod(open, 0o644)
        let refused = try daemon.amctl(["transcribe", secret], asUser: 65534)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("Permission denied"), "\(refused.standardError)")
        #expect(refused.standardOutput.isEmpty)
        let allowed = try daemon.amctl(["transcribe", open], asUser: 65534)
        #expect(allowed.status == 0, "\(allowed.standardError)")
        #expect(allowed.standardOutput == Samples.jfkText + "\n")
        #expect(daemon.stop() == 0)
    }

    @Test func sigtermLetsTheRequestInFlightFinish() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let long = TestPaths.root.deletingLastPathComponent().appendingPathComponent("shared/corpus/derived/concat_60s.wav").path
        let file = FileManager.default.fileExists(atPath: long) ? long : Samples.jfk
        let connection = try daemon.connect()
        try connection.hello()
        let descriptor = Glibc.open(file, O_RDONLY)
        defer { close(descriptor) }
        try connection.send(.transcribe(TranscribeRequest(requestID: 1, source: .descriptor)), attaching: descriptor)
        guard case .accepted = try connection.receive() else { Issue.record("not accepted"); return }
        kill(daemon.pid, SIGTERM)
        var result: TranscriptionResult?
        while let message = try connection.receive() {
            if case .result(let finished) = message { result = finished; break }
        }
        #expect(result?.text.isEmpty == false, "the request in flight was not answered")
        #expect(daemon.waitForExit(timeout: 30) == 0, "\(daemon.log)")
    }

    /// With an idle exit the daemon exits when idle; the listening socket,
    /// held by the test as systemd holds it, queues the next client, and the
    /// next start through systemd-socket-activate serves it.
    @Test func idleExitThenTheNextClientIsServed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("activated.sock").path
        let listener = try ListeningSocket(path: path)
        let first = try DaemonHarness(directory: directory)
        try first.start(.inherited(listener.descriptor), arguments: ["--idle-exit", "1"])
        let ping = try CommandResult.run([DaemonHarness.amctl, "ping", "--socket", path])
        #expect(ping.status == 0, "\(ping.standardError)\n\(first.log)")
        #expect(first.waitForExit(timeout: 30) == 0, "the daemon did not exit when idle:\n\(first.log)")

        // Nobody serves the socket now; the client's connection waits in its backlog.
        let client = Process()
        client.executableURL = URL(fileURLWithPath: DaemonHarness.amctl)
        client.arguments = ["transcribe", "--socket", path, Samples.jfk]
        let output = Pipe()
        client.standardOutput = output
        try client.run()
        #expect(listener.waitForConnection(timeout: 10), "the client never reached the socket")
        let second = try DaemonHarness(directory: directory)
        // The configuration file's key, which the installed units no longer override.
        try second.start(.inherited(listener.descriptor), configuration: "idle_exit = 1\n")
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        client.waitUntilExit()
        #expect(client.terminationStatus == 0)
        #expect(text == Samples.jfkText + "\n")
        #expect(second.waitForExit(timeout: 30) == 0)
    }
}

/// A listening Unix socket the test owns, as systemd owns an activated one.
final class ListeningSocket {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw DaemonHarness.HarnessError() }
    }

    deinit { close(descriptor) }

    func waitForConnection(timeout: Double) -> Bool {
        var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        return poll(&descriptors, 1, Int32(timeout * 1000)) == 1
    }
}
