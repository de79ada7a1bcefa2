import AmanuensisProtocol
import ArgumentParser

/// How the daemon decodes, for `transcribe` and `dictate` alike.
struct DecodingArguments: ParsableArguments {
    @Option(help: "Beam size (1 = greedy; default: the daemon's).")
    var beamSize: UInt8?

    @Option(help: "Text that primes the transcript (names, spelling, style).")
    var prompt: String?

    func validate() throws {
        if let beamSize, !(1...16).contains(beamSize) { throw ValidationError("--beam-size must be 1 to 16") }
        if let prompt, prompt.utf8.count > TranscribeRequest.maximumPromptBytes {
            throw ValidationError("--prompt is \(prompt.utf8.count) bytes; the limit is \(TranscribeRequest.maximumPromptBytes)")
        }
    }
}
