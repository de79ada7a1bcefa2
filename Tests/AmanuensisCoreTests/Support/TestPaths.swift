import AmanuensisCore
import Foundation

/// Where the tests find the model, the shared corpus and the bundled clips.
enum TestPaths {
    /// The package root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Clips bundled with the repository, so the core tests run in any clone.
    static let samples = root.appendingPathComponent("Samples")

    /// The team's corpus beside the repository (`../shared/corpus`).
    static let corpus = root.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    static let fixtures = root.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    static let repositoryFixtures = root.appendingPathComponent("Tests/Fixtures")

    /// `AMANUENSIS_MODELS`, else where `Packaging/fetch-model.sh` puts models.
    static func model(_ name: String) -> URL {
        if let directory = ProcessInfo.processInfo.environment["AMANUENSIS_MODELS"] {
            return URL(fileURLWithPath: directory).appendingPathComponent(name)
        }
        return URL(fileURLWithPath: ModelLocation.defaultDirectory(name))
    }
}
