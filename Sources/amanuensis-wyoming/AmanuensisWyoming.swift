import AmanuensisClient
import ArgumentParser
import CPosixShim
import CSystemd
import GatewaySupport
import Foundation
import Glibc
import Synchronization
import WyomingProtocol

/// The Wyoming gateway: serves Home Assistant's voice pipelines (and any
/// other Wyoming peer) from amanuensisd, as a client of the daemon like
/// amctl, so the daemon stays the one owner of the model. See
/// amanuensis-wyoming(8).
@main
struct AmanuensisWyoming: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amanuensis-wyoming",
        abstract: "Serve speech-to-text to Wyoming peers (Home Assistant) from amanuensisd.",
        discussion: "Socket-activated by amanuensis-wyoming.socket, or listening on --listen when started by hand.")

    @Option(help: ArgumentHelp("Where to listen when systemd passes no socket: HOST:PORT or unix:PATH.", valueName: "address"))
    var listen = ListenAddress.tcp(host: "127.0.0.1", port: 10300)

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Transcribe as the audio arrives (a dictation) and stream committed text as transcript-chunk events.")
    var streaming = false

    @Option(help: "Peers served at once; more are told so and closed.")
    var maxConnections = 16

    func validate() throws {
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be at least 1") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let listener: Int32
        let place: String
        do {
            (listener, place) = try ListeningSocket.open(listen, program: "amanuensis-wyoming")
        } catch let failure as ListeningSocket.Failure {
            throw self.failure(failure.description)
        }
        let daemonPath = connection.socketPath
        log("serving Wyoming peers on \(place) from the daemon at \(daemonPath)")
        sd_notify(0, "READY=1")
        let serving = Atomic(0)
        while true {
            let peer = CPosixShim_accept_cloexec(listener)
            guard peer >= 0 else {
                // Out of descriptors or memory, or a connection that failed
                // as it came: the peers being served go on, and so does accepting.
                if errno != EINTR, errno != ECONNABORTED {
                    log("accept: \(String(cString: strerror(errno)))")
                    usleep(100_000)
                }
                continue
            }
            guard serving.add(1, ordering: .relaxed).newValue <= maxConnections else {
                serving.subtract(1, ordering: .relaxed)
                let refusal = try? WyomingEvent.error("\(maxConnections) peers are being served; try again later", code: "busy").encoded()
                _ = refusal?.withUnsafeBytes { write(peer, $0.baseAddress, $0.count) }
                close(peer)
                continue
            }
            let streaming = streaming
            Thread.detachNewThread {
                var session = WyomingSession(peer: peer, daemonPath: daemonPath, streaming: streaming)
                session.run()
                serving.subtract(1, ordering: .relaxed)
            }
        }
    }

    private func failure(_ message: String) -> ExitCode {
        log(message)
        return ExitCode(1)
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data("amanuensis-wyoming: \(message)\n".utf8))
    }
}
