import AmanuensisTransport
import Glibc

/// Who may use the daemon beyond the socket's own file permissions: an
/// optional allow list of users and groups, resolved to ids at start-up.
struct AccessPolicy: Sendable {
    let users: Set<UInt32>
    let groups: Set<UInt32>

    struct UnknownName: Error, CustomStringConvertible {
        let description: String
    }

    init(users: [String], groups: [String]) throws {
        self.users = Set(try users.map { name in
            if let id = UInt32(name) { return id }
            guard let entry = getpwnam(name) else { throw UnknownName(description: "allowed_users: no user '\(name)'") }
            return entry.pointee.pw_uid
        })
        self.groups = Set(try groups.map { name in
            if let id = UInt32(name) { return id }
            guard let entry = getgrnam(name) else { throw UnknownName(description: "allowed_groups: no group '\(name)'") }
            return entry.pointee.gr_gid
        })
    }

    var isOpen: Bool { users.isEmpty && groups.isEmpty }

    /// Root and the daemon's own user are always allowed.
    func allows(_ peer: UnixSocket.Credentials) -> Bool {
        if isOpen || peer.uid == 0 || peer.uid == getuid() || users.contains(peer.uid) || groups.contains(peer.gid) {
            return true
        }
        guard !groups.isEmpty, let entry = getpwuid(peer.uid) else { return false }
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        guard getgrouplist(entry.pointee.pw_name, peer.gid, &list, &count) >= 0 else { return false }
        return list.prefix(Int(count)).contains { groups.contains($0) }
    }
}
