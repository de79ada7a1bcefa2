import AmanuensisClient
import AmanuensisProtocol
import ArgumentParser

extension AmCtl {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's model, load and memory.")

        @OptionGroup var connection: ConnectionOptions

        @Flag(help: "Print JSON instead of aligned lines.")
        var json = false

        func run() throws {
            let client = try DaemonClient.connect(connection)
            try client.send(.status)
            guard case .status(let values) = try client.receive() else { throw ExitStatus.unreachable }
            printOut(json ? Formatting.jsonObject(values) + "\n" : Formatting.aligned(values))
        }
    }
}
