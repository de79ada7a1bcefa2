import Foundation

/// Where models live by default: the directory `Packaging/fetch-model.sh`
/// fills, `/var/lib/amanuensis/models` for root and the daemon,
/// `$XDG_DATA_HOME/amanuensis/models` for a user.
public enum ModelLocation {
    public static func defaultDirectory(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if getuid() == 0 { return "/var/lib/amanuensis/models/\(name)" }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return "\(data)/amanuensis/models/\(name)"
    }
}
