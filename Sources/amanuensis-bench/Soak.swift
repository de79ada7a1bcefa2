import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
import ArgumentParser
import Foundation
import Glibc

extension Bench {
    /// Mixed load against a running daemon for minutes on end: short and
    /// long files, silence, raw uploads, clients killed mid-request, a SIGHUP
    /// now and then; the daemon's memory and stream counts sampled as it
    /// goes. What a long-running desktop daemon must survive, with figures.
    struct Soak: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive a running amanuensisd with mixed load for a while; prints JSON, exits 1 on a failure or a leak.")

        @OptionGroup var daemon: SocketOption

        @Option(help: "How long to run.")
        var minutes = 2.0

        @Option(help: "Concurrent clients.")
        var clients = 4

        @Option(help: "A speech clip of 5 to 30 s, from which the other clips are made.", completion: .file())
        var clip: String

        @Option(help: "amctl, run and killed with SIGKILL mid-request (default: beside this program).")
        var amctl: String = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("amctl").path

        @Option(help: "Seconds between SIGHUPs to the daemon (0: none).")
        var sighupEvery = 30.0

        @Option(help: "The random seed: the same seed gives the same sequence of actions.")
        var seed: UInt64 = 1

        func validate() throws {
            guard minutes > 0, clients >= 1 else { throw ValidationError("--minutes must be positive and --clients at least 1") }
        }

        func run() throws {
            let clips = try SoakClips(speech: clip)
            let pid = try BenchClient(socket: daemon.socket).daemonPID
            let tally = Locked(SoakTally())
            let deadline = ContinuousClock.now + .milliseconds(Int(minutes * 60_000))
            let warmUp = ContinuousClock.now + .milliseconds(Int(min(60, minutes * 6) * 1000))
            var workers: [DispatchSemaphore] = []
            for index in 0..<clients {
                let done = DispatchSemaphore(value: 0)
                let (socket, amctl) = (daemon.socket, self.amctl)
                let seed = self.seed &+ UInt64(index)
                NamedThread.start("amanuensis-bench-soak") {
                    defer { done.signal() }
                    var worker = SoakWorker(socket: socket, amctl: amctl, clips: clips, generator: RandomGenerator(seed: seed))
                    worker.run(until: deadline, tally: tally)
                }
                workers.append(done)
            }
            var samples: [SoakReport.Sample] = []
            var nextSighup = ContinuousClock.now + .milliseconds(Int(sighupEvery * 1000))
            var sighups = 0
            while ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: min(5, max(0.1, (deadline - ContinuousClock.now).seconds)))
                samples.append(.init(seconds: (ContinuousClock.now - (deadline - .milliseconds(Int(minutes * 60_000)))).seconds,
                                     rssBytes: ProcessMemory.residentBytes(pid: pid), afterWarmUp: ContinuousClock.now >= warmUp))
                if sighupEvery > 0, ContinuousClock.now >= nextSighup {
                    kill(pid, SIGHUP)
                    sighups += 1
                    nextSighup = ContinuousClock.now + .milliseconds(Int(sighupEvery * 1000))
                }
            }
            for worker in workers { worker.wait() }
            // The killed clients' requests end on their own; give them a
            // moment. A new connection: one idle all along is past the idle timeout.
            let probe = try BenchClient(socket: daemon.socket)
            var status = try probe.status()
            for _ in 0..<100 where status["active"] != "0" || status["queued"] != "0" {
                Thread.sleep(forTimeInterval: 0.1)
                status = try probe.status()
            }
            let report = SoakReport(tally: tally.withLock { $0 }, samples: samples, sighups: sighups, status: status,
                                    endRSSBytes: ProcessMemory.residentBytes(pid: pid))
            print(try JSONOutput.encode(report))
            if !report.passed { throw ExitCode.failure }
        }
    }

    /// What the soak counted, by kind of action.
    struct SoakTally: Sendable {
        var requests: [String: Int] = [:]
        var succeeded = 0
        var failures: [String: Int] = [:]
        var killed = 0
        var busyRetries = 0
        var audioSeconds = 0.0
    }

    struct SoakReport: Encodable {
        struct Sample: Encodable {
            let seconds: Double
            let rssBytes: Int
            let afterWarmUp: Bool
        }

        let requests: [String: Int]
        let succeeded: Int
        /// Requests that failed, by error code; killed clients are not among them.
        let failures: [String: Int]
        let killed: Int
        let busyRetries: Int
        let audioSeconds: Double
        let sighups: Int
        let streamsLeaked: Int
        let completed: Int
        let failedInDaemon: Int
        let cancelledInDaemon: Int
        /// The daemon's resident memory after warm-up and at the end, and the change between them.
        let warmRSSBytes: Int
        let endRSSBytes: Int
        let rssChangePercent: Double
        let samples: [Sample]
        let passed: Bool

        init(tally: SoakTally, samples: [Sample], sighups: Int, status: [String: String], endRSSBytes: Int) {
            requests = tally.requests
            succeeded = tally.succeeded
            failures = tally.failures
            killed = tally.killed
            busyRetries = tally.busyRetries
            audioSeconds = tally.audioSeconds
            self.sighups = sighups
            streamsLeaked = Int(status["streams_leaked"] ?? "") ?? -1
            completed = Int(status["completed"] ?? "") ?? -1
            failedInDaemon = Int(status["failed"] ?? "") ?? -1
            cancelledInDaemon = Int(status["cancelled"] ?? "") ?? -1
            warmRSSBytes = samples.first(where: \.afterWarmUp)?.rssBytes ?? samples.last?.rssBytes ?? 0
            self.endRSSBytes = endRSSBytes
            rssChangePercent = warmRSSBytes > 0 ? Double(endRSSBytes - warmRSSBytes) / Double(warmRSSBytes) * 100 : 0
            self.samples = samples
            passed = failures.isEmpty && streamsLeaked == 0 && failedInDaemon == 0 && succeeded > 0
        }
    }
}
