import AmanuensisCore
import Foundation
import TestSupport
import Testing

/// The timing tree a request reports: its keys, their nesting, and that no
/// child takes longer than its parent.
@Suite struct TimingReportTests {
    static func report(_ file: String) throws -> TimingReport {
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish.get())
        let audio = try AudioFileDecoder.decode(path: file)
        let started = ContinuousClock.now
        let transcript = try transcriber.transcribe(audio)
        return TimingReport(total: ContinuousClock.now - started, queue: .zero, audio: .zero, stages: transcript.statistics.timer)
    }

    /// Every node's children (the paths one level below it) sum to no more than it.
    static func expectChildrenWithinParents(_ report: TimingReport) {
        let byPath = Dictionary(uniqueKeysWithValues: report.entries.map { ($0.path, $0) })
        for entry in report.entries {
            let children = report.entries.filter { child in
                guard child.path.hasPrefix(entry.path + ".") else { return false }
                let rest = child.path.dropFirst(entry.path.count + 1)
                return !rest.contains(".") || rest.hasPrefix("window.") && rest.split(separator: ".").count == 2
            }
            // conv and blocks are one partition of the encoder; the windows another.
            for group in [children.filter { !$0.path.contains(".window.") }, children.filter { $0.path.contains(".window.") }] {
                let sum = group.reduce(0) { $0 + $1.milliseconds }
                #expect(sum <= entry.milliseconds + 1e-6, "\(entry.path): children \(group.map(\.path)) sum to \(sum) > \(entry.milliseconds)")
            }
        }
        for entry in report.entries where entry.path != "total" {
            let parent = entry.path.contains(".window.")
                ? String(entry.path[..<entry.path.range(of: ".window.")!.lowerBound])
                : String(entry.path[..<entry.path.lastIndex(of: ".")!])
            #expect(byPath[parent] != nil, "\(entry.path) has no parent \(parent)")
        }
    }

    @Test func aShortClipReportsTheStagePaths() throws {
        let report = try Self.report(TestPaths.samples.appendingPathComponent("jfk.wav").path)
        #expect(report.entries.map(\.path) == TimingReport.stagePaths)
        let decoder = try #require(report.entries.first { $0.path == "total.decoder" })
        #expect(decoder.extras.first { $0.0 == "tokens" }?.1 == 27)
        #expect(report.entries.first { $0.path == "total.encoder" }?.count == 1)
        #expect(report.entries.allSatisfy { $0.milliseconds >= 0 })
        Self.expectChildrenWithinParents(report)
    }

    @Test func aLongClipAddsOneLevelPerWindow() throws {
        let file = TestPaths.corpus.appendingPathComponent("derived/concat_120s.wav").path
        try #require(FileManager.default.fileExists(atPath: file), "the shared corpus is missing")
        let report = try Self.report(file)
        let encoderWindows = report.entries.filter { $0.path.hasPrefix("total.encoder.window.") }
        let decoderWindows = report.entries.filter { $0.path.hasPrefix("total.decoder.window.") }
        #expect(encoderWindows.count >= 4 && encoderWindows.count == decoderWindows.count)
        #expect(encoderWindows.map(\.path) == (0..<encoderWindows.count).map { "total.encoder.window.\($0)" })
        let seeks = encoderWindows.compactMap { $0.extras.first { $0.0 == "seek_s" }?.1 }
        #expect(seeks.first == 0 && zip(seeks, seeks.dropFirst()).allSatisfy { $0 < $1 }, "\(seeks)")
        Self.expectChildrenWithinParents(report)
    }

    @Test func aDisabledTimerReadsNoClock() throws {
        let transcriber = try Transcriber(model: try SharedModels.tinyEnglish.get())
        let audio = try AudioFileDecoder.decode(path: TestPaths.samples.appendingPathComponent("jfk.wav").path)
        let transcript = try transcriber.transcribe(audio, timed: false)
        #expect(transcript.statistics.timer.duration(.encoder) == .zero && transcript.statistics.timer.windows.isEmpty)
        #expect(transcript.text.contains("ask not what your country"))
    }
}
