import AmanuensisCore
import ArgumentParser
import Foundation

/// The model the in-process benchmarks load.
struct ModelOptions: ParsableArguments {
    @Option(help: "The model directory (model.bin, config.json, vocabulary).")
    var model: String = ModelLocation.defaultDirectory("tiny.en")

    /// float32, not the daemon's `auto`, by default: the speed guard's
    /// baselines count float32 on every CPU.
    @Option(help: "The model's arithmetic: \(ComputeType.allCases.map(\.rawValue).joined(separator: ", ")) (the daemon's default).")
    var computeType: ComputeType = .float32

    func load() throws -> WhisperModel { try WhisperModel(directory: URL(fileURLWithPath: model), computeType: computeType) }
}

extension ComputeType: ExpressibleByArgument {}
