import Foundation
import Glibc
import TestSupport
import Testing

/// Packaging/build-deb.sh as a distribution would use it: lintian accepts
/// the package, its programs need no Swift toolchain, `apt-get install`
/// makes the daemon's user and directories, the daemon serves through the
/// installed units' socket as their user, and a purge leaves nothing of
/// the package behind.
@Suite(.serialized) struct DebianPackageTests {
    static let script = TestPaths.root.appendingPathComponent("Packaging/build-deb.sh").path
    /// Where the installed daemon finds tiny.en (the system unit's XDG_DATA_HOME).
    static let installedModel = "/var/lib/amanuensis/models/tiny.en/model.bin"

    static func installed() throws -> Bool {
        try CommandResult.run(["/usr/bin/dpkg-query", "-W", "-f=${Status}", "amanuensis"]).standardOutput == "install ok installed"
    }

    static func unit(_ path: String, _ key: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    /// Not in sanitizer builds (Tools/sanitize.sh): their programs link the
    /// shared Swift runtime and the sanitizers' own, which no package ships.
    @Test(.disabled(if: ProcessInfo.processInfo.environment["AMANUENSIS_SHARED_RUNTIME"] != nil,
                    "a sanitizer build links the shared Swift runtime"))
    func thePackageInstallsServesThroughItsUnitsAndPurgesCleanly() throws {
        try #require(getuid() == 0, "installing a package needs root")
        try #require(try !Self.installed(), "amanuensis is already installed here; the test installs and purges its own")
        try #require(FileManager.default.fileExists(atPath: Self.installedModel),
                     "the installed daemon reads tiny.en from /var/lib/amanuensis/models (Packaging/fetch-model.sh tiny.en, as root)")
        let output = try TemporaryDirectory()
        let built = try CommandResult.run(["/bin/bash", Self.script, "--binaries", TestPaths.products.path, "--output", output.url.path])
        try #require(built.status == 0, "\(built.standardError)")
        let package = built.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(package.hasSuffix("_amd64.deb"))

        // Not a tag of any severity: lintian prints one line for each.
        let lint = try CommandResult.run(["/usr/bin/lintian", package])
        #expect(lint.status == 0 && lint.standardOutput.isEmpty, "lintian: \(lint.standardOutput)\(lint.standardError)")

        let install = try CommandResult.run(["/usr/bin/env", "DEBIAN_FRONTEND=noninteractive", "/usr/bin/apt-get", "install", "-y",
                                                 "--no-install-recommends", package])
        defer { _ = try? CommandResult.run(["/usr/bin/env", "DEBIAN_FRONTEND=noninteractive", "/usr/bin/apt-get", "purge", "-y", "amanuensis"]) }
        try #require(install.status == 0, "\(install.standardOutput)\(install.standardError)")
        let files = try CommandResult.run(["/usr/bin/dpkg", "-L", "amanuensis"]).standardOutput.split(separator: "\n").map(String.init)
            .filter { !FileManager.default.isDirectory($0) }

        for program in ["amanuensisd", "amctl", "amanuensis-http", "amanuensis-wyoming"] {
            let libraries = try CommandResult.run(["/usr/bin/ldd", "/usr/bin/\(program)"]).standardOutput
            #expect(!libraries.contains("/opt/swift") && !libraries.contains("not found"), "\(program) links \(libraries)")
            let dynamic = try CommandResult.run(["/usr/bin/readelf", "-d", "/usr/bin/\(program)"]).standardOutput
            #expect(!dynamic.contains("/opt/swift"), "\(program): \(dynamic)")
        }
        #expect(try CommandResult.run(["/usr/bin/getent", "passwd", "amanuensis"]).status == 0, "the daemon's user")
        #expect(FileManager.default.fileExists(atPath: "/etc/systemd/system/sockets.target.wants/amanuensisd.socket"),
                "the daemon's socket is enabled")

        // The daemon as the installed units run it: their socket, their user, their environment.
        let socketUnit = "/usr/lib/systemd/system/amanuensisd.socket", service = "/usr/lib/systemd/system/amanuensisd.service"
        let listen = try #require(try Self.unit(socketUnit, "ListenStream").first)
        let user = try #require(try Self.unit(service, "User").first)
        let environment = try Self.unit(service, "Environment").flatMap { ["-E", $0] }
        let execStart = try #require(try Self.unit(service, "ExecStart").first).split(separator: " ").map(String.init)
        try FileManager.default.createDirectory(atPath: (listen as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let log = output.url.appendingPathComponent("daemon.log").path
        let daemon = try DaemonHarness.spawn(["/usr/bin/systemd-socket-activate", "-l", listen] + environment
                                             + ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--init-groups"] + execStart, log: log)
        for _ in 0..<200 where access(listen, F_OK) != 0 { usleep(25_000) }
        let result = try CommandResult.run(["/usr/bin/amctl", "transcribe", "--socket", listen, Samples.jfk])
        kill(daemon, SIGTERM)
        var status: Int32 = 0
        waitpid(daemon, &status, 0)
        let daemonLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(result.standardOutput == Samples.jfkText + "\n", "\(result.standardError)\n\(daemonLog)")
        #expect(daemonLog.contains("model /var/lib/amanuensis/models/tiny.en"), "\(daemonLog)")
        try? FileManager.default.removeItem(atPath: listen)

        let purge = try CommandResult.run(["/usr/bin/env", "DEBIAN_FRONTEND=noninteractive", "/usr/bin/apt-get", "purge", "-y", "amanuensis"])
        #expect(purge.status == 0, "\(purge.standardOutput)\(purge.standardError)")
        #expect(try !Self.installed())
        #expect(!files.isEmpty)
        let left = files.filter { FileManager.default.fileExists(atPath: $0) }
            + ["/etc/systemd/system/sockets.target.wants/amanuensisd.socket", "/var/lib/systemd/deb-systemd-helper-enabled/amanuensisd.socket.dsh-also",
               "/run/amanuensis", "/usr/share/doc/amanuensis", "/usr/share/amanuensis"].filter { FileManager.default.fileExists(atPath: $0) }
        #expect(left.isEmpty, "left behind: \(left)")
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
