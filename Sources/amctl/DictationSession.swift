import AmanuensisProtocol
import AmanuensisTransport
import ArgumentParser
import CPosixShim
import Glibc

/// One dictation from amctl's side, on one thread: standard input and the
/// daemon's connection polled together, so audio goes out as it is read and
/// text comes out as it is committed. The first interrupt ends the
/// dictation, the second cancels it.
struct DictationSession {
    let client: DaemonClient
    let format: RawAudioFormat
    var printer: DictationPrinter
    private var ended = false
    private var cancelled = false
    private var interruptsSeen: Int32 = 0
    /// Bytes after the last whole frame read so far.
    private var carry: [UInt8] = []

    static let requestID: UInt32 = 1

    init(client: DaemonClient, format: RawAudioFormat, printer: DictationPrinter) {
        self.client = client
        self.format = format
        self.printer = printer
    }

    /// Runs until the final result, which it returns; throws the exit status otherwise.
    mutating func run() throws -> TranscriptionResult {
        // Half a second of audio per frame at most, as the daemon takes it.
        let chunk = format.bytesPerFrame * max(1, Int(format.sampleRate) / 2)
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            try noticeInterrupts()
            var descriptors = [pollfd(fd: client.connection.socket.descriptor, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: ended ? -1 : STDIN_FILENO, events: Int16(POLLIN), revents: 0)]
            if !client.connection.hasBufferedBytes, poll(&descriptors, 2, -1) < 0 {
                if errno == EINTR { continue }
                throw SystemError("poll")
            }
            if client.connection.hasBufferedBytes || descriptors[0].revents != 0 {
                repeat {
                    if let result = try handle(try receive()) { return result }
                } while client.connection.hasBufferedBytes
            }
            if descriptors[1].revents != 0 { try readStandardInput(into: &buffer) }
        }
    }

    private mutating func noticeInterrupts() throws {
        let interrupts = CPosixShim_interrupts()
        guard interrupts > interruptsSeen else { return }
        interruptsSeen = interrupts
        if !ended {
            try end()
        } else if !cancelled {
            cancelled = true
            try client.send(.cancel(requestID: Self.requestID))
        }
    }

    private mutating func readStandardInput(into buffer: inout [UInt8]) throws {
        let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count - carry.count) }
        if count < 0, errno == EINTR || errno == EAGAIN { return }
        guard count > 0 else { return try end() }
        carry += buffer[0..<count]
        let whole = carry.count - carry.count % format.bytesPerFrame
        guard whole > 0 else { return }
        try client.send(.audio(requestID: Self.requestID, bytes: Array(carry[0..<whole])))
        carry.removeFirst(whole)
    }

    private mutating func end() throws {
        ended = true
        if !carry.isEmpty {
            printError("stdin: warning: the last \(carry.count) bytes are not a whole \(format) frame; left out")
            carry = []
        }
        try client.send(.audioEnd(requestID: Self.requestID))
    }

    private func receive() throws -> DaemonMessage {
        do { return try client.receive() } catch let error as ProtocolError {
            printError(error.message)
            throw ExitStatus.of(error)
        }
    }

    /// Shows one message; returns the result once it has come.
    private mutating func handle(_ message: DaemonMessage) throws -> TranscriptionResult? {
        switch message {
        case .commit(_, let text):
            printer.commit(text)
        case .partial(_, let text):
            printer.partial(text)
        case .voice(_, let started, let at):
            printer.voice(started: started, at: at)
        case .result(let result):
            printer.final(result)
            return result
        case .error(_, let error):
            printer.failed(error)
            if error.code == .cancelled, cancelled { throw ExitStatus.transcriptionFailed }
            printError(error.message)
            throw error.code == .busy || error.code == .timeout ? ExitStatus.busy : ExitStatus.transcriptionFailed
        case .accepted, .welcome, .pong, .status, .stats, .progress, .segments:
            break
        }
        return nil
    }
}
