import Foundation
import Glibc
import TestSupport
import Testing

/// The README's examples, run as written: each line of every `sh` block,
/// in a directory holding the files they name, against a daemon with the
/// multilingual model and the HTTP gateway where the README says it
/// listens. What a CI machine lacks is stood in for: `arecord` gives
/// jfk.wav's samples, `wtype` types into a file. The lines that install
/// (sudo, Packaging/) need systemd as the init and change the machine;
/// InstallTests and DebianPackageTests run those.
@Suite(.serialized) struct ReadmeExamplesTests {
    static let readme = TestPaths.root.appendingPathComponent("README.md").path

    /// The command lines of the README's `sh` blocks, with their block's heading.
    static func examples() throws -> [(heading: String, line: String)] {
        var examples: [(String, String)] = []
        var heading = "", inBlock = false
        for raw in try String(contentsOfFile: readme, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("## ") { heading = String(line.dropFirst(3)) }
            if line.hasPrefix("```") {
                inBlock = !inBlock && line == "```sh"
                continue
            }
            if inBlock, !line.isEmpty { examples.append((heading, line)) }
        }
        return examples
    }

    static func installs(_ line: String) -> Bool { line.hasPrefix("sudo ") || line.hasPrefix("Packaging/") }

    @Test func everyExampleOfUsingItRunsAsWritten() throws {
        let examples = try Self.examples().filter { !Self.installs($0.line) }
        try #require(examples.count >= 10, "the README's examples were not found: \(examples)")
        let daemon = try DaemonHarness()
        try daemon.start(model: TestPaths.model("base").path)
        let gateway = try GatewayHarness("amanuensis-http", daemon: daemon, port: 8080)
        defer { withExtendedLifetime(gateway) {} }

        let directory = daemon.directory.url.appendingPathComponent("readme")
        let bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("talks"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for name in ["talk.flac", "interview.flac", "talks/one.flac", "talks/two.flac"] {
            let converted = try CommandResult.run(["/usr/bin/sox", Samples.jfk, directory.appendingPathComponent(name).path])
            try #require(converted.status == 0, "\(converted.standardError)")
        }
        let pcm = try daemon.directory.file("jfk.raw", contents: try Samples.jfkPCM()).path
        let typed = directory.appendingPathComponent("typed.txt").path
        for (name, script) in [("arecord", "exec cat '\(pcm)'"), ("wtype", "cat >> '\(typed)'")] {
            let path = bin.appendingPathComponent(name).path
            try Data("#!/bin/sh\n\(script)\n".utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o755)
        }
        let path = [bin.path, TestPaths.products.path, "/usr/local/bin", "/usr/bin", "/bin"].joined(separator: ":")

        for (heading, line) in examples {
            let run = try CommandResult.run(["/usr/bin/env", "PATH=\(path)", "AMANUENSIS_SOCKET=\(daemon.socketPath)", "/bin/bash",
                                             "-o", "pipefail", "-c", "cd '\(directory.path)' && " + line])
            #expect(run.status == 0, "\(heading): \(line)\n\(run.standardError)")
            // What a line prints, it prints of jfk.wav (unless it writes a file).
            if !line.contains(">") && !line.contains(" -o ") {
                #expect(run.standardOutput.lowercased().contains("country"), "\(heading): \(line)\n\(run.standardOutput)")
            }
        }
        #expect(try String(contentsOfFile: typed, encoding: .utf8).contains("ask not what your country"), "wtype typed the commits")
        for file in ["talk.srt", "subtitles/one.srt", "subtitles/two.srt"] {
            let written = try String(contentsOfFile: directory.appendingPathComponent(file).path, encoding: .utf8)
            #expect(written.hasPrefix("1\n00:00:") && written.contains("country"), "\(file): \(written)")
        }
    }

    /// The install lines name scripts that exist and the package that
    /// Packaging/build-deb.sh makes of this version.
    @Test func everyInstallExampleNamesWhatThePackagingMakes() throws {
        let installs = try Self.examples().filter { Self.installs($0.line) }.map(\.line)
        let version = try CommandResult.run([DaemonHarness.daemon, "--version"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(installs.contains("sudo Packaging/install.sh") && installs.contains("sudo apt-get install ./amanuensis_\(version)_amd64.deb"),
                "\(installs)")
        for line in installs {
            for word in line.split(separator: " ") where word.hasPrefix("Packaging/") || word.hasPrefix("/usr/share/amanuensis/") {
                let script = "Packaging/" + (String(word) as NSString).lastPathComponent
                #expect(FileManager.default.isExecutableFile(atPath: TestPaths.root.appendingPathComponent(script).path), "\(line)")
            }
        }
    }
}
