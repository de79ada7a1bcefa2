import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime

/// Where a dictation's events go in the daemon: frames to the client's
/// connection; the outcome also to the journal and the stage statistics.
struct DictationFrames: DictationDelivery {
    let requestID: UInt32
    let responder: Responder
    let client: String
    let partials: Bool
    let wantsTiming: Bool
    let journal: Journal
    let statistics: StageStatistics

    var isOpen: Bool { responder.isOpen }

    func voice(_ dictation: Dictation, started: Bool, at seconds: Double) {
        responder.send(.voice(requestID: requestID, started: started, at: seconds))
    }

    func commit(_ dictation: Dictation, _ text: TimedText) {
        responder.send(.commit(requestID: requestID, Self.wire(text)))
    }

    func tail(_ dictation: Dictation, _ text: TimedText?) {
        guard partials else { return }
        responder.send(.partial(requestID: requestID, text.map(Self.wire) ?? .init(start: 0, end: 0, text: "")))
    }

    func finish(_ dictation: Dictation, _ outcome: DictationOutcome) {
        switch outcome {
        case .dictated(let result):
            statistics.record(result.report, audioSeconds: result.duration)
            responder.send(.result(TranscriptionResult(
                requestID: requestID, duration: result.duration,
                language: result.language?.code ?? "", languageProbability: result.language?.probability ?? 0,
                segments: result.segments.map(Self.wire),
                timings: wantsTiming ? result.report.wire : [])))
            let finalize = result.report.entries.first { $0.path == "total.finalize" }?.milliseconds ?? 0
            journal.log(.info, "dictated \(String(format: "%.1f", result.duration)) s for \(client) in \(Journal.counted(result.passes, "pass", "passes"))", [
                "REQUEST_ID": String(requestID), "CLIENT": client,
                "AUDIO_SECONDS": String(format: "%.3f", result.duration), "PASSES": String(result.passes),
                "FINALIZE_MS": String(format: "%.1f", finalize), "OUTCOME": "ok",
            ])
        case .failed(let error):
            responder.send(.error(requestID: requestID, error))
            let level: Journal.Priority = error.code == .internalError ? .error : .info
            journal.log(level, "dictation \(requestID) of \(client): \(error.message)", [
                "REQUEST_ID": String(requestID), "CLIENT": client, "OUTCOME": error.code.name,
            ])
        }
    }

    private static func wire(_ text: TimedText) -> TranscriptionResult.Segment { .init(start: text.start, end: text.end, text: text.text) }
}
