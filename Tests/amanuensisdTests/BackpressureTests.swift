import AmanuensisProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// Many clients at once: every request succeeds in the end (busy answers
/// are retried), clients that vanish leave nothing in use, and a short
/// request does not wait behind a long file.
@Suite(.serialized) struct BackpressureTests {
    static let oneSecond: Data = (try? Samples.jfkPCM().prefix(32_000)) ?? Data()

    /// amctl processes, all started before any is waited for.
    static func startClients(_ count: Int, socket: String, arguments: [String] = []) throws -> [Process] {
        try (0..<count).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: DaemonHarness.amctl)
            process.arguments = ["transcribe", "--socket", socket, "--raw", "s16le:16000:1"] + arguments + ["-"]
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = Pipe()
            process.standardError = Pipe()
            try process.run()
            input.fileHandleForWriting.write(oneSecond)
            try input.fileHandleForWriting.close()
            return process
        }
    }

    static func status(_ daemon: DaemonHarness) throws -> [String: String] {
        let text = try daemon.amctl(["status"]).standardOutput
        return Dictionary(uniqueKeysWithValues: text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces)) : nil
        })
    }

    @Test func sixtyFourClientsAllSucceedThroughBusyRetries() throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "max_queued = 4\n")
        let clients = try Self.startClients(64, socket: daemon.socketPath)
        for client in clients { client.waitUntilExit() }
        let statuses = clients.map(\.terminationStatus)
        #expect(statuses.allSatisfy { $0 == 0 }, "\(statuses)")
        let status = try Self.status(daemon)
        #expect(status["completed"] == "64")
        #expect(Int(status["busy"] ?? "0")! > 0, "the small queue should have answered busy: \(status)")
        #expect(status["active"] == "0" && status["queued"] == "0")
        let refused = try Self.startClients(1, socket: daemon.socketPath, arguments: ["--no-retry"])
        refused[0].waitUntilExit()
        #expect(refused[0].terminationStatus == 0, "an idle daemon is not busy")
        #expect(daemon.stop() == 0)
    }

    @Test func clientsKilledMidRequestLeaveNothingInUse() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let clients = try Self.startClients(32, socket: daemon.socketPath)
        usleep(300_000)
        for client in clients.prefix(10) { kill(client.processIdentifier, SIGKILL) }
        for client in clients { client.waitUntilExit() }
        #expect(clients.dropFirst(10).allSatisfy { $0.terminationStatus == 0 })
        var status: [String: String] = [:]
        for _ in 0..<100 {
            status = try Self.status(daemon)
            if status["active"] == "0" && status["queued"] == "0" && status["connections"] == "1" { break }
            usleep(100_000)
        }
        #expect(status["active"] == "0" && status["queued"] == "0", "\(status)")
        #expect(status["streams_leaked"] == "0", "\(status)")
        #expect(status["connections"] == "1", "only the status query itself: \(status)")
        #expect(Int(status["completed"]!)! >= 22)
        #expect(daemon.stop() == 0)
    }

    @Test func thePoolGrowsToItsCapWhileRequestsWaitAndNoFurther() throws {
        let daemon = try DaemonHarness()
        try daemon.start(configuration: "streams = 1\nmax_streams = 3\nstream_growth = 1\n")
        #expect(try Self.status(daemon)["streams"] == "1")
        let clients = try Self.startClients(12, socket: daemon.socketPath)
        for client in clients { client.waitUntilExit() }
        #expect(clients.allSatisfy { $0.terminationStatus == 0 })
        let status = try Self.status(daemon)
        #expect(status["completed"] == "12")
        #expect(Int(status["streams"]!)! > 1 && Int(status["streams"]!)! <= 3, "\(status)")
        #expect(Int(status["stream_growths"]!)! >= 1, "\(status)")
        let number = { (key: String) in Int(status[key]!)! }
        // The budget is the shared buffers (the workspace less its streams) plus the cap's streams.
        #expect(number("stream_budget_bytes") == number("workspace_bytes") + (3 - number("streams")) * number("stream_bytes"))
        #expect(status["active"] == "0" && status["streams_leaked"] == "0", "\(status)")
        #expect(status["encoders_in_use"] == "0" && number("encoders_high_water") <= number("encoders"), "\(status)")
        #expect(daemon.stop() == 0)
    }

    @Test func aShortRequestFinishesBeforeALongFile() throws {
        let long = TestPaths.corpus.appendingPathComponent("derived/concat_120s.wav").path
        try #require(FileManager.default.fileExists(atPath: long), "the shared corpus is missing")
        let daemon = try DaemonHarness()
        try daemon.start()
        let file = Process()
        file.executableURL = URL(fileURLWithPath: DaemonHarness.amctl)
        file.arguments = ["transcribe", "--socket", daemon.socketPath, long]
        file.standardOutput = Pipe()
        try file.run()
        usleep(500_000)
        let short = try daemon.amctl(["transcribe", "--raw", "s16le:16000:1", "-"], standardInput: try Samples.jfkPCM().prefix(96_000))
        #expect(short.status == 0)
        #expect(file.isRunning, "the 3 s request finished after the 120 s file")
        file.waitUntilExit()
        #expect(file.terminationStatus == 0)
        #expect(daemon.stop() == 0)
    }
}
