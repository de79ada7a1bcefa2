import AmanuensisProtocol
import AmanuensisRuntime
import AmanuensisTransport
import Foundation
import Glibc

/// One clip replayed through a dictation session as a microphone would
/// send it: 100 ms frames at `speed` times real time, on one thread that
/// polls the connection between frames so every event is stamped as it
/// arrives.
struct DictationReplay {
    struct Figures: Encodable {
        let clip: String
        let audioSeconds: Double
        /// Last byte sent to final received.
        let finalizeMilliseconds: Double
        /// For each commit that came while audio was still being sent: its
        /// arrival after the audio of its last word was sent, in seconds.
        let commitLagSeconds: [Double]
        /// Gaps between updates (commits, partials) while audio was being sent.
        let updateIntervalSeconds: [Double]
        let commits: Int
        let passes: Int
        let finalText: String
        let committedText: String
    }

    static let frameSeconds = 0.1

    /// Replays `pcm` (s16le, 16 kHz, mono); throws on any error from the daemon.
    static func run(socket path: String, clip: String, pcm: [UInt8], speed: Double, voice: Bool = false) throws -> Figures {
        let client = try BenchClient(socket: path)
        let connection = client.connection
        try connection.send(ClientMessage.dictate(DictateRequest(
            requestID: 1, format: RawAudioFormat(encoding: .s16le, sampleRate: 16_000, channels: 1), timing: true, partials: true,
            endpointing: voice ? .voice : .client)).encoded())
        let frameBytes = Int(frameSeconds * 16_000) * 2
        let frames = (pcm.count + frameBytes - 1) / frameBytes
        let started = ContinuousClock.now
        var sent = 0
        var lastByte: ContinuousClock.Instant?
        var commitLags: [Double] = [], updates: [ContinuousClock.Instant] = []
        var committed = ""
        var commits = 0
        while true {
            if lastByte == nil {
                let due = started + .milliseconds(Int(Double(sent) * frameSeconds / speed * 1000))
                if ContinuousClock.now >= due {
                    let start = sent * frameBytes
                    try connection.send(ClientMessage.audio(requestID: 1, bytes: Array(pcm[start..<min(start + frameBytes, pcm.count)])).encoded())
                    sent += 1
                    if sent == frames {
                        try connection.send(ClientMessage.audioEnd(requestID: 1).encoded())
                        lastByte = .now
                    }
                    continue
                }
                guard try wait(for: connection, until: due) else { continue }
            }
            guard let message = try client.receive() else { throw ProtocolError(.internalError, "the daemon closed the connection") }
            let now = ContinuousClock.now
            switch message {
            case .commit(_, let text):
                committed += text.text
                commits += 1
                if lastByte == nil {
                    commitLags.append((now - started).seconds - text.end / speed)
                    updates.append(now)
                }
            case .partial:
                if lastByte == nil { updates.append(now) }
            case .result(let result):
                let passes = result.timings.first { $0.path == "total.passes" }?.count ?? 0
                return Figures(clip: clip, audioSeconds: Double(pcm.count / 2) / 16_000,
                               finalizeMilliseconds: (now - (lastByte ?? now)).seconds * 1000,
                               commitLagSeconds: commitLags,
                               updateIntervalSeconds: zip(updates.dropFirst(), updates).map { ($0 - $1).seconds },
                               commits: commits, passes: Int(passes), finalText: result.text, committedText: committed)
            case .error(_, let error):
                throw error
            default:
                continue
            }
        }
    }

    /// Waits until the connection has something to read (true) or `deadline` passes (false).
    private static func wait(for connection: MessageConnection, until deadline: ContinuousClock.Instant) throws -> Bool {
        if connection.hasBufferedBytes { return true }
        let milliseconds = max(0, Int32((deadline - .now).seconds * 1000))
        var descriptor = pollfd(fd: connection.socket.descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0, errno != EINTR { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return ready > 0
    }
}
