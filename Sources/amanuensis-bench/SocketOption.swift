import AmanuensisProtocol
import ArgumentParser
import Foundation

/// The running daemon the socket benchmarks drive.
struct SocketOption: ParsableArguments {
    @Option(help: "The daemon's socket.")
    var socket: String = ProcessInfo.processInfo.environment["AMANUENSIS_SOCKET"] ?? SocketAddresses.system
}
