import AmanuensisProtocol
import ArgumentParser
import Glibc

/// amctl(1): the client of amanuensisd. Small on purpose: it links the
/// protocol and nothing of the engine, so it starts in a few milliseconds.
@main
struct AmCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amctl",
        abstract: "Talk to the Amanuensis speech-to-text daemon.",
        discussion: """
            Exit status: 0 success, 1 a transcription failed, 2 usage error, \
            3 the daemon cannot be reached, 4 the daemon was busy or timed out.
            """,
        version: "0.1.0",
        subcommands: [Transcribe.self, Dictate.self, Status.self, Stats.self, Ping.self])

    /// As ArgumentParser's, except that usage errors exit 2 (amctl(1)), not 64.
    /// The usage error is released before `exit`, which runs no Swift
    /// cleanup: LeakSanitizer would report it.
    static func main() {
        let usage: String
        do {
            var command = try parseAsRoot()
            try command.run()
            return
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            usage = fullMessage(for: error)
        }
        printDiagnostic(usage + "\n")
        Glibc.exit(2)
    }
}

/// amctl's documented exit statuses (amctl(1)).
enum ExitStatus {
    static let transcriptionFailed = ExitCode(1)
    static let unreachable = ExitCode(3)
    static let busy = ExitCode(4)

    /// The status for an error that ends the connection: no capacity now
    /// (busy, a timeout, the connection limit, a daemon stopping) is 4, as a
    /// script may retry it; anything else means the daemon is not usable, 3.
    static func of(_ error: ProtocolError) -> ExitCode {
        switch error.code {
        case .busy, .timeout, .tooManyConnections, .shuttingDown: busy
        default: unreachable
        }
    }
}
