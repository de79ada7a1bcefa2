import AmanuensisProtocol
import AmanuensisTransport
import ArgumentParser
import Glibc

extension AmCtl {
    struct Transcribe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Transcribe audio files, or raw PCM from standard input.",
            discussion: """
                Each file is opened here and its descriptor passed to the daemon, so the daemon \
                reads exactly the files you can read. With several files each output line starts \
                with the file's name, as grep does. With --raw, give - as the only file: PCM is \
                read from standard input until end of file and streamed as it arrives.
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(name: .shortAndLong, help: "Output format: text, json, srt or vtt.")
        var format: OutputFormat = .text

        @Option(help: ArgumentHelp("Read raw PCM from standard input in this format, ENCODING:RATE:CHANNELS.",
                                   discussion: "Encodings: s16le, s32le, f32le. Example: s16le:16000:1."))
        var raw: String?

        @Option(help: "Beam size (1 = greedy; default: the daemon's).")
        var beamSize: UInt8?

        @Option(help: "Text that primes the transcript (names, spelling, style).")
        var prompt: String?

        @Flag(help: "Decode without timestamps (one segment per 30 s window).")
        var noTimestamps = false

        @Flag(name: .shortAndLong, help: "Print the request's timing tree on standard error.")
        var verbose = false

        @Flag(help: "Exit with status 4 when the daemon is busy instead of retrying with backoff.")
        var noRetry = false

        @Argument(help: "Audio files, or - with --raw.", completion: .file())
        var files: [String]

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one file, or - with --raw") }
            if let raw {
                _ = try parsedRaw(raw)
                guard files == ["-"] else { throw ValidationError("with --raw, give - (standard input) as the only file") }
            } else if files.contains("-") {
                throw ValidationError("reading standard input needs --raw ENCODING:RATE:CHANNELS")
            }
            if let beamSize, !(1...16).contains(beamSize) { throw ValidationError("--beam-size must be 1 to 16") }
            if let prompt, prompt.utf8.count > TranscribeRequest.maximumPromptBytes {
                throw ValidationError("--prompt is \(prompt.utf8.count) bytes; the limit is \(TranscribeRequest.maximumPromptBytes)")
            }
        }

        private func parsedRaw(_ text: String) throws -> RawAudioFormat {
            do { return try RawAudioFormat(parsing: text) } catch let error as ProtocolError {
                throw ValidationError(error.message)
            }
        }

        func run() throws {
            var client = try DaemonClient.connect(connection)
            var failure: ExitCode?
            for (index, file) in files.enumerated() {
                do {
                    try transcribe(file, id: UInt32(index + 1), client: &client)
                } catch let code as ExitCode {
                    if code == ExitStatus.unreachable { throw code }
                    failure = failure == ExitStatus.busy ? failure : code
                }
            }
            if let failure { throw failure }
        }

        private func request(_ id: UInt32, source: TranscribeRequest.Source) -> TranscribeRequest {
            TranscribeRequest(requestID: id, source: source, timing: verbose || format == .json,
                              withoutTimestamps: noTimestamps, priority: raw == nil ? .automatic : .interactive,
                              beamSize: beamSize ?? 0, initialPrompt: prompt ?? "")
        }

        /// Sends one file (or standard input) and prints its result. A `busy`
        /// answer is retried with exponential backoff (0.2 s doubling to 3.2 s)
        /// for up to five minutes unless --no-retry; raw audio is kept for that.
        /// A daemon that is shutting down is reconnected to, once a restarted
        /// one answers (socket activation starts the next at once).
        private func transcribe(_ file: String, id: UInt32, client: inout DaemonClient) throws {
            var rawAudio: [UInt8]?
            var delay = 0.2
            let deadline = ContinuousClock.now + .seconds(300)
            let name = file == "-" ? "stdin" : file
            while true {
                do {
                    if let raw {
                        try client.send(.transcribe(request(id, source: .raw(try parsedRaw(raw)))))
                        if let rawAudio {
                            for chunk in stride(from: 0, to: rawAudio.count, by: 32 * 1024) {
                                try client.send(.audio(requestID: id, bytes: Array(rawAudio[chunk..<min(chunk + 32 * 1024, rawAudio.count)])))
                            }
                            try client.send(.audioEnd(requestID: id))
                        } else {
                            let format = try parsedRaw(raw)
                            let audio = try streamStandardInput(id: id, client: client)
                            if audio.count % format.bytesPerFrame != 0 {
                                printError("\(name): warning: the last \(audio.count % format.bytesPerFrame) bytes are not a whole \(format) frame; left out")
                            }
                            rawAudio = audio
                        }
                    } else {
                        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
                        guard descriptor >= 0 else {
                            printError("\(file): \(String(cString: strerror(errno)))")
                            throw ExitStatus.transcriptionFailed
                        }
                        defer { close(descriptor) }
                        try client.send(.transcribe(request(id, source: .descriptor)), attaching: descriptor)
                    }
                    return try awaitResult(id: id, file: name, client: client)
                } catch let busy as Busy {
                    guard !noRetry, ContinuousClock.now + .milliseconds(Int(delay * 1000)) < deadline else {
                        printError("\(name): \(busy.message)")
                        throw ExitStatus.busy
                    }
                    usleep(UInt32(delay * 1_000_000))
                    delay = min(delay * 2, 3.2)
                    if busy.reconnect { client = try DaemonClient.connect(connection) }
                } catch let failure as SystemError {
                    // A send failed: the daemon went away. What it said last, if anything, is why.
                    let said: ProtocolError
                    do {
                        _ = try client.receive()
                        said = ProtocolError(.internalError, "the daemon closed the connection (\(failure))")
                    } catch let error as ProtocolError {
                        said = error
                    } catch {
                        said = ProtocolError(.internalError, "the daemon closed the connection (\(failure))")
                    }
                    printError("\(name): \(said.message)")
                    throw ExitStatus.of(said)
                }
            }
        }

        /// The daemon answered `busy`, or is shutting down: worth another try
        /// later, on a new connection in the second case.
        private struct Busy: Error {
            let message: String
            var reconnect = false
        }

        /// Sends standard input as it arrives, so a recording is on the wire
        /// by the time it ends; returns it, for a retry.
        private func streamStandardInput(id: UInt32, client: DaemonClient) throws -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: 32 * 1024)
            var kept: [UInt8] = []
            while true {
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                try client.send(.audio(requestID: id, bytes: Array(buffer[0..<count])))
                kept += buffer[0..<count]
            }
            try client.send(.audioEnd(requestID: id))
            return kept
        }

        private func awaitResult(id: UInt32, file: String, client: DaemonClient) throws {
            let showProgress = isatty(STDERR_FILENO) != 0
            while true {
                let message: DaemonMessage
                do { message = try client.receive() } catch let error as ProtocolError {
                    if error.code == .shuttingDown { throw Busy(message: error.message, reconnect: true) }
                    printError("\(file): \(error.message)")
                    throw ExitStatus.of(error)
                }
                switch message {
                case .accepted, .welcome, .pong, .status, .stats:
                    continue
                case .progress(_, let done, let total):
                    if showProgress { printError("\(file): \(Formatting.fixed(done, 0)) of \(Formatting.fixed(total, 0)) s\u{1B}[K\r") }
                case .result(let result):
                    var output = format.render(result, file: file)
                    if files.count > 1 {
                        output = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                            .map { "\(file): \($0)\n" }.joined()
                    }
                    printOut(output)
                    if verbose && result.duration == 0 { printDiagnostic("\(file): no audio: the transcript is empty") }
                    if verbose { printDiagnostic("timing of \(file):\n" + TimingTree.render(result.timings)) }
                    return
                case .error(_, let error):
                    if error.code == .busy { throw Busy(message: error.message) }
                    if error.code == .shuttingDown { throw Busy(message: error.message, reconnect: true) }
                    printError("\(file): \(error.message)")
                    throw error.code == .timeout ? ExitStatus.busy : ExitStatus.transcriptionFailed
                }
            }
        }
    }
}
