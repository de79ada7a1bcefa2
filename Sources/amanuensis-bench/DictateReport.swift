import AmanuensisCore
import Foundation

/// What `amanuensis-bench dictate` prints: the figures of live dictation
/// that amanuensis-protocol(7) and README.md promise, over every replay.
struct DictateReport: Encodable {
    let speed: Double
    let sessions: Int
    let fileClients: Int
    let replays: Int
    let audioSeconds: Double
    /// Last byte sent to final received (p50 is `median`).
    let finalizeMilliseconds: Summary
    /// Commits while audio was being sent: arrival after their words' audio was sent.
    let commitLagSeconds: Summary
    /// Gaps between updates while audio was being sent.
    let updateIntervalSeconds: Summary
    let passes: Int
    let commits: Int
    /// Clips whose final text is exactly their commits joined.
    let finalEqualsCommits: Int
    /// Clips whose final text equals the file transcript, lowercased and without punctuation.
    let identicalToFileTranscript: Int
    /// Word error rates in percent against the manifest's references (clips that have one).
    let werDictation: Double?
    let werFileTranscript: Double?
    let daemonCPUSeconds: Double
    /// The daemon's resident memory before and after.
    let daemonRSSBytes: [Int]
    let fileRequests: Int
    let errors: [String: Int]
    let clips: [Bench.DictationClipReport]?

    init(replays: [DictationReplay.Figures], clips: [Bench.Dictate.Clip], speed: Double, sessions: Int, fileClients: Int,
         fileRequests: Int, errors: [String: Int], daemonCPUSeconds: Double, daemonRSSBytes: [Int], perClip: Bool) {
        self.speed = speed
        self.sessions = sessions
        self.fileClients = fileClients
        self.replays = replays.count
        audioSeconds = replays.reduce(0) { $0 + $1.audioSeconds }
        finalizeMilliseconds = Summary(replays.map(\.finalizeMilliseconds))
        commitLagSeconds = Summary(replays.flatMap(\.commitLagSeconds))
        updateIntervalSeconds = Summary(replays.flatMap(\.updateIntervalSeconds))
        passes = replays.reduce(0) { $0 + $1.passes }
        commits = replays.reduce(0) { $0 + $1.commits }
        // The result's text is its segments joined without the outer spaces (`TranscriptionResult.text`).
        finalEqualsCommits = replays.filter { $0.finalText == $0.committedText.trimmingCharacters(in: .whitespaces) }.count
        let byPath = Dictionary(clips.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        identicalToFileTranscript = replays.filter {
            WordErrorRate.normalize($0.finalText) == WordErrorRate.normalize(byPath[$0.clip]?.offline ?? "")
        }.count
        let referenced = replays.compactMap { replay in byPath[replay.clip].flatMap { clip in clip.reference.map { (replay, clip, $0) } } }
        func rate(_ text: (DictationReplay.Figures, Bench.Dictate.Clip) -> String) -> Double? {
            guard !referenced.isEmpty else { return nil }
            let words = referenced.reduce(0) { $0 + WordErrorRate.normalize($1.2).count }
            let edits = referenced.reduce(0) {
                $0 + WordErrorRate.errors(reference: WordErrorRate.normalize($1.2), hypothesis: WordErrorRate.normalize(text($1.0, $1.1)))
            }
            return 100 * Double(edits) / Double(max(words, 1))
        }
        werDictation = rate { replay, _ in replay.finalText }
        werFileTranscript = rate { _, clip in clip.offline }
        self.daemonCPUSeconds = daemonCPUSeconds
        self.daemonRSSBytes = daemonRSSBytes
        self.fileRequests = fileRequests
        self.errors = errors
        self.clips = perClip ? replays.map {
            Bench.DictationClipReport(clip: $0.clip, audioSeconds: $0.audioSeconds, finalizeMilliseconds: $0.finalizeMilliseconds,
                                      passes: $0.passes, commits: $0.commits, finalText: $0.finalText,
                                      fileTranscript: byPath[$0.clip]?.offline ?? "")
        } : nil
    }
}

extension Bench {
    struct DictationClipReport: Encodable {
        let clip: String
        let audioSeconds: Double
        let finalizeMilliseconds: Double
        let passes: Int
        let commits: Int
        let finalText: String
        let fileTranscript: String
    }
}
