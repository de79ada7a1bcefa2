import AmanuensisCore
import ArgumentParser
import Foundation

/// The model the in-process benchmarks load.
struct ModelOptions: ParsableArguments {
    @Option(help: "The model directory (model.bin, config.json, vocabulary).")
    var model: String = ModelLocation.defaultDirectory("tiny.en")

    func load() throws -> WhisperModel { try WhisperModel(directory: URL(fileURLWithPath: model)) }
}
