import Foundation
import Glibc
import TestSupport
import Testing

/// Packaging/install.sh as a user would run it: what it installs works, the
/// units pass systemd's checks, and uninstall leaves nothing behind.
@Suite(.serialized) struct InstallTests {
    static let script = TestPaths.root.appendingPathComponent("Packaging/install.sh").path

    static func install(_ arguments: [String], home: String) throws -> CommandResult {
        try CommandResult.run(["/usr/bin/env", "HOME=\(home)", "XDG_CONFIG_HOME=", "XDG_DATA_HOME=", "/bin/bash", script]
                              + arguments + ["--binaries", TestPaths.products.path, "--no-model"])
    }

    static func files(under directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
    }

    @Test func aUserInstallServesThroughItsSocketUnitAndUninstallsCleanly() throws {
        let home = try TemporaryDirectory()
        let installed = try Self.install(["--user"], home: home.url.path)
        #expect(installed.status == 0, "\(installed.standardError)")
        let bin = home.url.appendingPathComponent(".local/bin").path
        let units = home.url.appendingPathComponent(".config/systemd/user").path
        let socketUnit = try String(contentsOfFile: units + "/amanuensisd.socket", encoding: .utf8)
        let service = try String(contentsOfFile: units + "/amanuensisd.service", encoding: .utf8)
        #expect(service.contains("ExecStart=\(bin)/amanuensisd\n"), "the configuration file's idle_exit is not overridden")
        let completion = try String(contentsOfFile: home.url.path + "/.local/share/bash-completion/completions/amctl", encoding: .utf8)
        #expect(completion.contains("--output-dir"), "bash completion for amctl")

        // The socket unit's ListenStream, with %t (the runtime directory) resolved.
        let runtime = try TemporaryDirectory()
        let listen = try #require(socketUnit.split(separator: "\n").first { $0.hasPrefix("ListenStream=") })
            .dropFirst("ListenStream=".count).replacingOccurrences(of: "%t", with: runtime.url.path)
        try FileManager.default.createDirectory(atPath: (listen as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let log = runtime.url.appendingPathComponent("daemon.log").path
        let daemon = try DaemonHarness.spawn(["/usr/bin/systemd-socket-activate", "-l", listen] + DaemonHarness.passedThrough()
                                             + [bin + "/amanuensisd", "--model", DaemonHarness.model, "--idle-exit", "2"], log: log)
        for _ in 0..<200 where access(listen, F_OK) != 0 { usleep(25_000) }
        let result = try CommandResult.run([bin + "/amctl", "transcribe", "--socket", listen, Samples.jfk])
        #expect(result.status == 0, "\(result.standardError)\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(result.standardOutput == Samples.jfkText + "\n")
        var status: Int32 = 0
        waitpid(daemon, &status, 0)
        #expect(status == 0, "the daemon did not exit cleanly when idle")

        let removed = try Self.install(["--user", "--uninstall"], home: home.url.path)
        #expect(removed.status == 0, "\(removed.standardError)")
        #expect(Self.files(under: home.url.path).isEmpty, "left behind: \(Self.files(under: home.url.path))")
    }

    @Test func systemUnitsPassSystemdsChecks() throws {
        let stage = try TemporaryDirectory()
        let installed = try Self.install(["--destdir", stage.url.path], home: stage.url.path)
        #expect(installed.status == 0, "\(installed.standardError)")
        let units = stage.url.appendingPathComponent("etc/systemd/system").path
        for name in ["amanuensisd", "amanuensis-wyoming", "amanuensis-http"] {
            // Point ExecStart at the staged binary, so the check finds it.
            let service = try String(contentsOfFile: units + "/\(name).service", encoding: .utf8)
                .replacingOccurrences(of: "ExecStart=/usr/local/bin/", with: "ExecStart=\(stage.url.path)/usr/local/bin/")
            let check = try TemporaryDirectory()
            try service.write(toFile: check.url.path + "/\(name).service", atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(atPath: units + "/\(name).socket", toPath: check.url.path + "/\(name).socket")
            let verify = try CommandResult.run(["/usr/bin/systemd-analyze", "verify", "--man=no",
                                                check.url.path + "/\(name).socket", check.url.path + "/\(name).service"])
            #expect(verify.status == 0, "\(name): \(verify.standardOutput)\(verify.standardError)")
            let security = try CommandResult.run(["/usr/bin/systemd-analyze", "security", "--offline=true",
                                                  check.url.path + "/\(name).service"])
            let exposure = security.standardOutput.firstMatch(of: /Overall exposure level for [a-z-]+.service: ([0-9.]+)/)
                .flatMap { Double($0.output.1) }
            #expect(exposure != nil && exposure! <= 2.0, "\(name): exposure \(String(describing: exposure))")
        }

        let removed = try Self.install(["--destdir", stage.url.path, "--uninstall"], home: stage.url.path)
        #expect(removed.status == 0)
        #expect(Self.files(under: stage.url.path).isEmpty, "left behind: \(Self.files(under: stage.url.path))")
    }

    /// The system unit's SystemCallFilter= as systemd applies it (by
    /// Tools/systemd/unit-syscall-filter.py: CI has no systemd as init): the
    /// daemon serves a file and raw PCM, reloads and stops under it, and no
    /// call it makes is refused.
    @Test func theDaemonServesUnderTheSystemUnitsSystemCallFilter() throws {
        let unit = TestPaths.root.appendingPathComponent("Packaging/systemd/system/amanuensisd.service").path
        let loader = TestPaths.root.appendingPathComponent("Tools/systemd/unit-syscall-filter.py").path
        let directory = try TemporaryDirectory()
        let socket = directory.url.appendingPathComponent("amanuensisd.sock").path
        let log = directory.url.appendingPathComponent("daemon.log").path
        let config = directory.url.appendingPathComponent("amanuensisd.conf").path
        try Data().write(to: URL(fileURLWithPath: config))
        // LeakSanitizer stops a process's threads with ptrace, which the
        // filter refuses: under Tools/sanitize.sh this daemon is checked by
        // AddressSanitizer alone (systemd-socket-activate passes on only the
        // variables it is given).
        let sanitizer = DaemonHarness.passedThrough(
            ProcessInfo.processInfo.environment["ASAN_OPTIONS"].map { ["ASAN_OPTIONS": $0 + ":detect_leaks=0"] } ?? [:])
        let command = ["/usr/bin/python3", loader, unit, DaemonHarness.daemon, "--config", config, "--model", DaemonHarness.model]
        let daemon = try DaemonHarness.spawn(["/usr/bin/systemd-socket-activate", "-l", socket] + sanitizer + command, log: log)
        for _ in 0..<200 where access(socket, F_OK) != 0 { usleep(25_000) }
        let file = try CommandResult.run([DaemonHarness.amctl, "transcribe", "--socket", socket, Samples.jfk])
        let raw = try CommandResult.run([DaemonHarness.amctl, "transcribe", "--socket", socket, "--raw", "s16le:16000:1", "-"],
                                        standardInput: try Samples.jfkPCM())
        kill(daemon, SIGHUP)
        usleep(500_000)
        kill(daemon, SIGTERM)
        var status: Int32 = 0
        waitpid(daemon, &status, 0)
        let journal = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(file.standardOutput == Samples.jfkText + "\n" && raw.standardOutput == file.standardOutput, "\(file.standardError)\n\(journal)")
        #expect(journal.contains("reload: no change") && status == 0, "\(journal)")
        #expect(!journal.contains("not permitted"), "\(journal)")
    }
}
