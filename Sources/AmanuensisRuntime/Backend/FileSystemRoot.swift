import Foundation

/// A directory standing for "/", so discovery can be tested against a fake
/// sysfs, /dev and /opt tree instead of the machine it runs on.
struct FileSystemRoot: Sendable {
    let path: String

    func absolute(_ relative: String) -> String {
        path.hasSuffix("/") ? path + relative : path + "/" + relative
    }

    /// Sorted, so the same tree always yields the same finding.
    func contents(of relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: absolute(relative))) ?? []).sorted()
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: absolute(relative))
    }

    func data(_ relative: String) -> Data? {
        FileManager.default.contents(atPath: absolute(relative))
    }

    func text(_ relative: String) -> String? {
        data(relative).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// The last component of a symlink's target; sysfs names a device's
    /// driver this way, and the target need not exist in a test tree.
    func linkName(_ relative: String) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: absolute(relative)))
            .map { ($0 as NSString).lastPathComponent }
    }
}
