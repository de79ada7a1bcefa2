import AmanuensisProtocol
import ArgumentParser

/// How the daemon decodes, for `transcribe` and `dictate` alike.
struct DecodingArguments: ParsableArguments {
    @Option(help: "Beam size (1 = greedy; default: the daemon's).")
    var beamSize: UInt8?

    @Option(help: "Text that primes the transcript (names, spelling, style).")
    var prompt: String?

    @Option(help: ArgumentHelp("The spoken language, as a code (de, fr, ...; amctl status lists the model's), or auto to detect it (default: the daemon's).",
                               valueName: "code"))
    var language: String?

    @Option(help: ArgumentHelp("transcribe (the language spoken) or translate (into English; multilingual models) (default: the daemon's).",
                               valueName: "task"))
    var task: Task?

    enum Task: String, ExpressibleByArgument, CaseIterable {
        case transcribe, translate
    }

    func validate() throws {
        if let beamSize, !(1...16).contains(beamSize) { throw ValidationError("--beam-size must be 1 to 16") }
        if let prompt, prompt.utf8.count > DecodingChoices.maximumPromptBytes {
            throw ValidationError("--prompt is \(prompt.utf8.count) bytes; the limit is \(DecodingChoices.maximumPromptBytes)")
        }
        if let language, language.isEmpty || language.utf8.count > DecodingChoices.maximumLanguageBytes
            || !language.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_" || $0 == "-") }) {
            throw ValidationError("--language must be a language code such as de or fr, or auto")
        }
    }

    /// What the request asks for; the daemon's defaults fill the rest.
    var choices: DecodingChoices {
        let task: DecodingChoices.Task = switch task {
        case nil: .daemonDefault
        case .transcribe: .transcribe
        case .translate: .translate
        }
        return DecodingChoices(beamSize: beamSize ?? 0, initialPrompt: prompt ?? "", language: language ?? "", task: task)
    }
}
