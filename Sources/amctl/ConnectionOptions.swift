import ArgumentParser
import Glibc

/// How to reach the daemon, shared by every subcommand.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The daemon's socket.",
        discussion: "Default: $AMANUENSIS_SOCKET, else the user daemon's $XDG_RUNTIME_DIR/amanuensis/amanuensisd.sock if it exists, else /run/amanuensis/amanuensisd.sock."),
        completion: .file())
    var socket: String?

    var socketPath: String {
        if let socket { return socket }
        if let value = getenv("AMANUENSIS_SOCKET"), value.pointee != 0 { return String(cString: value) }
        let system = "/run/amanuensis/amanuensisd.sock"
        guard getuid() != 0, let runtime = getenv("XDG_RUNTIME_DIR"), runtime.pointee != 0 else { return system }
        let user = String(cString: runtime) + "/amanuensis/amanuensisd.sock"
        return access(user, F_OK) == 0 ? user : system
    }
}
