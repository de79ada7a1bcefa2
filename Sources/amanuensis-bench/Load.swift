import AmanuensisProtocol
import AmanuensisRuntime
import AmanuensisTransport
import ArgumentParser
import Foundation
import Glibc
import Synchronization

extension Bench {
    /// Many clients at once against a running daemon, over its real socket:
    /// how many requests succeed, how long they take, how much audio per
    /// second the daemon gets through, and how much memory it needed.
    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive a running amanuensisd with concurrent clients; prints JSON.")

        @Option(help: "The daemon's socket.")
        var socket: String = ProcessInfo.processInfo.environment["AMANUENSIS_SOCKET"] ?? "/run/amanuensis/amanuensisd.sock"

        @Option(help: "Concurrent clients, each on its own connection.")
        var clients = 4

        @Option(help: "Requests per client, one after another.")
        var requests = 4

        @Option(help: "The audio file every request sends (by descriptor).", completion: .file())
        var clip: String

        func validate() throws {
            guard clients >= 1, requests >= 1 else { throw ValidationError("--clients and --requests must be at least 1") }
        }

        func run() throws {
            let tally = Locked(Tally())
            let daemonPID = Locked<Int32>(0)
            let started = ContinuousClock.now
            let threads = (0..<clients).map { _ in
                let done = DispatchSemaphore(value: 0)
                NamedThread.start("amanuensis-bench-client") { [socket, clip, requests] in
                    defer { done.signal() }
                    Self.client(socket: socket, clip: clip, requests: requests, tally: tally, daemonPID: daemonPID)
                }
                return done
            }
            for thread in threads { thread.wait() }
            let wall = (ContinuousClock.now - started).milliseconds / 1000
            let result = tally.withLock { $0 }
            let report = LoadReport(
                clients: clients, requestsPerClient: requests, clip: clip, succeeded: result.succeeded,
                errors: result.errors, busyRetries: result.busyRetries, latencyMilliseconds: Summary(result.latencies),
                wallSeconds: wall,
                audioSecondsPerSecond: result.audioSeconds / wall,
                daemonPeakRSSBytes: PeakMemory.residentBytes(pid: daemonPID.withLock { $0 }))
            print(try JSONOutput.encode(report))
        }

        struct Tally {
            var succeeded = 0
            var errors: [String: Int] = [:]
            var busyRetries = 0
            var latencies: [Double] = []
            var audioSeconds = 0.0
        }

        private static func client(socket path: String, clip: String, requests: Int, tally: Locked<Tally>, daemonPID: Locked<Int32>) {
            func fail(_ code: String) { tally.withLock { $0.errors[code, default: 0] += requests } }
            guard let socket = try? UnixSocket.connect(path: path) else { return fail("unreachable") }
            if let peer = try? socket.peerCredentials() { daemonPID.withLock { $0 = peer.pid } }
            let connection = MessageConnection(socket: socket)
            func receive() throws -> DaemonMessage? { try connection.receiveFrame().map { try DaemonMessage(decoding: $0) } }
            do {
                try connection.send(ClientMessage.hello(version: protocolVersion, client: "amanuensis-bench").encoded())
                guard case .welcome = try receive() else { return fail("no-welcome") }
            } catch { return fail("hello-failed") }
            for request in 1...requests {
                let started = ContinuousClock.now
                var delay = 0.1
                attempts: while true {
                    let descriptor = open(clip, O_RDONLY | O_CLOEXEC)
                    guard descriptor >= 0 else { return fail("unreadable-clip") }
                    defer { close(descriptor) }
                    do {
                        try connection.send(ClientMessage.transcribe(TranscribeRequest(requestID: UInt32(request), source: .descriptor)).encoded(),
                                            attaching: descriptor)
                        while let message = try receive() {
                            switch message {
                            case .result(let result):
                                let latency = (ContinuousClock.now - started).milliseconds
                                tally.withLock {
                                    $0.succeeded += 1
                                    $0.latencies.append(latency)
                                    $0.audioSeconds += result.duration
                                }
                                break attempts
                            case .error(_, let error) where error.code == .busy:
                                tally.withLock { $0.busyRetries += 1 }
                                usleep(UInt32(delay * 1_000_000))
                                delay = min(delay * 2, 3.2)
                                continue attempts
                            case .error(_, let error):
                                tally.withLock { $0.errors[error.code.name, default: 0] += 1 }
                                break attempts
                            default:
                                continue
                            }
                        }
                        return fail("closed")
                    } catch {
                        return fail("connection-error")
                    }
                }
            }
        }
    }

    struct LoadReport: Encodable {
        let clients: Int
        let requestsPerClient: Int
        let clip: String
        let succeeded: Int
        let errors: [String: Int]
        let busyRetries: Int
        /// Median is p50.
        let latencyMilliseconds: Summary
        let wallSeconds: Double
        let audioSecondsPerSecond: Double
        let daemonPeakRSSBytes: Int
    }
}

/// A value behind a lock that threads can share by reference.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { mutex.withLock { body(&$0) } }
}
