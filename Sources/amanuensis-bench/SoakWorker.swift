import AmanuensisCore
import Foundation
import Glibc

/// The clips a soak sends, made from one speech clip (any format the daemon
/// reads) in a temporary directory: the clip, a 5 s cut, about a minute of
/// it repeated, 10 s of digital silence, and its PCM for raw uploads.
struct SoakClips: Sendable {
    let short: String
    let cut: String
    let long: String
    let silence: String
    let pcm: [UInt8]

    init(speech: String) throws {
        let samples = try AudioFileDecoder.decode(path: speech).samples.flatMap { sample -> [UInt8] in
            let value = UInt16(bitPattern: Int16((sample * 32_767).rounded()))
            return [UInt8(value & 0xFF), UInt8(value >> 8)]
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("amanuensis-soak-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ name: String, _ pcm: [UInt8]) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try Data(Self.wav(pcm)).write(to: URL(fileURLWithPath: path))
            return path
        }
        short = speech
        cut = try write("cut.wav", Array(samples.prefix(5 * 32_000)))
        long = try write("long.wav", Array(repeating: samples, count: max(1, 60 * 32_000 / max(samples.count, 1))).flatMap { $0 })
        silence = try write("silence.wav", [UInt8](repeating: 0, count: 10 * 32_000))
        pcm = samples
    }

    /// A 16 kHz mono 16-bit WAV file around `pcm`.
    private static func wav(_ pcm: [UInt8]) -> [UInt8] {
        func u32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func u16(_ value: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        return Array("RIFF".utf8) + u32(36 + pcm.count) + Array("WAVEfmt ".utf8) + u32(16) + u16(1) + u16(1)
            + u32(16_000) + u32(32_000) + u16(2) + u16(16) + Array("data".utf8) + u32(pcm.count) + pcm
    }
}

/// One soak client: picks an action at random, again and again, until the deadline.
struct SoakWorker {
    let socket: String
    let amctl: String
    let clips: SoakClips
    var generator: RandomGenerator

    enum Action: CaseIterable {
        case short, cut, long, silence, raw, killed
    }

    /// Long files are rare: each holds a stream for seconds.
    private static let weights: [(Action, Int)] = [(.short, 4), (.cut, 4), (.long, 1), (.silence, 2), (.raw, 3), (.killed, 2)]

    mutating func run(until deadline: ContinuousClock.Instant, tally: Locked<Bench.SoakTally>) {
        var client: BenchClient?
        while ContinuousClock.now < deadline {
            let action = pick()
            tally.withLock { $0.requests["\(action)", default: 0] += 1 }
            if action == .killed {
                killMidRequest()
                tally.withLock { $0.killed += 1 }
                continue
            }
            do {
                if client == nil { client = try BenchClient(socket: socket) }
                var retries = 0
                let outcome = switch action {
                case .short: try client!.transcribe(file: clips.short, busyRetries: &retries)
                case .cut: try client!.transcribe(file: clips.cut, busyRetries: &retries)
                case .long: try client!.transcribe(file: clips.long, busyRetries: &retries)
                case .silence: try client!.transcribe(file: clips.silence, busyRetries: &retries)
                case .raw, .killed: try client!.transcribe(pcm: clips.pcm, busyRetries: &retries)
                }
                tally.withLock { tally in
                    tally.busyRetries += retries
                    switch outcome {
                    case .transcribed(let seconds):
                        tally.succeeded += 1
                        tally.audioSeconds += seconds
                    case .failed(let code): tally.failures[code, default: 0] += 1
                    }
                }
            } catch {
                tally.withLock { $0.failures["connection-error", default: 0] += 1 }
                client = nil
            }
            // Now and then a client hangs up between requests, as scripts do.
            if generator.next() % 8 == 0 { client = nil }
        }
    }

    private mutating func pick() -> Action {
        let total = Self.weights.reduce(0) { $0 + $1.1 }
        var roll = Int(generator.next() % UInt64(total))
        for (action, weight) in Self.weights {
            if roll < weight { return action }
            roll -= weight
        }
        return .short
    }

    /// amctl on the long clip, killed with SIGKILL 50 to 550 ms in.
    private mutating func killMidRequest() {
        var pid: pid_t = 0
        let arguments = [amctl, "transcribe", "--socket", socket, clips.long]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        guard posix_spawn(&pid, amctl, &actions, nil, argv, environ) == 0 else { return }
        usleep(UInt32(50_000 + generator.next() % 500_000))
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
