import AmanuensisClient
import AmanuensisProtocol
import AmanuensisTransport
import ArgumentParser
import CPosixShim
import Glibc

extension AmCtl {
    struct Dictate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dictate",
            abstract: "Live dictation: text while you speak, the rest a moment after you stop.",
            discussion: """
                Reads raw PCM from standard input as it arrives (for example from arecord) and \
                prints on standard output the text the daemon commits, as it commits it: append-only, \
                never revised, so a script can pipe it. The dictation ends at the end of standard input \
                or at the first SIGINT or SIGTERM (Ctrl-C): the rest is decoded, printed with a newline, \
                and amctl exits 0. A second SIGINT or SIGTERM cancels: nothing more is printed, exit \
                status 1.
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(help: ArgumentHelp("The PCM format of standard input, ENCODING:RATE:CHANNELS.",
                                   discussion: "Encodings: s16le, s32le, f32le. arecord -f S16_LE -r 16000 -c 1 -t raw gives the default."))
        var raw = "s16le:16000:1"

        @Flag(help: "On a terminal, also show the words not yet committed, dimmed, rewritten as they change.")
        var partials = false

        @Flag(help: "Print every event (commit, partial, voice, final, error) as one JSON object per line.")
        var jsonl = false

        @Flag(help: "Let the daemon find the pauses: each utterance is committed whole once the speaker pauses.")
        var voice = false

        @Option(help: "With --voice, the pause in milliseconds that ends an utterance (default 600).")
        var silenceMs: UInt32?

        @Option(help: "The longest dictation (with --voice: utterance) in seconds (default: the daemon's, 600).")
        var maxSeconds: UInt32?

        @OptionGroup var decoding: DecodingArguments

        @Option(help: ArgumentHelp("Run CMD for each commit with its text on standard input, e.g. 'wtype -' (X11: see amctl(1)).",
                                   valueName: "cmd"))
        var typeCmd: String?

        @Flag(name: .shortAndLong, help: "Print the dictation's timing tree on standard error.")
        var verbose = false

        @Argument(help: "- (standard input), the only source.")
        var input = "-"

        func validate() throws {
            guard input == "-" else { throw ValidationError("dictation reads standard input: give - or nothing") }
            let format: RawAudioFormat
            do { format = try RawAudioFormat(parsing: raw) } catch let error as ProtocolError { throw ValidationError(error.message) }
            guard format.channels > 0 else { throw ValidationError("--raw \(raw): a stream has at least one channel") }
            if silenceMs != nil, !voice { throw ValidationError("--silence-ms needs --voice") }
            if partials, jsonl { throw ValidationError("--jsonl prints the partials already; --partials is for a terminal") }
        }

        func run() throws {
            let format = try RawAudioFormat(parsing: raw)
            // Counted from before the connection: a Ctrl-C at any time ends the dictation, never amctl.
            CPosixShim_count_interrupts()
            let client = try DaemonClient.connect(connection)
            var session = DictationSession(client: client, format: format, printer: DictationPrinter(
                jsonl: jsonl, partials: partials && isatty(STDOUT_FILENO) != 0, typeCommand: typeCmd))
            do {
                try client.send(.dictate(DictateRequest(
                    requestID: 1, format: format, timing: verbose, partials: session.printer.partials || jsonl, endpointing: voice ? .voice : .client,
                    silenceMilliseconds: silenceMs ?? 0, maximumSeconds: maxSeconds ?? 0, decoding: decoding.choices)))
                let result = try session.run()
                if verbose { printDiagnostic("timing of the dictation:\n" + TimingTree.render(result.timings)) }
            } catch let failure as SystemError {
                let said = client.lastWords(after: failure)
                printError(said.message)
                throw ExitStatus.of(said)
            }
        }
    }
}
