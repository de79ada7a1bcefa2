import AmanuensisClient
import AmanuensisProtocol
import AmanuensisTransport
import Glibc

/// Where `amctl transcribe` puts each result, so that what it writes is
/// always one valid document: with one input, the result as its format
/// renders it; with several, text lines prefixed with the input's name (as
/// grep does), JSON as one array and JSON Lines one input after another
/// (every line names its file); with `--output-dir`, one file per input
/// beside nothing on standard output. Subtitles of several inputs are never
/// mixed on standard output (`Transcribe.validate` asks for a directory).
///
/// The text (or JSON Lines) of one input is printed as its segments become
/// final, so a long file shows its words while it is decoded (and Ctrl-C
/// keeps them); what is printed is the result's `text` exactly (or its
/// segments' lines, then the result's).
struct ResultWriter {
    let format: OutputFormat
    let inputs: Int
    let outputDirectory: String?
    let cues: SubtitleCues
    private var openedArray = false
    /// Where the printed segments of the one input end (a request sent
    /// again after the daemon restarted reports its segments from the start,
    /// and none is printed twice), whether any text was printed, and the
    /// spaces held back (the transcript's ends are trimmed).
    private var printedUntil = -Double.infinity
    private var printedText = false
    private var heldSpaces = ""

    init(format: OutputFormat, inputs: Int, outputDirectory: String?, cues: SubtitleCues = SubtitleCues()) {
        self.format = format
        self.inputs = inputs
        self.outputDirectory = outputDirectory
        self.cues = cues
    }

    /// The file that `--output-dir` writes for `input`: its name without the
    /// directory and extension, with the format's (standard input: `stdin`).
    static func outputPath(for input: String, in directory: String, format: OutputFormat) -> String {
        var name = input == "-" ? "stdin" : String(input.split(separator: "/").last ?? "audio")
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        return (directory.hasSuffix("/") ? directory : directory + "/") + name + "." + format.fileExtension
    }

    /// Whether segments are printed as they come: text or JSON Lines of one
    /// input, on standard output.
    var streamsText: Bool { (format == .text || format == .jsonl) && inputs == 1 && outputDirectory == nil }

    /// Prints segments that became final before the result.
    mutating func stream(_ segments: [TranscriptionResult.Segment], input: String) {
        guard streamsText else { return }
        for segment in segments where segment.start >= printedUntil {
            if format == .jsonl { printOut(OutputFormat.segmentLine(segment, file: Self.name(of: input))) } else { printPiece(segment.text) }
            printedUntil = segment.end
        }
    }

    /// How an input is named in the output.
    private static func name(of input: String) -> String { input == "-" ? "stdin" : input }

    private mutating func printPiece(_ text: String) {
        var body = Substring(text)
        if !printedText { body = body.drop { $0 == " " } }
        let trailing = body.reversed().prefix { $0 == " " }.count
        let spaces = body.suffix(trailing)
        body = body.dropLast(trailing)
        if body.isEmpty {
            if printedText { heldSpaces += spaces }
            return
        }
        printOut(heldSpaces + body)
        printedText = true
        heldSpaces = String(spaces)
    }

    /// Writes one input's result; false (with the reason on standard error)
    /// when its output file cannot be written.
    mutating func write(_ result: TranscriptionResult, input: String) -> Bool {
        let name = Self.name(of: input)
        if streamsText {
            stream(result.segments, input: input)
            printOut(format == .jsonl ? OutputFormat.resultLine(result, file: name) : "\n")
            return true
        }
        let rendered = format.render(result, file: name, cues: cues)
        if let outputDirectory {
            let path = Self.outputPath(for: input, in: outputDirectory, format: format)
            do { try Self.writeFile(path, rendered) } catch {
                printError("\(path): \(error)")
                return false
            }
            return true
        }
        guard inputs > 1 else {
            printOut(rendered)
            return true
        }
        switch format {
        case .json:
            printOut((openedArray ? ",\n" : "[\n") + rendered.dropLast())
            openedArray = true
        case .jsonl:
            printOut(rendered)
        default:
            printOut(rendered.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "\(name): \($0)\n" }.joined())
        }
        return true
    }

    /// Closes the document: the JSON array of several inputs, even when
    /// some failed or none succeeded.
    mutating func finish() {
        guard outputDirectory == nil, inputs > 1, format == .json else { return }
        printOut(openedArray ? "\n]\n" : "[]\n")
    }

    private static func writeFile(_ path: String, _ text: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemError("open") }
        defer { close(descriptor) }
        try writeAll(text, to: descriptor)
    }
}
