/// Where the daemon listens by default, which every client looks for: one
/// definition for the daemon, amctl, the gateways and the benchmarks.
public enum SocketAddresses {
    /// The system daemon's (amanuensisd.socket as root).
    public static let system = "/run/amanuensis/amanuensisd.sock"

    /// A user daemon's, under that user's runtime directory.
    public static func user(runtimeDirectory: String) -> String {
        runtimeDirectory + "/amanuensis/amanuensisd.sock"
    }
}
