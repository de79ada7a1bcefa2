import AmanuensisCore
import AmanuensisProtocol
import Synchronization

/// One admitted transcription: its audio, options, where the answer goes,
/// and a cancellation flag that the session (cancel, disconnect) sets and
/// the worker reads between windows.
final class Job: Sendable {
    let requestID: UInt32
    let audio: AudioSamples
    let options: DecodingOptions
    let interactive: Bool
    let wantsTiming: Bool
    let responder: Responder
    let client: String
    /// When the request arrived and how long its audio took to decode.
    let received: ContinuousClock.Instant
    let audioDecoding: Duration
    private let cancelled = Atomic(false)
    private let finished = Atomic(false)

    init(requestID: UInt32, audio: AudioSamples, options: DecodingOptions, interactive: Bool, wantsTiming: Bool,
         responder: Responder, client: String, received: ContinuousClock.Instant, audioDecoding: Duration) {
        self.requestID = requestID
        self.audio = audio
        self.options = options
        self.interactive = interactive
        self.wantsTiming = wantsTiming
        self.responder = responder
        self.client = client
        self.received = received
        self.audioDecoding = audioDecoding
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) || !responder.isOpen }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Set by the worker once the answer went out.
    var isFinished: Bool { finished.load(ordering: .acquiring) }
    func finish() { finished.store(true, ordering: .releasing) }
}
