import ArgumentParser

/// Reproducible speed measurements, printed as JSON so runs can be compared
/// and kept. Wall times on shared machines are noisy: every figure comes as
/// min, median and max over several runs.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amanuensis-bench",
        abstract: "Measure Amanuensis transcription speed; prints JSON.",
        subcommands: [Single.self, Overhead.self, Load.self, Soak.self, Dictate.self, GatewayOverhead.self])
}
