import AmanuensisCore
import ArgumentParser
import Foundation

/// The model the in-process benchmarks load.
struct ModelOptions: ParsableArguments {
    @Option(help: "The model directory (model.bin, config.json, vocabulary).")
    var model: String = ModelLocation.defaultDirectory("tiny.en")

    @Option(help: "The encoder's arithmetic: \(ComputeType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var computeType: ComputeType = .float32

    func load() throws -> WhisperModel { try WhisperModel(directory: URL(fileURLWithPath: model), computeType: computeType) }
}

extension ComputeType: ExpressibleByArgument {}
