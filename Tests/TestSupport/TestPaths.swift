import AmanuensisCore
import Foundation

/// Where the tests find the model, the shared corpus and the bundled clips.
public enum TestPaths {
    /// The package root, found from this file's path (Tests/TestSupport/).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The folder of the built products (amanuensisd, amctl), beside the test bundle.
    public static let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    /// Clips bundled with the repository, so the core tests run in any clone.
    public static let samples = root.appendingPathComponent("Samples")

    /// The team's corpus beside the repository (`../shared/corpus`).
    public static let corpus = root.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    public static let fixtures = root.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    public static let repositoryFixtures = root.appendingPathComponent("Tests/Fixtures")

    /// `AMANUENSIS_MODELS`, else where `Packaging/fetch-model.sh` puts models.
    public static func model(_ name: String) -> URL {
        if let directory = ProcessInfo.processInfo.environment["AMANUENSIS_MODELS"] {
            return URL(fileURLWithPath: directory).appendingPathComponent(name)
        }
        return URL(fileURLWithPath: ModelLocation.defaultDirectory(name))
    }
}
