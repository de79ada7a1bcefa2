import AmanuensisClient
import AmanuensisProtocol
import AmanuensisTransport
import ArgumentParser
import Glibc

extension AmCtl {
    struct Transcribe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transcribe",
            abstract: "Transcribe audio files, or raw PCM from standard input.",
            discussion: """
                Each file is opened here and its descriptor passed to the daemon, so the daemon \
                reads exactly the files you can read; several files are sent at once, and their \
                results printed in the order given. With several files each text line starts with \
                the file's name, as grep does, and JSON is one array; subtitles of several files \
                need --output-dir. With --raw, give - as the only file: PCM is read from standard \
                input until end of file and streamed as it arrives.
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(name: .shortAndLong, help: "Output format: text, json, jsonl (JSON Lines: each segment as it is final, then the result), srt or vtt.")
        var format: OutputFormat = .text

        @Option(help: ArgumentHelp("Read raw PCM from standard input in this format, ENCODING:RATE:CHANNELS.",
                                   discussion: "Encodings: s16le, s32le, f32le. Example: s16le:16000:1."))
        var raw: String?

        @OptionGroup var decoding: DecodingArguments

        @Flag(help: "Decode without timestamps (one segment per 30 s window).")
        var noTimestamps = false

        @Flag(help: "Time every word: JSON lists each segment's words with their start, end and probability.")
        var wordTimestamps = false

        @Option(help: ArgumentHelp("Subtitles: cut cues at words, at most this many characters a line (implies --word-timestamps).",
                                   valueName: "n"))
        var maxLineWidth: Int?

        @Option(help: ArgumentHelp("Subtitles with --max-line-width: at most this many lines a cue (default 1).", valueName: "n"))
        var maxLineCount: Int?

        @Flag(name: .shortAndLong, help: "Print the request's timing tree on standard error.")
        var verbose = false

        @Flag(help: "Exit with status 4 when the daemon is busy instead of retrying with backoff.")
        var noRetry = false

        @Option(name: [.customShort("o"), .long], help: ArgumentHelp(
            "Write each result to DIR/NAME.EXT (NAME: the input's name without its extension) instead of standard output.",
            valueName: "dir"), completion: .directory)
        var outputDir: String?

        @Argument(help: "Audio files, or - with --raw.", completion: .file())
        var files: [String]

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one file, or - with --raw") }
            if noTimestamps, wordTimestamps || maxLineWidth != nil {
                throw ValidationError("word timestamps need the segments' timestamps: not with --no-timestamps")
            }
            if let maxLineWidth, maxLineWidth < 1 { throw ValidationError("--max-line-width must be at least 1") }
            if let maxLineCount {
                guard maxLineWidth != nil else { throw ValidationError("--max-line-count needs --max-line-width") }
                guard maxLineCount >= 1 else { throw ValidationError("--max-line-count must be at least 1") }
            }
            if maxLineWidth != nil, format != .srt, format != .vtt {
                throw ValidationError("--max-line-width shapes subtitles: use it with -f srt or -f vtt")
            }
            if let raw {
                _ = try parsedRaw(raw)
                guard files == ["-"] else { throw ValidationError("with --raw, give - (standard input) as the only file") }
            } else if files.contains("-") {
                throw ValidationError("reading standard input needs --raw ENCODING:RATE:CHANNELS")
            }
            guard let outputDir else {
                if files.count > 1 && (format == .srt || format == .vtt) {
                    throw ValidationError("\(format) of several files needs --output-dir DIR: one subtitle file per input")
                }
                return
            }
            var info = stat()
            guard stat(outputDir, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw ValidationError("--output-dir \(outputDir) is not a directory")
            }
            var outputs: [String: String] = [:]
            for file in files {
                let path = ResultWriter.outputPath(for: file, in: outputDir, format: format)
                if let other = outputs.updateValue(file, forKey: path), other != file {
                    throw ValidationError("\(other) and \(file) would both be written to \(path)")
                }
            }
        }

        private func parsedRaw(_ text: String) throws -> RawAudioFormat {
            do { return try RawAudioFormat(parsing: text) } catch let error as ProtocolError {
                throw ValidationError(error.message)
            }
        }

        func run() throws {
            var client = try DaemonClient.connect(connection)
            var writer = ResultWriter(format: format, inputs: files.count, outputDirectory: outputDir,
                                      cues: SubtitleCues(maximumLineWidth: maxLineWidth, maximumLines: maxLineCount ?? 1))
            defer { writer.finish() }
            if raw != nil {
                try transcribeStandardInput(client: &client, writer: &writer)
            } else {
                // Streamed text on the terminal is progress enough.
                let progress = files.count == 1 && isatty(STDERR_FILENO) != 0 && !(writer.streamsText && isatty(STDOUT_FILENO) != 0)
                var batch = FileBatch(files: files, retrying: !noRetry, progress: progress, request: { request($0, source: .descriptor) })
                try batch.run(client: &client, connection: connection, stream: { writer.stream($0, input: files[0]) }) { result, file in
                    guard writer.write(result, input: file) else { return false }
                    note(result, file: file)
                    return true
                }
            }
        }

        private func request(_ id: UInt32, source: TranscribeRequest.Source) -> TranscribeRequest {
            TranscribeRequest(requestID: id, source: source, timing: verbose || format == .json,
                              withoutTimestamps: noTimestamps, priority: raw == nil ? .automatic : .interactive,
                              decoding: choices)
        }

        private var choices: DecodingChoices {
            var choices = decoding.choices
            choices.wordTimestamps = wordTimestamps || maxLineWidth != nil
            return choices
        }

        /// What `-v` adds on standard error after a result.
        private func note(_ result: TranscriptionResult, file: String) {
            let name = file == "-" ? "stdin" : file
            if verbose && result.duration == 0 { printDiagnostic("\(name): no audio: the transcript is empty\n") }
            if verbose { printDiagnostic("timing of \(name):\n" + TimingTree.render(result.timings)) }
        }

        /// Streams standard input and prints its result. A `busy` answer is
        /// retried with backoff (`Backoff`) unless --no-retry, with the audio
        /// kept for that; a daemon that is shutting down is reconnected to,
        /// once a restarted one answers (socket activation starts the next).
        private func transcribeStandardInput(client: inout DaemonClient, writer: inout ResultWriter) throws {
            let format = try parsedRaw(raw ?? "")
            var rawAudio: [UInt8]?
            var backoff = Backoff()
            while true {
                do {
                    try client.send(.transcribe(request(1, source: .raw(format))))
                    if let rawAudio {
                        for chunk in stride(from: 0, to: rawAudio.count, by: 32 * 1024) {
                            try client.send(.audio(requestID: 1, bytes: Array(rawAudio[chunk..<min(chunk + 32 * 1024, rawAudio.count)])))
                        }
                        try client.send(.audioEnd(requestID: 1))
                    } else {
                        let audio = try streamStandardInput(id: 1, client: client)
                        // Zero channels is the daemon's to refuse, already answered.
                        if format.bytesPerFrame > 0, audio.count % format.bytesPerFrame != 0 {
                            printError("stdin: warning: the last \(audio.count % format.bytesPerFrame) bytes are not a whole \(format) frame; left out")
                        }
                        rawAudio = audio
                    }
                    let result = try awaitResult(id: 1, client: client) { writer.stream($0, input: "-") }
                    guard writer.write(result, input: "-") else { throw ExitStatus.transcriptionFailed }
                    return note(result, file: "-")
                } catch let busy as Busy {
                    guard !noRetry, let delay = backoff.next() else {
                        printError("stdin: \(busy.message)")
                        throw ExitStatus.busy
                    }
                    usleep(UInt32(delay * 1_000_000))
                    if busy.reconnect { client = try DaemonClient.connect(connection) }
                } catch let failure as SystemError {
                    let said = client.lastWords(after: failure)
                    printError("stdin: \(said.message)")
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

        private func awaitResult(id: UInt32, client: DaemonClient, stream: ([TranscriptionResult.Segment]) -> Void) throws -> TranscriptionResult {
            while true {
                let message: DaemonMessage
                do { message = try client.receive() } catch let error as ProtocolError {
                    if error.code == .shuttingDown { throw Busy(message: error.message, reconnect: true) }
                    printError("stdin: \(error.message)")
                    throw ExitStatus.of(error)
                }
                switch message {
                case .accepted, .welcome, .pong, .status, .stats, .progress, .commit, .partial, .voice:
                    continue
                case .segments(_, let segments):
                    stream(segments)
                case .result(let result):
                    return result
                case .error(_, let error):
                    if error.code == .busy { throw Busy(message: error.message) }
                    if error.code == .shuttingDown { throw Busy(message: error.message, reconnect: true) }
                    printError("stdin: \(error.message)")
                    throw error.code == .timeout ? ExitStatus.busy : ExitStatus.transcriptionFailed
                }
            }
        }
    }
}
