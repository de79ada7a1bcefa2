import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
import Foundation

/// Where a job's outcome goes in the daemon: frames to the client's
/// connection, a journal record, and the stage statistics.
struct ClientDelivery: JobDelivery {
    let responder: Responder
    let client: String
    let wantsTiming: Bool
    let journal: Journal
    let statistics: StageStatistics

    var isOpen: Bool { responder.isOpen }

    func progress(_ job: Job, done: Double, total: Double, final: ArraySlice<Segment>) {
        if !final.isEmpty { responder.send(.segments(requestID: job.requestID, final.map(Self.wire))) }
        responder.send(.progress(requestID: job.requestID, done: done, total: total))
    }

    private static func wire(_ segment: Segment) -> TranscriptionResult.Segment {
        .init(start: segment.start, end: segment.end, text: segment.text,
              words: segment.words.map { .init(word: $0.word, start: $0.start, end: $0.end, probability: $0.probability) })
    }

    func finish(_ job: Job, _ outcome: JobOutcome) {
        switch outcome {
        case .transcribed(let transcript, let report): deliver(job, transcript, report)
        case .failed(let error):
            responder.send(.error(requestID: job.requestID, error))
            let level: Journal.Priority = error.code == .internalError ? .error : .info
            journal.log(level, "request \(job.requestID) of \(client): \(error.message)", [
                "REQUEST_ID": String(job.requestID), "CLIENT": client, "OUTCOME": error.code.name,
            ])
        }
    }

    private func deliver(_ job: Job, _ transcript: Transcript, _ report: TimingReport) {
        statistics.record(report, audioSeconds: transcript.duration)
        responder.send(.result(TranscriptionResult(
            requestID: job.requestID, duration: transcript.duration,
            language: transcript.language ?? "", languageProbability: transcript.languageProbability,
            segments: transcript.segments.map(Self.wire),
            timings: wantsTiming ? report.wire : [])))
        let wall = (ContinuousClock.now - job.received).seconds
        let stage = { (path: String) in
            String(format: "%.1f", report.entries.first { $0.path == path }?.milliseconds ?? 0)
        }
        journal.log(.info, "transcribed \(String(format: "%.1f", transcript.duration)) s for \(client) in \(Int(wall * 1000)) ms", [
            "REQUEST_ID": String(job.requestID), "CLIENT": client,
            "AUDIO_SECONDS": String(format: "%.3f", transcript.duration),
            "WALL_MS": String(format: "%.1f", wall * 1000),
            "REALTIME_FACTOR": String(format: "%.4f", wall / max(transcript.duration, 0.001)),
            "QUEUE_MS": stage("total.queue"), "AUDIO_MS": stage("total.audio"), "MEL_MS": stage("total.mel"),
            "ENCODER_MS": stage("total.encoder"), "DECODER_MS": stage("total.decoder"),
            "POSTPROCESS_MS": stage("total.postprocess"),
            "OUTCOME": "ok",
        ])
    }
}
