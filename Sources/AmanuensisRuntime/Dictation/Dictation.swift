import AmanuensisCore
import AmanuensisProtocol
import Synchronization

/// A live dictation: audio arrives in pieces while the user speaks, passes
/// over the audio not yet committed run on the runtime's streams as
/// interactive jobs, and `LocalAgreement` turns them into commits and a
/// volatile tail. At the end only that uncommitted audio is decoded, by a
/// final pass that goes ahead of every other job.
///
/// One pass runs at a time. A pass starts once `passInterval` of new audio
/// has arrived and voice was heard since the last one (or text waits to be
/// confirmed), and at once when voice stops; a pass that overruns is
/// followed by one over everything that arrived meanwhile, so the lag
/// cannot grow. While nobody speaks, no pass runs and the buffer keeps only
/// its last second.
///
/// The pass that starts when voice stops has usually heard all there is to
/// hear by the time the user lets go of the key: when nothing but silence
/// came after the audio of the latest pass, that pass (finished, or still
/// running) is the final one, and the end costs no decoding of its own.
///
/// Calls come from two sides: the client's (`append`, `end`, `cancel`) and
/// the runtime's workers (a pass's outcome). Both go through one lock, under
/// which events are also delivered, so they reach the client in order.
public final class Dictation: JobDelivery, Sendable {
    public let requestID: UInt32
    private let runtime: Runtime
    private let settings: DictationSettings
    private let delivery: any DictationDelivery
    private let owner: UInt64
    private let began = ContinuousClock.now
    private let state: Locked<State>
    private let stopped = Atomic(false)

    private enum PassKind {
        /// While the user speaks: commits what two passes agree on.
        case partial
        /// After a pause in `voice` mode: commits everything.
        case flush
        /// After the end: commits everything, then the result.
        case final
        /// A partial pass the end made useless: cancelled, and the final
        /// pass waits for it to stop, so as not to share the cores with it.
        case superseded
    }

    private struct Pass {
        let job: Job
        var kind: PassKind
        /// Buffer samples the pass covers.
        let samples: Int
        /// Where its audio ends, in samples from the start of the dictation.
        let end: Int
    }

    private struct State {
        var decoder: RawPCMDecoder
        /// Audio from `agreement.bufferStart` on, mono at 16 kHz.
        var buffer: [Float]
        var agreement: LocalAgreement
        var voice: VoiceDetector
        /// Samples received, and those since the last pass started.
        var received = 0
        var fresh = 0
        var running: Pass?
        var ended: ContinuousClock.Instant?
        /// In `voice` mode: voice stopped, or went on too long; the next pass flushes.
        var flushDue = false
        /// In `client` mode: voice stopped; a pass runs now, whatever the interval.
        var passDue = false
        /// Where the audio of the latest partial pass ended, in samples from the start.
        var latestEnd: Int?
        var utteranceStart: Double?
        var passes = 0
        var passTime: Duration = .zero
        var done = false
        /// Detected by the first pass that heard speech (unless the request
        /// named one), and kept: every later pass decodes in it.
        var language: DetectedLanguage?
    }

    /// Samples the buffer is made for: a window, and the audio that may
    /// arrive while a pass over it runs.
    private static let bufferCapacity = 40 * AudioConstants.sampleRate
    /// Audio kept before voice when nobody speaks, so first words are not cut.
    private static let keptBeforeVoice = 1.0
    /// Without voice endpointing, the pause after which a pass runs at once.
    private static let clientHangover = 0.3

    public init(requestID: UInt32, settings: DictationSettings, runtime: Runtime, delivery: any DictationDelivery,
                owner: UInt64 = 0) throws {
        self.requestID = requestID
        self.settings = settings
        self.runtime = runtime
        self.delivery = delivery
        self.owner = owner
        try settings.options.validate(for: runtime.model)
        let limits = AudioLimits(maximumDuration: settings.maximumSeconds)
        var buffer: [Float] = []
        buffer.reserveCapacity(Self.bufferCapacity)
        let hangover = if case .voice(let silence, _) = settings.endpointing { silence } else { Self.clientHangover }
        state = Locked(State(
            decoder: try RawPCMDecoder(format: settings.format, limits: limits), buffer: buffer,
            agreement: LocalAgreement(tokenizer: runtime.model.tokenizer),
            voice: VoiceDetector(silenceLevel: settings.options.silenceLevel ?? -60, hangover: hangover)))
    }

    /// Whether the outcome was delivered (or the dictation was cancelled).
    public var isFinished: Bool { stopped.load(ordering: .acquiring) }

    // MARK: - The client's side

    /// Takes the next audio: whole frames of the dictation's format, at most
    /// half a second of them. Throws what the client is told; the dictation
    /// is then over.
    public func append(_ bytes: [UInt8]) throws {
        let format = settings.format
        let frames = bytes.count / format.bytesPerFrame
        guard bytes.count % format.bytesPerFrame == 0 else {
            throw fail(ProtocolError(.badRequest, "an audio frame of \(bytes.count) bytes is not whole \(format.bytesPerFrame)-byte frames"))
        }
        guard frames <= format.sampleRate / 2 else {
            throw fail(ProtocolError(.badRequest, "an audio frame of \(frames) frames is longer than half a second"))
        }
        try state.withLock { state in
            guard !state.done else { throw ProtocolError(.badRequest, "audio for dictation \(requestID), which has ended") }
            guard state.ended == nil else { throw ProtocolError(.badRequest, "audio after the end of dictation \(requestID)") }
            do {
                try state.decoder.append(bytes)
            } catch {
                throw failLocked(&state, ProtocolError(describing: error))
            }
            take(&state)
            schedule(&state)
        }
    }

    /// The user stopped: the final pass decodes what is not committed.
    public func end() throws {
        try state.withLock { state in
            guard !state.done, state.ended == nil else { throw ProtocolError(.badRequest, "dictation \(requestID) has already ended") }
            state.ended = .now
            do {
                let rest = try state.decoder.finish().samples
                state.buffer += rest
                state.received += rest.count
            } catch {
                throw failLocked(&state, ProtocolError(describing: error))
            }
            let activeUntil = state.voice.activeUntil
            let heardAll = { (end: Int) in self.seconds(end) >= activeUntil }
            if let running = state.running, running.kind == .partial {
                if heardAll(running.end) { return state.running!.kind = .final }
                // A final pass says all that this one would, and more.
                running.job.cancel()
                return state.running!.kind = .superseded
            } else if state.running == nil, let latest = state.latestEnd, heardAll(latest), state.agreement.canFlushLatest {
                let update = state.agreement.flushLatest(bufferDuration: seconds(state.buffer.count))
                if let commit = update.commit { delivery.commit(self, commit) }
                return complete(&state, finalPass: nil)
            }
            schedule(&state)
        }
    }

    /// The client gave up, or went away: no final; the running pass stops
    /// within a few decoder steps and every buffer is released.
    public func cancel() {
        state.withLock { state in
            guard !state.done else { return }
            finishLocked(&state, .failed(ProtocolError(.cancelled, "the dictation was cancelled")))
        }
    }

    // MARK: - The runtime's side

    public var isOpen: Bool { !stopped.load(ordering: .relaxed) && delivery.isOpen }

    public func progress(_ job: Job, done: Double, total: Double, final: ArraySlice<Segment>) {}

    public func finish(_ job: Job, _ outcome: JobOutcome) {
        state.withLock { state in
            guard let pass = state.running, pass.job === job, !state.done else { return }
            state.running = nil
            state.passes += 1
            state.passTime += ContinuousClock.now - job.received
            switch outcome {
            case _ where pass.kind == .superseded:
                break
            case .failed(let error) where error.code == .busy && pass.kind == .partial:
                break
            case .failed(let error):
                return finishLocked(&state, .failed(error))
            case .transcribed(let transcript, let report):
                absorb(&state, transcript, pass: pass, report: report)
            }
            schedule(&state)
        }
    }

    // MARK: - Under the lock

    /// Moves decoded audio into the buffer and listens to it.
    private func take(_ state: inout State) {
        let start = state.buffer.count
        state.decoder.takeSamples(appendingTo: &state.buffer)
        let count = state.buffer.count - start
        state.received += count
        state.fresh += count
        guard case .voice(_, let maximumUtterance) = settings.endpointing else {
            for case .stopped in state.voice.feed(state.buffer[start...]) { state.passDue = true }
            return
        }
        for change in state.voice.feed(state.buffer[start...]) {
            switch change {
            case .started(let at):
                state.utteranceStart = at
                delivery.voice(self, started: true, at: at)
            case .stopped(let at):
                state.utteranceStart = nil
                state.flushDue = true
                delivery.voice(self, started: false, at: at)
            }
        }
        if let start = state.utteranceStart, seconds(state.received) - start > maximumUtterance {
            state.utteranceStart = seconds(state.received)
            state.flushDue = true
        }
    }

    /// Starts the pass that is due, if any.
    private func schedule(_ state: inout State) {
        guard state.running == nil, !state.done else { return }
        let kind: PassKind
        var samples = state.buffer.count
        if state.ended != nil {
            kind = .final
        } else if state.flushDue {
            kind = .flush
            state.flushDue = false
        } else {
            guard state.passDue || Double(state.fresh) >= settings.passInterval * Double(AudioConstants.sampleRate) else { return }
            guard state.voice.takeHeard() || state.passDue || !state.agreement.isSettled else {
                let drop = state.agreement.skipSilence(bufferDuration: seconds(state.buffer.count), keep: Self.keptBeforeVoice)
                dropFront(&state, seconds: drop)
                state.fresh = 0
                return
            }
            kind = .partial
            samples = min(samples, AudioConstants.windowSeconds * AudioConstants.sampleRate)
        }
        state.fresh = 0
        state.passDue = false
        var options = settings.options
        if let language = state.language { options.language = language.code }
        let job = Job(requestID: requestID, audio: AudioSamples(samples: Array(state.buffer.prefix(samples))),
                      options: options, continuation: state.agreement.continuation,
                      urgency: kind == .partial ? .interactive : .final, delivery: self, owner: owner,
                      received: .now, audioDecoding: .zero)
        do {
            try runtime.submit(job, maximumQueued: kind == .partial ? settings.maximumQueued : .max)
            state.running = Pass(job: job, kind: kind, samples: samples, end: state.received - state.buffer.count + samples)
        } catch let error as ProtocolError where error.code == .busy {
            // A partial pass is tried again with the next audio.
        } catch {
            finishLocked(&state, .failed(ProtocolError(describing: error)))
        }
    }

    private func absorb(_ state: inout State, _ transcript: Transcript, pass: Pass, report: TimingReport) {
        if state.language == nil, !transcript.segments.isEmpty, let code = transcript.language {
            state.language = DetectedLanguage(code: code, probability: transcript.languageProbability)
        }
        let update = pass.kind == .partial
            ? state.agreement.absorb(transcript.segments, heard: seconds(pass.samples), bufferDuration: seconds(state.buffer.count))
            : state.agreement.flush(transcript.segments, bufferDuration: seconds(state.buffer.count))
        if pass.kind == .partial { state.latestEnd = pass.end }
        if let commit = update.commit { delivery.commit(self, commit) }
        if pass.kind == .partial || update.commit != nil { delivery.tail(self, update.tail) }
        dropFront(&state, seconds: update.drop)
        guard pass.kind == .final else { return }
        // A pass promoted to final started before the end: its stages are not the end's.
        complete(&state, finalPass: pass.job.received >= state.ended! ? report : nil)
    }

    /// Delivers the result: all that was committed.
    private func complete(_ state: inout State, finalPass: TimingReport?) {
        let result = DictationResult(text: state.agreement.text, segments: state.agreement.segments,
                                     duration: seconds(state.received),
                                     language: state.language ?? settings.options.language.map { DetectedLanguage(code: $0, probability: 1) },
                                     passes: state.passes,
                                     report: dictationReport(state, final: finalPass))
        finishLocked(&state, .dictated(result))
    }

    private func dropFront(_ state: inout State, seconds: Double) {
        let samples = min(Int((seconds * Double(AudioConstants.sampleRate)).rounded()), state.buffer.count)
        if samples > 0 { state.buffer.removeFirst(samples) }
    }

    /// The dictation's timing: the final pass's stages, if one ran after the end, under `total.finalize`.
    private func dictationReport(_ state: State, final: TimingReport?) -> TimingReport {
        let now = ContinuousClock.now
        let milliseconds = { (duration: Duration) in duration.seconds * 1000 }
        var entries: [TimingReport.Entry] = [
            .init(path: "total", milliseconds: milliseconds(now - began), count: 1),
            .init(path: "total.passes", milliseconds: milliseconds(state.passTime), count: state.passes),
            .init(path: "total.finalize", milliseconds: milliseconds(now - (state.ended ?? now)), count: 1),
        ]
        for entry in final?.entries ?? [] where entry.path != "total" && entry.path != "total.audio" {
            var nested = entry
            nested.path = "total.finalize" + entry.path.dropFirst("total".count)
            entries.append(nested)
        }
        return TimingReport(entries: entries)
    }

    @discardableResult
    private func failLocked(_ state: inout State, _ error: ProtocolError) -> ProtocolError {
        finishLocked(&state, .failed(error))
        return error
    }

    private func fail(_ error: ProtocolError) -> ProtocolError {
        state.withLock { failLocked(&$0, error) }
    }

    /// Ends the dictation with `outcome`: the running pass is cancelled and
    /// the buffers are released before the client hears of it.
    private func finishLocked(_ state: inout State, _ outcome: DictationOutcome) {
        guard !state.done else { return }
        state.done = true
        state.running?.job.cancel()
        state.running = nil
        state.buffer = []
        stopped.store(true, ordering: .releasing)
        delivery.finish(self, outcome)
    }

    private func seconds(_ samples: Int) -> Double { Double(samples) / Double(AudioConstants.sampleRate) }
}
