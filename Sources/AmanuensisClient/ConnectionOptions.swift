import ArgumentParser

/// How to reach the daemon: the `--socket` option of amctl's subcommands
/// and of the gateways, resolved as `DaemonSocketPath` says.
public struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The daemon's socket.",
        discussion: "Default: $AMANUENSIS_SOCKET, else the user daemon's $XDG_RUNTIME_DIR/amanuensis/amanuensisd.sock if it exists, else /run/amanuensis/amanuensisd.sock."),
        completion: .file())
    var socket: String?

    public init() {}

    public var socketPath: String { DaemonSocketPath.resolve(socket) }
}
