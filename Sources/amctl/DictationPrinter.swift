import AmanuensisProtocol
import Glibc

/// How `amctl dictate` shows a dictation: the commits as plain text that
/// only grows (the first without Whisper's leading space, a newline at the
/// end), or every event as a JSON line; on a terminal, optionally, the
/// volatile tail dimmed after the text, erased before anything else is written.
struct DictationPrinter {
    let jsonl: Bool
    let partials: Bool
    /// Run for each commit with its text on standard input.
    let typeCommand: String?
    private var printedText = false
    private var tailShown = false

    init(jsonl: Bool, partials: Bool, typeCommand: String?) {
        self.jsonl = jsonl
        self.partials = partials
        self.typeCommand = typeCommand
    }

    mutating func commit(_ commit: TranscriptionResult.Segment) {
        clearTail()
        let text = printedText ? commit.text : String(commit.text.drop { $0 == " " })
        if jsonl {
            printOut(Self.event("commit", commit) + "\n")
        } else {
            printOut(text)
        }
        printedText = printedText || !text.isEmpty
        if let typeCommand, !text.isEmpty { type(text, with: typeCommand) }
    }

    mutating func partial(_ tail: TranscriptionResult.Segment) {
        if jsonl { return printOut(Self.event("partial", tail) + "\n") }
        guard partials else { return }
        clearTail()
        let text = printedText ? tail.text : String(tail.text.drop { $0 == " " })
        guard !text.isEmpty else { return }
        // Saved cursor, dimmed text: restoring the cursor and clearing to the end erases it.
        printOut("\u{1B}7\u{1B}[2m" + text + "\u{1B}[0m")
        tailShown = true
    }

    func voice(started: Bool, at seconds: Double) {
        guard jsonl else { return }
        printOut("{\"type\": \"voice\", \"started\": \(started), \"at\": \(Formatting.fixed(seconds, 2))}\n")
    }

    mutating func final(_ result: TranscriptionResult) {
        clearTail()
        if jsonl {
            printOut("{\"type\": \"final\", " + Formatting.resultFields(result) + "}\n")
        } else if printedText {
            printOut("\n")
        }
    }

    mutating func failed(_ error: ProtocolError) {
        clearTail()
        if jsonl { printOut("{\"type\": \"error\", \"code\": \(Formatting.json(error.code.name)), \"message\": \(Formatting.json(error.message))}\n") }
        else if printedText { printOut("\n") }
    }

    private mutating func clearTail() {
        guard tailShown else { return }
        printOut("\u{1B}8\u{1B}[J")
        tailShown = false
    }

    private static func event(_ type: String, _ text: TranscriptionResult.Segment) -> String {
        "{\"type\": \"\(type)\", " + Formatting.jsonFields(text) + "}"
    }

    /// Pipes `text` to `command` through the shell and waits for it.
    private func type(_ text: String, with command: String) {
        guard let pipe = popen(command, "w") else {
            return printError("--type-cmd: cannot run \(command)")
        }
        fputs(text, pipe)
        let status = pclose(pipe)
        if status != 0 { printError("--type-cmd: \(command) exited with status \(status >> 8)") }
    }
}
