import AmanuensisClient
import AmanuensisProtocol
import AmanuensisTransport
import ArgumentParser
import Glibc

/// The files of one `amctl transcribe` call, sent over one connection as
/// many at a time as the daemon takes from a connection, their results handed
/// on in the order the files were given.
///
/// Each file is opened here and its descriptor passed, and kept open until
/// its result is in, so a retry after `busy` sends the same file. A daemon
/// that is shutting down is reconnected to, and what it had not answered is
/// sent again.
struct FileBatch {
    let files: [String]
    let retrying: Bool
    /// Whether to show the progress of the (only) file on standard error.
    let progress: Bool
    let request: (UInt32) -> TranscribeRequest

    private enum Outcome {
        case result(TranscriptionResult)
        case failed(ExitCode)
    }

    private var descriptors: [Int: Int32] = [:]
    private var inFlight: [UInt32: Int] = [:]
    /// Files answered `busy`, each with when to send it again.
    private var waiting: [(file: Int, at: ContinuousClock.Instant)] = []
    private var backoffs: [Int: Backoff] = [:]
    private var outcomes: [Int: Outcome] = [:]
    private var opened = 0
    private var handedOn = 0
    private var nextID: UInt32 = 1
    private var failure: ExitCode?
    /// The daemon is shutting down: once its answers to what is in flight
    /// are in, the rest goes to the one socket activation starts next.
    private var reconnect = false

    init(files: [String], retrying: Bool, progress: Bool, request: @escaping (UInt32) -> TranscribeRequest) {
        self.files = files
        self.retrying = retrying
        self.progress = progress
        self.request = request
    }

    /// Transcribes every file; `deliver` gets each result in file order and
    /// says whether it could be written. Throws the exit status of the worst
    /// failure: busy (4) over a failed transcription (1); an unreachable
    /// daemon (3) stops the batch at once.
    mutating func run(client: inout DaemonClient, connection: ConnectionOptions,
                      stream: ([TranscriptionResult.Segment]) -> Void,
                      deliver: (TranscriptionResult, String) -> Bool) throws {
        defer { for descriptor in descriptors.values { close(descriptor) } }
        while true {
            handOn(deliver)
            guard handedOn < files.count else { break }
            try fillWindow(client: &client, connection: connection)
            if inFlight.isEmpty {
                if let soonest = waiting.map(\.at).min() { sleepUntil(soonest) }
                continue
            }
            let message: DaemonMessage
            do { message = try client.receive() } catch let error as ProtocolError {
                guard error.code == .shuttingDown else {
                    printError(error.message)
                    throw ExitStatus.of(error)
                }
                // Nothing in flight will be answered: all of it goes again.
                waiting += inFlight.values.map { ($0, ContinuousClock.now) }
                inFlight = [:]
                reconnect = true
                continue
            }
            handle(message, stream: stream)
        }
        if let failure { throw failure }
    }

    /// Sends files until the connection holds as many requests as it may:
    /// first those whose retry is due, then the next unopened file.
    private mutating func fillWindow(client: inout DaemonClient, connection: ConnectionOptions) throws {
        if reconnect {
            guard inFlight.isEmpty else { return }
            usleep(200_000)
            client = try DaemonClient.connect(connection)
            reconnect = false
        }
        while inFlight.count < TranscribeRequest.maximumInFlightPerConnection {
            let now = ContinuousClock.now
            let file: Int
            if let due = waiting.firstIndex(where: { $0.at <= now }) {
                file = waiting.remove(at: due).file
            } else if opened < files.count {
                file = opened
                opened += 1
                let descriptor = open(files[file], O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else {
                    printError("\(files[file]): \(String(cString: strerror(errno)))")
                    outcomes[file] = .failed(ExitStatus.transcriptionFailed)
                    continue
                }
                descriptors[file] = descriptor
            } else {
                return
            }
            let id = nextID
            nextID += 1
            do {
                try client.send(.transcribe(request(id)), attaching: descriptors[file])
            } catch let failure as SystemError {
                let said = client.lastWords(after: failure)
                printError("\(files[file]): \(said.message)")
                throw ExitStatus.of(said)
            }
            inFlight[id] = file
        }
    }

    private mutating func handle(_ message: DaemonMessage, stream: ([TranscriptionResult.Segment]) -> Void) {
        switch message {
        case .segments(let id, let segments):
            // Only one file's text is streamed (`ResultWriter.streamsText`).
            if files.count == 1, inFlight[id] != nil { stream(segments) }
        case .progress(let id, let done, let total):
            if progress, inFlight[id] != nil {
                printDiagnostic("\r\(files[0]): \(Formatting.fixed(done, 0)) of \(Formatting.fixed(total, 0)) s\u{1B}[K")
            }
        case .result(let result):
            guard let file = inFlight.removeValue(forKey: result.requestID) else { return }
            clearProgress()
            outcomes[file] = .result(result)
        case .error(let id, let error):
            guard let file = inFlight.removeValue(forKey: id) else { return }
            clearProgress()
            if error.code == .shuttingDown { reconnect = true }
            if error.code == .busy || error.code == .shuttingDown, retrying, let delay = backoffs[file, default: Backoff()].next() {
                waiting.append((file, ContinuousClock.now + .milliseconds(Int(delay * 1000))))
                return
            }
            printError("\(files[file]): \(error.message)")
            outcomes[file] = .failed(error.code == .busy || error.code == .timeout ? ExitStatus.busy : ExitStatus.transcriptionFailed)
        case .accepted, .welcome, .pong, .status, .stats, .commit, .partial, .voice:
            return
        }
    }

    /// Hands on the outcomes that are next in file order, and closes their files.
    private mutating func handOn(_ deliver: (TranscriptionResult, String) -> Bool) {
        while let outcome = outcomes.removeValue(forKey: handedOn) {
            if let descriptor = descriptors.removeValue(forKey: handedOn) { close(descriptor) }
            switch outcome {
            case .result(let result):
                if !deliver(result, files[handedOn]) { fail(ExitStatus.transcriptionFailed) }
            case .failed(let code):
                fail(code)
            }
            handedOn += 1
        }
    }

    private mutating func fail(_ code: ExitCode) {
        if failure != ExitStatus.busy { failure = code }
    }

    private func clearProgress() {
        if progress { printDiagnostic("\r\u{1B}[K") }
    }

    private func sleepUntil(_ instant: ContinuousClock.Instant) {
        let wait = instant - ContinuousClock.now
        if wait > .zero { usleep(UInt32(wait.components.seconds * 1_000_000 + wait.components.attoseconds / 1_000_000_000_000)) }
    }
}
