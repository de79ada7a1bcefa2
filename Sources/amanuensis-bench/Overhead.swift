import AmanuensisCore
import ArgumentParser
import Foundation

extension Bench {
    /// The cost of the timing instrumentation: the same requests with the
    /// stage timer on and off, interleaved so drift hits both alike, and the
    /// cost of the clock reads themselves, counted directly.
    struct Overhead: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the timing instrumentation's overhead (timer on against off).")

        @OptionGroup var model: ModelOptions

        @Option(help: "Pairs of runs (one timed, one untimed).")
        var runs = 10

        @Argument(help: "Audio file.", completion: .file())
        var file: String

        func run() throws {
            let transcriber = try Transcriber(model: try model.load())
            let audio = try AudioFileDecoder.decode(path: file)
            _ = try transcriber.transcribe(audio)
            var timed: [Double] = [], untimed: [Double] = []
            var clockReads = 0
            for _ in 0..<runs {
                for enabled in [true, false] {
                    let started = ContinuousClock.now
                    let transcript = try transcriber.transcribe(audio, timed: enabled)
                    let wall = (ContinuousClock.now - started).milliseconds
                    if enabled {
                        timed.append(wall)
                        let timer = transcript.statistics.timer
                        clockReads = 2 * StageTimer.Stage.allCases.reduce(0) { $0 + timer.count($1) }
                    } else {
                        untimed.append(wall)
                    }
                }
            }
            // The clock itself, measured over many reads.
            let reads = 1_000_000
            let clockStarted = ContinuousClock.now
            var sink = ContinuousClock.now
            for _ in 0..<reads { sink = max(sink, ContinuousClock.now) }
            let nanosecondsPerRead = (ContinuousClock.now - clockStarted).milliseconds * 1e6 / Double(reads)
            let on = Summary(timed), off = Summary(untimed)
            let report = OverheadReport(
                file: file, audioSeconds: audio.duration, runs: runs, timedMilliseconds: on, untimedMilliseconds: off,
                medianDifferenceMilliseconds: on.median - off.median,
                medianDifferencePercent: 100 * (on.median - off.median) / off.median,
                clockReadsPerRequest: clockReads, nanosecondsPerClockRead: nanosecondsPerRead,
                instrumentationMicrosecondsPerRequest: Double(clockReads) * nanosecondsPerRead / 1000)
            print(try JSONOutput.encode(report))
        }
    }

    struct OverheadReport: Encodable {
        let file: String
        let audioSeconds: Double
        let runs: Int
        let timedMilliseconds: Summary
        let untimedMilliseconds: Summary
        /// Noisy: both medians move by more than the instrumentation costs.
        let medianDifferenceMilliseconds: Double
        let medianDifferencePercent: Double
        let clockReadsPerRequest: Int
        let nanosecondsPerClockRead: Double
        /// The direct cost: clock reads times the cost of one.
        let instrumentationMicrosecondsPerRequest: Double
    }
}
