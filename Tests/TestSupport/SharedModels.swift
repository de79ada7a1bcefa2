import AmanuensisCore
import Foundation

/// Models load once per test process and are shared: they are immutable.
public enum SharedModels {
    public static let tinyEnglish: Result<WhisperModel, any Error> = Result { try load("tiny.en") }
    public static let tinyEnglishInt8: Result<WhisperModel, any Error> = Result { try load("tiny.en", computeType: .int8) }
    public static let tinyEnglishInt8Layers: Result<WhisperModel, any Error> = Result {
        try load("tiny.en", computeType: .int8Layers)
    }
    public static let tinyEnglishInt8Encoder: Result<WhisperModel, any Error> = Result {
        try load("tiny.en", computeType: .int8Encoder)
    }
    public static let base: Result<WhisperModel, any Error> = Result { try load("base") }

    /// tiny.en loaded for `computeType`, or for what `auto` stands for here.
    public static func tinyEnglish(_ computeType: ComputeType) throws -> WhisperModel {
        switch computeType.resolved {
        case .int8: try tinyEnglishInt8.get()
        case .int8Layers: try tinyEnglishInt8Layers.get()
        case .int8Encoder: try tinyEnglishInt8Encoder.get()
        case .float32, .auto: try tinyEnglish.get()
        }
    }

    private static func load(_ name: String, computeType: ComputeType = .float32) throws -> WhisperModel {
        let directory = TestPaths.model(name)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.bin").path) else {
            throw MissingModel(name: name, directory: directory.path)
        }
        return try WhisperModel(directory: directory, computeType: computeType)
    }

    public struct MissingModel: Error, CustomStringConvertible {
        let name: String
        let directory: String
        public var description: String {
            "model \(name) is not at \(directory): run Packaging/fetch-model.sh \(name) (or set AMANUENSIS_MODELS)"
        }
    }
}
