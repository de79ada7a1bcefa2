import Foundation
import Glibc
import TestSupport
import Testing

/// amanuensis-http under `systemd-socket-activate`, in front of a real
/// daemon, spoken to by the `openai` package from PyPI
/// (Tools/peers/openai-client.py), by curl, and by hand where a client
/// library would never send what is tested.
@Suite(.serialized) struct HTTPGatewayTests {
    static func result(_ answer: Any) throws -> Any {
        let object = try #require(answer as? [String: Any])
        return try #require(object["result"], "no result: \(object)")
    }

    static func error(_ answer: Any) throws -> (status: Int, message: String) {
        let error = try #require((answer as? [String: Any])?["error"] as? [String: Any], "no error: \(answer)")
        return (error["status"] as? Int ?? 0, error["message"] as? String ?? "")
    }

    @Test func openAIsClientGetsEveryFormatAsAmctlWritesIt() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try GatewayHarness("amanuensis-http", daemon: daemon)
        let text = try GatewayHarness.amctl(daemon, ["transcribe", Samples.jfk])
        #expect((try Self.result(gateway.openAI([Samples.jfk, "--format", "json"])) as? [String: Any])?["text"] as? String == text)
        #expect(try Self.result(gateway.openAI([Samples.jfk, "--format", "text"])) as? String == text + "\n")
        for format in ["srt", "vtt"] {
            let subtitles = try GatewayHarness.amctl(daemon, ["transcribe", "-f", format, Samples.jfk]) + "\n"
            #expect(try Self.result(gateway.openAI([Samples.jfk, "--format", format])) as? String == subtitles, "\(format)")
        }
        let verbose = try #require(try Self.result(gateway.openAI([Samples.jfk, "--format", "verbose_json", "--words"])) as? [String: Any])
        #expect(verbose["text"] as? String == text && verbose["language"] as? String == "en" && verbose["duration"] as? Double == 11)
        let amctlJSON = try GatewayHarness.amctl(daemon, ["transcribe", "-f", "json", "--word-timestamps", Samples.jfk])
        let amctlResult = try #require(try JSONSerialization.jsonObject(with: Data(amctlJSON.utf8)) as? [String: Any])
        let amctlSegments = try #require(amctlResult["segments"] as? [[String: Any]])
        let segments = try #require(verbose["segments"] as? [[String: Any]])
        #expect(segments.map { $0["text"] as? String } == amctlSegments.map { $0["text"] as? String })
        let words = try #require(verbose["words"] as? [[String: Any]])
        #expect(words.map { $0["word"] as? String } == amctlSegments.flatMap { $0["words"] as? [[String: Any]] ?? [] }.map { $0["word"] as? String })
        #expect(words.count == 22)


        let curl = try CommandResult.run(["/usr/bin/curl", "-sS", "-F", "file=@\(Samples.jfk)", "-F", "model=whisper-1",
                                          "http://\(gateway.address)/v1/audio/transcriptions"])
        #expect(curl.standardOutput == "{\"text\":\"\(text)\"}\n", "\(curl.standardError)")
    }

    /// jfk four times over: 44 s, two windows, and over curl's 1 MiB threshold for `Expect: 100-continue`.
    static func longClip(in daemon: DaemonHarness) throws -> String {
        let pcm = try Samples.jfkPCM()
        return try daemon.directory.file("jfk4.wav", contents: Samples.wav(pcm: pcm + pcm + pcm + pcm)).path
    }

    @Test func aStreamSendsEachWindowsTextAsItIsFinal() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try GatewayHarness("amanuensis-http", daemon: daemon)
        let clip = try Self.longClip(in: daemon)
        let text = try GatewayHarness.amctl(daemon, ["transcribe", clip])
        let streamed = try #require(try Self.result(gateway.openAI([clip, "--stream"])) as? [[String: Any]])
        let types = streamed.map { $0["type"] as? String ?? "" }
        #expect(types.count >= 3 && types.dropLast().allSatisfy { $0 == "transcript.text.delta" } && types.last == "transcript.text.done",
                "\(types)")
        #expect(streamed.last?["text"] as? String == text)
        #expect(streamed.dropLast().compactMap { $0["delta"] as? String }.joined() == text)

        // curl sends a body over 1 MiB only after 100 Continue (or a second's wait).
        let curl = try CommandResult.run(["/usr/bin/curl", "-sS", "-v", "-F", "file=@\(clip)", "http://\(gateway.address)/v1/audio/transcriptions"])
        #expect(curl.standardError.contains("HTTP/1.1 100 Continue") && curl.standardOutput.contains(Samples.jfkText), "\(curl.standardError)")
    }

    /// The client is killed once the daemon holds its request (not after a
    /// fixed time, which a loaded machine may spend before the upload has
    /// even reached the gateway); 176 s of audio keep the job running long
    /// past that moment.
    @Test func aClientThatGoesAwayHasItsRequestCancelled() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try GatewayHarness("amanuensis-http", daemon: daemon)
        let pcm = try Samples.jfkPCM()
        let clip = try daemon.directory.file("jfk16.wav", contents: Samples.wav(pcm: (0..<16).reduce(into: Data()) { audio, _ in audio.append(pcm) })).path
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "-o", "/dev/null", "-F", "file=@\(clip)", "http://\(gateway.address)/v1/audio/transcriptions"]
        try curl.run()
        var held = [String: String]()
        for _ in 0..<10 where held["active"] != "1" {
            held = try DictationServingTests.status(daemon) { $0["active"] == "1" }
        }
        kill(curl.processIdentifier, SIGKILL)
        curl.waitUntilExit()
        try #require(held["active"] == "1", "the request never reached the daemon: \(held)")
        let status = try DictationServingTests.status(daemon) { $0["cancelled"] == "1" && $0["active"] == "0" }
        #expect(status["cancelled"] == "1" && status["completed"] == "0" && status["active"] == "0", "\(status)")
    }

    @Test func translationsOnAMultilingualModelAndARefusalOnAnEnglishOne() throws {
        let base = try DaemonHarness()
        try base.start(model: TestPaths.model("base").path)
        let gateway = try GatewayHarness("amanuensis-http", daemon: base)
        let translated = try #require(try Self.result(gateway.openAI([Samples.jfk, "--translate"])) as? [String: Any])
        #expect(translated["text"] as? String == (try GatewayHarness.amctl(base, ["transcribe", "--task", "translate", Samples.jfk])))
        let models = try CommandResult.run(["/usr/bin/curl", "-sS", "http://\(gateway.address)/v1/models"])
        #expect(models.standardOutput.contains("\"id\":\"base\""), "\(models.standardOutput)")

        let english = try DaemonHarness()
        try english.start()
        let englishGateway = try GatewayHarness("amanuensis-http", daemon: english)
        let refused = try Self.error(try englishGateway.openAI([Samples.jfk, "--translate"]))
        #expect(refused.status == 400 && refused.message.hasSuffix("model tiny.en is English-only; it cannot translate"), "\(refused)")
    }

    @Test func sixteenClientsAtOnceAllGetTheirText() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try GatewayHarness("amanuensis-http", daemon: daemon)
        let answers = try #require(try gateway.openAI([Samples.jfk, "--concurrent", "16"]) as? [Any])
        #expect(answers.count == 16)
        for answer in answers {
            #expect((try Self.result(answer) as? [String: Any])?["text"] as? String == Samples.jfkText, "\(answer)")
        }
    }

    @Test func aBusyDaemonIs429WithRetryAfter() throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "streams = 1\nmax_queued = 1\n")
        let gateway = try GatewayHarness("amanuensis-http", daemon: daemon)
        let answers = try #require(try gateway.openAI([Samples.jfk, "--concurrent", "16"]) as? [[String: Any]])
        let busy = answers.compactMap { $0["error"] as? [String: Any] }
        #expect(!busy.isEmpty && busy.count < 16, "\(answers)")
        for error in busy {
            #expect(error["status"] as? Int == 429 && error["retry_after"] as? String == "1", "\(error)")
        }
        for answer in answers where answer["error"] == nil {
            #expect((answer["result"] as? [String: Any])?["text"] as? String == Samples.jfkText, "\(answer)")
        }
    }

    @Test func badRequestsGetTheirStatusAndTheGatewayGoesOn() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let token = try daemon.directory.file("token", contents: Data("s3cret-token\n".utf8)).path
        let gateway = try GatewayHarness("amanuensis-http", daemon: daemon, arguments: ["--token-file", token])
        let url = "http://\(gateway.address)/v1/audio/transcriptions"
        let curl = { (arguments: [String]) in
            try CommandResult.run(["/usr/bin/curl", "-sS", "-o", "/dev/stderr", "-w", "%{http_code}", "-H", "Authorization: Bearer s3cret-token"]
                                  + arguments)
        }
        let notAudio = try daemon.directory.file("notes.wav", contents: Data("these are not samples".utf8)).path
        let cases: [(arguments: [String], status: String, message: String)] = [
            (["-F", "file=@\(notAudio)", url], "415", "\"code\":\"bad-audio\""),
            (["-F", "model=whisper-1", url], "400", "the form has no 'file' part"),
            (["-F", "file=@\(Samples.jfk)", "-F", "response_format=docx", url], "400", "response_format 'docx' is not one of"),
            (["-F", "file=@\(Samples.jfk)", "-F", "language=x\"y", url], "400", "is not a language code"),
            (["-F", "file=@\(Samples.jfk)", "-F", "prompt=\(String(repeating: "p", count: 5000))", url], "400", "the limit is 4096"),
            (["-H", "Content-Type: multipart/form-data; boundary=xyz", "--data-binary", "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nRIFF", url],
             "400", "the body ends inside the part 'file'"),
            (["-H", "Content-Type: application/json", "--data-binary", "{}", url], "415", "multipart/form-data"),
            (["http://\(gateway.address)/v1/audio/speech"], "404", "no route"),
            (["-X", "DELETE", "http://\(gateway.address)/v1/models"], "405", "/v1/models takes GET"),
        ]
        for (arguments, status, message) in cases {
            let run = try curl(arguments)
            #expect(run.standardOutput == status && run.standardError.contains(message), "\(arguments.prefix(3)): \(run.standardOutput) \(run.standardError)")
        }
        let wrongToken = try gateway.openAI([Samples.jfk, "--api-key", "guess"])
        #expect(try Self.error(wrongToken).status == 401)

        // 2 GiB announced: answered from the head, and nothing of it is read.
        let head = "POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret-token\r\n"
            + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 2147483648\r\n\r\n--b\r\n"
        let huge = try gateway.exchange(Array(head.utf8))
        #expect(huge.hasPrefix("HTTP/1.1 413") && huge.contains("the limit is 25000000"), "\(huge)")
        let truncated = try gateway.exchange(Array((head.replacingOccurrences(of: "2147483648", with: "5000")).utf8), seconds: 2)
        #expect(truncated.isEmpty, "a body that never comes is not answered (the connection closes when idle): \(truncated)")

        let good = try #require(try Self.result(gateway.openAI([Samples.jfk, "--api-key", "s3cret-token"])) as? [String: Any])
        #expect(good["text"] as? String == Samples.jfkText)
        let status = try DictationServingTests.status(daemon, until: DictationServingTests.idle)
        #expect(DictationServingTests.idle(status), "\(status)")
    }

    @Test func aDaemonThatIsGoneIs503AndOnlyLoopbackWithoutAToken() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let gateway = try GatewayHarness("amanuensis-http", daemon: daemon)
        let health = { try CommandResult.run(["/usr/bin/curl", "-sS", "-w", " %{http_code}", "http://\(gateway.address)/health"]).standardOutput }
        #expect(try health() == "OK\n 200")
        #expect(daemon.stop() == 0)
        #expect(try health().hasSuffix(" 503"))
        let gone = try Self.error(try gateway.openAI([Samples.jfk]))
        #expect(gone.status == 503 && gone.message.contains("cannot reach the daemon"), "\(gone)")

        let open = try CommandResult.run([TestPaths.products.appendingPathComponent("amanuensis-http").path,
                                          "--listen", "0.0.0.0:\(try GatewayHarness.freePort())", "--socket", daemon.socketPath])
        #expect(open.status == 1 && open.standardError.contains("without --token-file"), "\(open.standardError)")
    }
}
