import AmanuensisProtocol
import ArgumentParser

extension AmCtl {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the daemon's model, load and memory.")

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

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the daemon's request statistics.")

        @OptionGroup var connection: ConnectionOptions

        @Flag(help: "Print JSON instead of aligned lines.")
        var json = false

        @Flag(help: "Reset the statistics after reading them.")
        var reset = false

        func run() throws {
            let client = try DaemonClient.connect(connection)
            try client.send(.stats(reset: reset))
            guard case .stats(let values) = try client.receive() else { throw ExitStatus.unreachable }
            printOut(json ? Formatting.jsonObject(values) + "\n" : Formatting.aligned(values))
        }
    }
}
