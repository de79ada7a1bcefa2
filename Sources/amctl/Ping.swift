import AmanuensisClient
import AmanuensisProtocol
import ArgumentParser

extension AmCtl {
    struct Ping: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ping", abstract: "Check that the daemon answers, and how fast.")

        @OptionGroup var connection: ConnectionOptions

        func run() throws {
            let started = ContinuousClock.now
            let client = try DaemonClient.connect(connection)
            let nonce = UInt64.random(in: 1...UInt64.max)
            try client.send(.ping(nonce: nonce))
            guard case .pong(nonce) = try client.receive() else {
                printError("the daemon answered the ping with something else")
                throw ExitStatus.unreachable
            }
            let elapsed = ContinuousClock.now - started
            let (seconds, attoseconds) = elapsed.components
            let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
            printOut("pong from amanuensisd \(client.daemonVersion) (model \(client.model)) in \(Formatting.fixed(milliseconds, 2)) ms\n")
        }
    }
}
