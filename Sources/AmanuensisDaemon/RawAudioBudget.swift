import AmanuensisCore
import AmanuensisProtocol

/// Raw audio being uploaded, per user: one user's raw uploads, over all of
/// their connections, hold at most `max_audio_seconds` of audio at once, so
/// many connections with endless uploads cannot take the daemon's memory.
final class RawAudioBudget: Sendable {
    private let held = Locked<[UInt32: Int]>([:])

    /// Takes `samples` more for `uid`, or refuses with `audioTooLong` past
    /// `seconds` of audio (the limit in force now: SIGHUP may change it).
    func reserve(_ samples: Int, uid: UInt32, seconds: Double) throws {
        let allowed = Int(seconds * Double(AudioConstants.sampleRate))
        try held.withLock { held in
            guard held[uid, default: 0] + samples <= allowed else {
                throw ProtocolError(.audioTooLong, "your raw uploads hold more than \(Int(seconds)) s of audio together")
            }
            held[uid, default: 0] += samples
        }
    }

    func release(_ samples: Int, uid: UInt32) {
        held.withLock { held in
            held[uid, default: 0] -= samples
            if held[uid] == 0 { held[uid] = nil }
        }
    }

    /// Samples held for every user: 0 once every upload and dictation has ended.
    var totalSamples: Int { held.withLock { $0.values.reduce(0, +) } }

    /// Samples held for `uid`: 0 once every upload has ended, or one leaked.
    func samples(of uid: UInt32) -> Int { held.withLock { $0[uid, default: 0] } }
}
