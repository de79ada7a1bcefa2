import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
import ArgumentParser
import Foundation

extension Bench {
    /// Live dictation against a running daemon, as a user would see it:
    /// clips replayed at real-time speed (or a multiple) through dictation
    /// sessions, optionally beside clients transcribing files; how soon the
    /// final text comes after the last byte, how far commits lag the
    /// speech, how often the text updates, what it cost the daemon, and
    /// how the final text compares with the same daemon's file transcript.
    struct Dictate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay clips through dictation sessions of a running amanuensisd; prints JSON.")

        @OptionGroup var daemon: SocketOption

        @Option(help: "A corpus manifest (JSON lines with file, kind, duration_s, reference); its wav16k clips are replayed.",
                completion: .file())
        var manifest: String?

        @Option(help: "With --manifest, only clips this long or shorter.")
        var maxSeconds = 30.0

        @Option(help: "Replay speed: 1 is real time.")
        var speed = 1.0

        @Option(help: "Dictation sessions at once, each replaying every clip.")
        var sessions = 1

        @Option(help: "Clients transcribing the clips as files meanwhile, one request after another.")
        var fileClients = 0

        @Flag(help: "Daemon endpointing (voice mode) instead of the client's.")
        var voice = false

        @Flag(help: "Print each clip's figures too.")
        var perClip = false

        @Argument(help: "Audio files to replay (besides the manifest's).", completion: .file())
        var clips: [String] = []

        func validate() throws {
            guard manifest != nil || !clips.isEmpty else { throw ValidationError("give clips, or --manifest") }
            guard speed > 0, sessions >= 1, fileClients >= 0 else {
                throw ValidationError("--speed must be positive, --sessions at least 1, --file-clients not negative")
            }
        }

        struct Clip: Sendable {
            let path: String
            let reference: String?
            let pcm: [UInt8]
            var offline = ""
        }

        func run() throws {
            var clips = try loadClips()
            var probe = try BenchClient(socket: daemon.socket)
            for index in clips.indices { clips[index].offline = try probe.result(of: clips[index].path).text }
            let pid = probe.daemonPID
            let (cpuBefore, rssBefore) = (ProcessMemory.cpuSeconds(pid: pid), ProcessMemory.residentBytes(pid: pid))
            let replays = Locked<[DictationReplay.Figures]>([])
            let errors = Locked<[String: Int]>([:])
            let stop = Locked(false)
            let fileRequests = Locked(0)
            let all = clips
            var done: [DispatchSemaphore] = []
            for _ in 0..<fileClients {
                let finished = DispatchSemaphore(value: 0)
                NamedThread.start("amanuensis-bench-file") { [socket = daemon.socket] in
                    defer { finished.signal() }
                    Self.transcribeFiles(socket: socket, clips: all, stop: stop, count: fileRequests, errors: errors)
                }
                done.append(finished)
            }
            var sessionsDone: [DispatchSemaphore] = []
            for session in 0..<sessions {
                let finished = DispatchSemaphore(value: 0)
                NamedThread.start("amanuensis-bench-dictate") { [socket = daemon.socket, speed, voice] in
                    defer { finished.signal() }
                    for offset in all.indices {
                        let clip = all[(offset + session) % all.count]
                        do {
                            let figures = try DictationReplay.run(socket: socket, clip: clip.path, pcm: clip.pcm, speed: speed, voice: voice)
                            replays.withLock { $0.append(figures) }
                        } catch {
                            errors.withLock { $0["dictation: \(error)", default: 0] += 1 }
                        }
                    }
                }
                sessionsDone.append(finished)
            }
            for finished in sessionsDone { finished.wait() }
            stop.withLock { $0 = true }
            for finished in done { finished.wait() }
            let report = DictateReport(
                replays: replays.withLock { $0 }, clips: all, speed: speed, sessions: sessions, fileClients: fileClients,
                fileRequests: fileRequests.withLock { $0 }, errors: errors.withLock { $0 },
                daemonCPUSeconds: ProcessMemory.cpuSeconds(pid: pid) - cpuBefore,
                daemonRSSBytes: [rssBefore, ProcessMemory.residentBytes(pid: pid)], perClip: perClip)
            print(try JSONOutput.encode(report))
        }

        private func loadClips() throws -> [Clip] {
            var found: [(String, String?)] = clips.map { ($0, nil) }
            if let manifest {
                let base = URL(fileURLWithPath: manifest).deletingLastPathComponent()
                for line in try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n") {
                    guard let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                          row["kind"] as? String == "wav16k", let file = row["file"] as? String,
                          let duration = row["duration_s"] as? Double, duration <= maxSeconds else { continue }
                    found.append((base.appendingPathComponent(file).path, row["reference"] as? String))
                }
            }
            return try found.map { path, reference in
                let samples = try AudioFileDecoder.decode(path: path).samples
                let pcm = samples.flatMap { sample in
                    withUnsafeBytes(of: Int16(max(-32_768, min(32_767, (sample * 32_768).rounded()))).littleEndian) { Array($0) }
                }
                return Clip(path: path, reference: reference, pcm: pcm)
            }
        }

        private static func transcribeFiles(socket: String, clips: [Clip], stop: Locked<Bool>, count: Locked<Int>,
                                            errors: Locked<[String: Int]>) {
            guard var client = try? BenchClient(socket: socket) else {
                return errors.withLock { $0["file: unreachable", default: 0] += 1 }
            }
            var next = 0
            while !stop.withLock({ $0 }) {
                var retries = 0
                switch Result(catching: { try client.transcribe(file: clips[next % clips.count].path, busyRetries: &retries) }) {
                case .success(.transcribed): count.withLock { $0 += 1 }
                case .success(.failed(let code)): errors.withLock { $0["file: \(code)", default: 0] += 1 }
                case .failure(let error): return errors.withLock { $0["file: \(error)", default: 0] += 1 }
                }
                next += 1
            }
        }
    }
}
