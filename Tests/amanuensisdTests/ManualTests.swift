@testable import AmanuensisDaemon
import Foundation
import TestSupport
import Testing

/// The manual pages say what the programs do: every option in `--help` is
/// in its page and every option in a page exists, every configuration key
/// is documented, and mandoc finds nothing to warn about.
@Suite struct ManualTests {
    static func page(_ name: String) throws -> String {
        try String(contentsOf: TestPaths.root.appendingPathComponent("Man/\(name)"), encoding: .utf8)
    }

    /// Long options in help output (`--name`), without help and version.
    static func helpOptions(_ command: [String]) throws -> Set<String> {
        let help = try CommandResult.run(command + ["--help"]).standardOutput
        return Set(help.matches(of: /--([a-z][a-z-]*)/).map { String($0.output.1) }).subtracting(["help", "version"])
    }

    /// Long options a page documents (`Fl -name`), without help, version
    /// and ArgumentParser's completion scripts, which `--help` does not list.
    static func pageOptions(_ page: String) -> Set<String> {
        Set(page.matches(of: /Fl -([a-z][a-z-]*)/).map { String($0.output.1) })
            .subtracting(["help", "version", "generate-completion-script"])
    }

    @Test func amctlOptionsMatchItsPage() throws {
        let amctl = DaemonHarness.amctl
        var options = Set<String>()
        for subcommand in ["transcribe", "dictate", "status", "stats", "ping"] {
            options.formUnion(try Self.helpOptions([amctl, subcommand]))
        }
        let documented = Self.pageOptions(try Self.page("amctl.1"))
        #expect(options.subtracting(documented).isEmpty, "undocumented: \(options.subtracting(documented))")
        #expect(documented.subtracting(options).isEmpty, "documented but absent: \(documented.subtracting(options))")
    }

    @Test func amanuensisdOptionsMatchItsPage() throws {
        let options = try Self.helpOptions([DaemonHarness.daemon])
        let documented = Self.pageOptions(try Self.page("amanuensisd.8"))
        #expect(options == documented, "help \(options.sorted()), page \(documented.sorted())")
    }

    @Test(arguments: ["amanuensis-wyoming", "amanuensis-http"])
    func gatewayOptionsMatchTheirPages(gateway: String) throws {
        let options = try Self.helpOptions([TestPaths.products.appendingPathComponent(gateway).path])
        let documented = Self.pageOptions(try Self.page("\(gateway).8"))
        #expect(options == documented, "help \(options.sorted()), page \(documented.sorted())")
    }

    @Test func everyConfigurationKeyIsDocumented() throws {
        let page = try Self.page("amanuensisd.conf.5")
        let documented = Set(page.matches(of: /\.It Cm ([a-z_]+) No =/).map { String($0.output.1) })
        let keys = Set(DaemonConfiguration.keys.map(\.name))
        #expect(keys == documented, "keys \(keys.sorted()), documented \(documented.sorted())")
        for key in DaemonConfiguration.keys where key.restartOnly {
            #expect(page.contains(".It Cm \(key.name) No = ") && page.contains("Pq restart"), "\(key.name) must say restart")
        }
    }

    @Test func mandocFindsNothingToWarnAbout() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/mandoc"), "mandoc is installed by Packaging/install-dependencies.sh")
        let pages = ["amctl.1", "amanuensisd.8", "amanuensisd.conf.5", "amanuensis-protocol.7", "amanuensis-wyoming.8", "amanuensis-http.8"]
            .map { TestPaths.root.appendingPathComponent("Man/\($0)").path }
        let lint = try CommandResult.run(["/usr/bin/mandoc", "-T", "lint", "-W", "warning"] + pages)
        #expect(lint.status == 0, "\(lint.standardOutput)\(lint.standardError)")
    }
}
