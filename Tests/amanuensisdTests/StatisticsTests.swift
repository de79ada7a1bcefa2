import AmanuensisProtocol
import Foundation
import Testing

/// The daemon's statistics across requests: correct under concurrency,
/// bounded, and resettable.
@Suite(.serialized) struct StatisticsTests {
    @Test func countsMatchTheRequestsOf32ConcurrentClients() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        let second = try Samples.jfkPCM().prefix(32_000)
        let socket = daemon.socketPath
        // All 32 clients connect and send before any is waited for.
        let clients = try (0..<32).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: DaemonHarness.amctl)
            process.arguments = ["transcribe", "--socket", socket, "--raw", "s16le:16000:1", "-"]
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(second)
            try input.fileHandleForWriting.close()
            return process
        }
        for client in clients { client.waitUntilExit() }
        #expect(clients.allSatisfy { $0.terminationStatus == 0 }, "\(clients.map(\.terminationStatus))")
        let stats = try daemon.amctl(["stats", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(stats.standardOutput.utf8)) as? [String: [String: [String: Double]]]
        for period in ["since_start", "last_5_minutes", "since_start_per_audio_second", "last_5_minutes_per_audio_second"] {
            for path in ["total", "total.queue", "total.encoder", "total.decoder"] {
                #expect(object?[period]?[path]?["count"] == 32, "\(period) \(path): \(stats.standardOutput)")
            }
            let total = try #require(object?[period]?["total"])
            #expect(total["p50_ms"]! <= total["p95_ms"]! && total["p95_ms"]! <= total["p99_ms"]! && total["p99_ms"]! <= total["max_ms"]! + 1)
        }
        #expect(try daemon.amctl(["stats", "--reset"]).status == 0)
        let after = try daemon.amctl(["stats", "--openmetrics"])
        #expect(after.standardOutput.contains("amanuensis_stage_duration_milliseconds_count{stage=\"total\"} 0"), "\(after.standardOutput)")
        #expect(after.standardOutput.hasSuffix("# EOF\n"))
        #expect(daemon.stop() == 0)
    }

    /// Per second of audio, jfk.wav's 11 s make every stage's time an eleventh.
    @Test func aStagesTimePerSecondOfAudioIsItsTimeOverTheAudiosLength() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        #expect(try daemon.amctl(["transcribe", Samples.jfk]).status == 0)
        let stats = try daemon.amctl(["stats", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(stats.standardOutput.utf8)) as? [String: [String: [String: Double]]]
        for path in ["total", "total.encoder", "total.decoder"] {
            let perRequest = try #require(object?["since_start"]?[path]?["mean_ms"])
            let perSecond = try #require(object?["since_start_per_audio_second"]?[path]?["mean_ms"])
            // Two significant digits per second of audio: within 1 %.
            #expect(abs(perSecond - perRequest / 11) <= perRequest / 11 * 0.01 + 0.001, "\(path): \(perSecond) against \(perRequest) / 11")
        }
        #expect(daemon.stop() == 0)
    }

    @Test func theChartsDrawEveryStagePerRequestAndPerSecondOfAudio() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        #expect(try daemon.amctl(["transcribe", Samples.jfk]).status == 0)
        let chart = daemon.directory.url.appendingPathComponent("stats.svg").path
        #expect(try daemon.amctl(["stats", "--svg", chart]).status == 0)
        let svg = try String(contentsOfFile: chart, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        for title in ["since start (milliseconds)", "last 5 minutes (milliseconds)", "since start (milliseconds per second of audio)",
                      "last 5 minutes (milliseconds per second of audio)"] {
            #expect(svg.contains("time per stage, \(title)</text>"), "\(title)")
        }
        for stage in ["total.encoder", "total.decoder", "total.mel"] {
            #expect(svg.components(separatedBy: ">\(stage)<").count == 5, "\(stage) in each chart")
        }
        #expect(daemon.stop() == 0)
    }
}
