import AmanuensisCore
import AmanuensisRuntime
import ArgumentParser
import Foundation

extension Bench {
    /// One stream, in process: the engine's own speed without the socket.
    struct Single: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Transcribe files in process, several times each, and report the timings.")

        @OptionGroup var model: ModelOptions

        @Option(help: "Timed runs per file, after one warm-up run.")
        var runs = 3

        @Flag(help: "Skip the warm-up run: the instruction-count guard counts one cold run.")
        var noWarmUp = false

        @Flag(help: "Decode without the read-ahead thread the daemon runs, so that an instruction count does not depend on the scheduler (Tools/speed-guard.sh).")
        var noReadAhead = false

        @Flag(help: "Let the decoder's vocabulary projection use every core (the daemon's parallel_decoding).")
        var parallelDecoding = false

        @Option(help: "Beam size (1 = greedy).")
        var beamSize = 1

        @Flag(help: "Time every word (the report's total.alignment is its cost).")
        var wordTimestamps = false

        @Option(help: ArgumentHelp("The spoken language, or auto to detect it (multilingual models).", valueName: "code"))
        var language: String?

        @Argument(help: "Audio files.", completion: .file())
        var files: [String]

        func validate() throws {
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
            guard !files.isEmpty else { throw ValidationError("name at least one audio file") }
        }

        func run() throws {
            let loadStarted = ContinuousClock.now
            let whisper = try model.load()
            let loadTime = ContinuousClock.now - loadStarted
            var options = DecodingOptions()
            options.beamSize = beamSize
            options.wordTimestamps = wordTimestamps
            options.language = language == "auto" ? nil : language
            // The daemon's decoder reads ahead on a thread of its own.
            let readAhead = noReadAhead ? nil : ReadAhead(model: whisper)
            readAhead?.startThread()
            defer { readAhead?.stop() }
            let transcriber = try Transcriber(model: whisper, options: options, readAhead: readAhead)
            transcriber.decodesInParallel = parallelDecoding
            var results: [FileResult] = []
            for file in files {
                let audio = try AudioFileDecoder.decode(path: file)
                var transcript: Transcript? = noWarmUp ? nil : try transcriber.transcribe(audio)
                var walls: [Double] = []
                var stages: [String: [Double]] = [:]
                for _ in 0..<runs {
                    let started = ContinuousClock.now
                    let timed = try transcriber.transcribe(audio)
                    transcript = timed
                    walls.append((ContinuousClock.now - started).milliseconds)
                    let report = TimingReport(total: ContinuousClock.now - started, queue: .zero, audio: .zero,
                                              stages: timed.statistics.timer)
                    // Every stage, the optional ones (language, alignment) too; not each window's.
                    for entry in report.entries where !entry.path.contains(".window.") {
                        stages[entry.path, default: []].append(entry.milliseconds)
                    }
                }
                // `validate()` requires a run, so the loop has set it.
                guard let transcript else { preconditionFailure("no run") }
                results.append(FileResult(
                    file: file, audioSeconds: audio.duration, text: transcript.text,
                    windows: transcript.statistics.windows, tokens: transcript.statistics.timer.tokens,
                    wallMilliseconds: Summary(walls), stageMilliseconds: stages.mapValues(Summary.init),
                    realtimeFactor: Summary(walls).median / 1000 / audio.duration))
            }
            let report = SingleReport(model: model.model, modelLoadMilliseconds: loadTime.milliseconds, runs: runs,
                                      beamSize: beamSize, computeType: whisper.computeType.rawValue,
                                      parallelDecoding: parallelDecoding, peakRSSBytes: ProcessMemory.peakBytes(),
                                      files: results)
            print(try JSONOutput.encode(report))
        }
    }

    struct SingleReport: Encodable {
        let model: String
        let modelLoadMilliseconds: Double
        let runs: Int
        let beamSize: Int
        let computeType: String
        let parallelDecoding: Bool
        let peakRSSBytes: Int
        let files: [FileResult]
    }

    struct FileResult: Encodable {
        let file: String
        let audioSeconds: Double
        let text: String
        let windows: Int
        let tokens: Int
        let wallMilliseconds: Summary
        let stageMilliseconds: [String: Summary]
        let realtimeFactor: Double
    }
}
