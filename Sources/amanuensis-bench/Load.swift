import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
import AmanuensisTransport
import ArgumentParser
import Foundation
import Glibc

extension Bench {
    /// Many clients at once against a running daemon, over its real socket:
    /// how many requests succeed, how long they take, how much audio per
    /// second the daemon gets through, and how much memory it needed.
    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive a running amanuensisd with concurrent clients; prints JSON.")

        @OptionGroup var daemon: SocketOption

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
                NamedThread.start("amanuensis-bench-client") { [socket = daemon.socket, clip, requests] in
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
                daemonPeakRSSBytes: ProcessMemory.peakBytes(pid: daemonPID.withLock { $0 }))
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
            guard var client = try? BenchClient(socket: path) else {
                return tally.withLock { $0.errors["unreachable", default: 0] += requests }
            }
            daemonPID.withLock { $0 = client.daemonPID }
            for done in 0..<requests {
                let started = ContinuousClock.now
                var retries = 0
                let outcome = Result { try client.transcribe(file: clip, busyRetries: &retries) }
                tally.withLock { tally in
                    tally.busyRetries += retries
                    switch outcome {
                    case .success(.transcribed(let seconds)):
                        tally.succeeded += 1
                        tally.latencies.append((ContinuousClock.now - started).milliseconds)
                        tally.audioSeconds += seconds
                    case .success(.failed(let code)): tally.errors[code, default: 0] += 1
                    case .failure: tally.errors["connection-error", default: 0] += requests - done
                    }
                }
                if case .failure = outcome { return }
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
