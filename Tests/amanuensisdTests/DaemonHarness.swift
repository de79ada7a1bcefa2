import AmanuensisProtocol
import AmanuensisTransport
import Foundation
import Glibc
import TestSupport
import Testing

/// A real amanuensisd process for a test: started plainly, under
/// `systemd-socket-activate`, or with a listening socket the test holds (as
/// systemd holds it), on a socket in a fresh directory, and stopped at the end.
final class DaemonHarness {
    enum Start {
        case plain
        case socketActivate
        /// The test's own listening socket, passed through `systemd-socket-activate`.
        case inherited(Int32)
    }

    let directory: TemporaryDirectory
    let socketPath: String
    let logPath: String
    private(set) var pid: pid_t = 0

    static var model: String { TestPaths.model("tiny.en").path }
    static let daemon = TestPaths.products.appendingPathComponent("amanuensisd").path
    static let amctl = TestPaths.products.appendingPathComponent("amctl").path

    init(directory: TemporaryDirectory? = nil) throws {
        self.directory = try directory ?? TemporaryDirectory()
        socketPath = self.directory.url.appendingPathComponent("amanuensisd.sock").path
        logPath = self.directory.url.appendingPathComponent("amanuensisd.log").path
    }

    deinit { if pid > 0 { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) } }

    /// Starts the daemon; `configuration` is written as its amanuensisd.conf.
    func start(_ mode: Start = .plain, configuration: String = "", arguments: [String] = [], model: String = DaemonHarness.model) throws {
        let config = try directory.file("amanuensisd.conf", contents: Data(configuration.utf8)).path
        let daemonArguments = [Self.daemon, "--config", config, "--model", model] + arguments
        switch mode {
        case .plain:
            pid = try Self.spawn(daemonArguments + ["--socket", socketPath], log: logPath)
            try waitUntilAnswering()
        case .socketActivate:
            pid = try Self.spawn(["/usr/bin/systemd-socket-activate"] + Self.passedThrough() + ["-l", socketPath] + daemonArguments,
                                 log: logPath)
            try waitForSocketFile()
        case .inherited(let listener):
            let script = "LISTEN_PID=$$ LISTEN_FDS=1 exec /usr/bin/systemd-socket-activate \"$@\""
            pid = try Self.spawn(["/bin/sh", "-c", script, "sh"] + Self.passedThrough() + daemonArguments, log: logPath, inherit: listener)
        }
    }

    /// systemd-socket-activate starts the daemon with an empty environment
    /// but for what `-E` names: a sanitizer run's settings must reach it
    /// (ThreadSanitizer's single-thread OpenMP team among them), here with
    /// `overrides` in place of their variables' values.
    static func passedThrough(_ overrides: [String: String] = [:]) -> [String] {
        let environment = ProcessInfo.processInfo.environment
        return ["TSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "OMP_NUM_THREADS", "SWIFT_BACKTRACE"]
            .flatMap { name -> [String] in
                if let value = overrides[name] { return ["-E", "\(name)=\(value)"] }
                return environment[name] != nil ? ["-E", name] : []
            }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// A started daemon whose socket other users can reach, for a test that
    /// runs amctl as another user (`asUser`), which needs root.
    static func forOtherUsers() throws -> DaemonHarness {
        try #require(getuid() == 0, "needs root to run amctl as another user")
        let daemon = try DaemonHarness()
        try daemon.start()
        chmod(daemon.directory.url.path, 0o755)
        chmod(daemon.socketPath, 0o666)
        return daemon
    }

    /// Sends `signal` and waits for the exit status (nil if it did not exit in time).
    func stop(_ signal: Int32 = SIGTERM, timeout: Double = 30) -> Int32? {
        kill(pid, signal)
        return waitForExit(timeout: timeout)
    }

    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            usleep(20_000)
        }
        return nil
    }

    private func waitUntilAnswering() throws {
        for _ in 0..<600 {
            if let connection = try? connect(), (try? connection.hello()) != nil { return }
            usleep(50_000)
        }
        Issue.record("the daemon did not answer within 30 s; its log:\n\(log)")
        throw HarnessError()
    }

    private func waitForSocketFile() throws {
        for _ in 0..<200 where access(socketPath, F_OK) != 0 { usleep(25_000) }
    }

    func connect() throws -> TestConnection { TestConnection(try UnixSocket.connect(path: socketPath)) }

    /// Runs amctl against this daemon, optionally as another user (setpriv).
    func amctl(_ arguments: [String], standardInput: Data? = nil, asUser uid: UInt32? = nil) throws -> CommandResult {
        var command = [Self.amctl] + arguments + ["--socket", socketPath]
        if let uid { command = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"] + command }
        return try CommandResult.run(command, standardInput: standardInput)
    }

    struct HarnessError: Error {}

    /// posix_spawn with stdout and stderr to `log`, and `inherit` as descriptor 3.
    static func spawn(_ arguments: [String], log: String, inherit: Int32? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let inherit { posix_spawn_file_actions_adddup2(&actions, inherit, 3) }
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LISTEN_") && $0.key != "NOTIFY_SOCKET" }
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { environment.forEach { free($0) } }
        let status = posix_spawn(&pid, arguments[0], &actions, nil, argv, environment)
        guard status == 0 else { throw SystemError("posix_spawn \(arguments[0])", errno: status) }
        return pid
    }
}

/// A client speaking the protocol by hand, to send what amctl never would.
struct TestConnection {
    let connection: MessageConnection

    init(_ socket: UnixSocket) {
        connection = MessageConnection(socket: socket)
        try? socket.setReceiveTimeout(seconds: 60)
    }

    func send(_ message: ClientMessage, attaching descriptor: Int32? = nil) throws {
        try connection.send(message.encoded(), attaching: descriptor)
    }

    func sendRaw(_ bytes: [UInt8]) throws { try connection.socket.send(bytes) }

    /// The next message, or nil once the daemon closed the connection.
    func receive() throws -> DaemonMessage? {
        try connection.receiveFrame().map { try DaemonMessage(decoding: $0) }
    }

    @discardableResult
    func hello() throws -> DaemonMessage? {
        try send(.hello(version: protocolVersion, client: "test"))
        return try receive()
    }

    /// Messages until the connection closes.
    func drain() throws -> [DaemonMessage] {
        var messages: [DaemonMessage] = []
        while let message = try receive() { messages.append(message) }
        return messages
    }
}

/// What a finished command printed and returned.
struct CommandResult: Sendable {
    let status: Int32
    let standardOutput: String
    let standardError: String

    static func run(_ command: [String], standardInput: Data? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let output = Pipe(), error = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = standardInput == nil ? FileHandle.nullDevice : input
        try process.run()
        if let standardInput {
            input.fileHandleForWriting.write(standardInput)
            try input.fileHandleForWriting.close()
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, standardOutput: String(decoding: out, as: UTF8.self),
                             standardError: String(decoding: err, as: UTF8.self))
    }
}

enum Samples {
    static let jfk = TestPaths.samples.appendingPathComponent("jfk.wav").path
    static let jfkText = "And so my fellow Americans ask not what your country can do for you ask what you can do for your country"

    /// The PCM of jfk.wav (s16le, 16 kHz, mono): its `data` chunk.
    static func jfkPCM() throws -> Data {
        let wav = try Data(contentsOf: URL(fileURLWithPath: jfk))
        var offset = 12
        while offset + 8 <= wav.count {
            let id = String(decoding: wav[offset..<(offset + 4)], as: UTF8.self)
            let size = wav[(offset + 4)..<(offset + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            if id == "data" { return wav[(offset + 8)..<min(offset + 8 + size, wav.count)] }
            offset += 8 + size + size % 2
        }
        throw DaemonHarness.HarnessError()
    }

    /// A WAV file of s16le 16 kHz mono `pcm`.
    static func wav(pcm: Data) -> Data {
        func le(_ value: Int, _ bytes: Int) -> Data { withUnsafeBytes(of: UInt32(value).littleEndian) { Data($0.prefix(bytes)) } }
        return Data("RIFF".utf8) + le(36 + pcm.count, 4) + Data("WAVEfmt ".utf8) + le(16, 4) + le(1, 2) + le(1, 2)
            + le(16_000, 4) + le(32_000, 4) + le(2, 2) + le(16, 2) + Data("data".utf8) + le(pcm.count, 4) + pcm
    }
}
