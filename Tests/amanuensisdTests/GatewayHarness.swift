import Foundation
import Glibc
import TestSupport
import Testing

/// A gateway (amanuensis-wyoming, amanuensis-http) in front of a test's
/// daemon, on a free loopback port, socket-activated by
/// `systemd-socket-activate` as its unit starts it; and the real clients of
/// its protocol, in Tools/peers.
final class GatewayHarness {
    let address: String
    let port: UInt16
    private var pid: pid_t = 0

    /// On `port`, or a free one.
    init(_ program: String, daemon: DaemonHarness, arguments: [String] = [], port fixed: UInt16? = nil) throws {
        port = try fixed ?? Self.freePort()
        address = "127.0.0.1:\(port)"
        let gateway = TestPaths.products.appendingPathComponent(program).path
        pid = try DaemonHarness.spawn(["/usr/bin/systemd-socket-activate", "-l", address] + DaemonHarness.passedThrough()
                                      + [gateway, "--socket", daemon.socketPath] + arguments, log: daemon.directory.url.appendingPathComponent("\(program).log").path)
        for _ in 0..<200 where !Self.accepts(port) { usleep(25_000) }
    }

    deinit { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }

    /// Runs a peer of Tools/peers, SCRIPT ARGUMENTS...; returns what it printed, as JSON.
    static func python(_ command: [String], standardInput: Data? = nil) throws -> Any {
        let python = TestPaths.root.appendingPathComponent(".venv-peers/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python),
                     "no .venv-peers: run Tools/reference/setup-venv.sh .venv-peers Tools/peers/requirements.txt")
        let path = TestPaths.root.appendingPathComponent("Tools/peers/\(command[0])").path
        let run = try CommandResult.run([python, path] + command.dropFirst(), standardInput: standardInput)
        try #require(run.status == 0, "\(run.standardError)")
        return try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8), options: .fragmentsAllowed)
    }

    /// Tools/peers/wyoming-client.py COMMAND (this gateway) ARGUMENTS...
    func wyoming(_ command: String, _ arguments: [String] = [], standardInput: Data? = nil) throws -> [String: Any] {
        try #require(try Self.python(["wyoming-client.py", command, address] + arguments, standardInput: standardInput) as? [String: Any])
    }

    /// The Wyoming events a transcription or raw exchange brought back: type and data.
    func wyomingEvents(_ command: String, _ arguments: [String] = [], standardInput: Data? = nil) throws -> [(type: String, data: [String: Any])] {
        let events = try #require(try wyoming(command, arguments, standardInput: standardInput)["events"] as? [[String: Any]])
        return events.map { ($0["type"] as? String ?? "", $0["data"] as? [String: Any] ?? [:]) }
    }

    /// Tools/peers/openai-client.py (this gateway's /v1) ARGUMENTS...: the `result` or the `error`.
    func openAI(_ arguments: [String]) throws -> Any {
        try Self.python(["openai-client.py", "http://\(address)/v1"] + arguments)
    }

    /// What `amctl` prints for the same request, without the final line end.
    static func amctl(_ daemon: DaemonHarness, _ arguments: [String]) throws -> String {
        let run = try daemon.amctl(arguments)
        try #require(run.status == 0, "\(run.standardError)")
        return String(run.standardOutput.dropLast(run.standardOutput.hasSuffix("\n") ? 1 : 0))
    }

    /// Sends `bytes` on a new connection, reads until the gateway closes it
    /// or is quiet for `seconds`; what came back.
    func exchange(_ bytes: [UInt8], seconds: Int = 10) throws -> String {
        let fd = try Self.connected(port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            answer += buffer[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(fd, $0, length) == 0, getsockname(fd, $0, &length) == 0 else { throw DaemonHarness.HarnessError() }
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func connected(_ port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: port)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            close(fd)
            throw DaemonHarness.HarnessError()
        }
        return fd
    }

    private static func accepts(_ port: UInt16) -> Bool {
        guard let fd = try? connected(port) else { return false }
        close(fd)
        return true
    }
}
