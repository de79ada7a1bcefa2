import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
import AmanuensisTransport
import ArgumentParser
import CPosixShim
import Dispatch
import Foundation

/// amanuensisd(8): loads the model, listens on a Unix socket (or on the one
/// systemd passes), and transcribes for its clients until told to stop.
public struct Daemon: ParsableCommand, Sendable {
    public static let configuration = CommandConfiguration(
        commandName: "amanuensisd",
        abstract: "The Amanuensis speech-to-text daemon.",
        discussion: "Serves transcriptions on a Unix socket. See amanuensisd(8) and amanuensisd.conf(5).",
        version: DaemonContext.version)

    @Option(name: .long, help: "Configuration file (default: the user's, for a user's daemon, else /etc/amanuensis/amanuensisd.conf; see amanuensisd(8)).")
    var config: String?

    @Option(name: .long, help: "Socket to bind when systemd passes none.")
    var socket: String?

    @Option(name: .long, help: "Model directory, or the name of one in the models directory (tiny.en, base).")
    var model: String?

    @Option(name: .long, help: "Transcriptions that run at once.")
    var streams: Int?

    @Option(name: .long, help: "Default beam size (1 = greedy).")
    var beamSize: Int?

    @Option(name: .long, help: ArgumentHelp("Default language: a code of the model's, or auto to detect it.", valueName: "code"))
    var language: String?

    @Option(name: .long, help: ArgumentHelp("Default task: \(DecodingTask.allCases.map(\.rawValue).joined(separator: ", ")).",
                                            valueName: "task"))
    var task: String?

    @Option(name: .long, help: ArgumentHelp("Arithmetic of the model's products: \(ComputeType.allCases.map(\.rawValue).joined(separator: ", ")).",
                                            valueName: "type"))
    var computeType: String?

    @Option(name: .long, help: ArgumentHelp("Where the model runs: \(BackendChoice.allCases.map(\.rawValue).joined(separator: ", ")).",
                                            valueName: "backend"))
    var backend: String?

    @Option(name: .long, help: "Exit after this many idle seconds (0 = never).")
    var idleExit: Double?

    public init() {}

    public func validate() throws {
        if let streams, !(1...64).contains(streams) { throw ValidationError("--streams must be 1 to 64") }
        if let beamSize, !(1...16).contains(beamSize) { throw ValidationError("--beam-size must be 1 to 16") }
        if let idleExit, idleExit < 0 { throw ValidationError("--idle-exit must not be negative") }
        if let computeType, ComputeType(rawValue: computeType) == nil {
            throw ValidationError("--compute-type must be one of \(ComputeType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let task, DecodingTask(rawValue: task) == nil {
            throw ValidationError("--task must be one of \(DecodingTask.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let backend, BackendChoice(rawValue: backend) == nil {
            throw ValidationError("--backend must be one of \(BackendChoice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// The file's configuration with the command line's overrides applied.
    func overriding(_ file: DaemonConfiguration) -> DaemonConfiguration {
        var configuration = file
        if let socket { configuration.socket = socket }
        if let model { configuration.model = DaemonConfiguration.modelDirectory(model) }
        if let streams { configuration.streams = streams }
        if let beamSize { configuration.beamSize = beamSize }
        if let language { configuration.language = language }
        if let type = task.flatMap(DecodingTask.init(rawValue:)) { configuration.task = type }
        if let idleExit { configuration.idleExit = idleExit }
        if let type = computeType.flatMap(ComputeType.init(rawValue:)) { configuration.computeType = type }
        if let choice = backend.flatMap(BackendChoice.init(rawValue:)) { configuration.backend = choice }
        return configuration
    }

    public func run() throws {
        Signals.blockHandledSignals()
        // Request-sized blocks (decoded audio, results) come and go with every
        // request. glibc raises its mmap threshold to the largest block freed,
        // after which such blocks come from its heaps, which fragment and
        // seldom shrink: resident memory would creep with the mix of requests.
        // A fixed threshold keeps them mapped, and given back whole when freed.
        _ = CPosixShim_fix_mmap_threshold(256 << 10)
        let journal = Journal()
        let fromFile: DaemonConfiguration
        do { fromFile = try Self.fileConfiguration(path: config) } catch {
            journal.log(.error, "\(error)")
            throw ExitCode(78)
        }
        do { try serve(overriding(fromFile), fromFile: fromFile, journal: journal) } catch let error as BackendError {
            journal.log(.error, "\(error)", ["BACKEND": "npu"])
            Notifier.stopping()
            throw ExitCode(BackendError.exitCode)
        } catch {
            journal.log(.error, "\(error)")
            Notifier.stopping()
            throw ExitCode.failure
        }
    }

    private func serve(_ configuration: DaemonConfiguration, fromFile: DaemonConfiguration, journal: Journal) throws {
        let access = try AccessPolicy(users: configuration.allowedUsers, groups: configuration.allowedGroups)
        // Before anything is loaded: `backend = npu` that cannot run is refused at once.
        let backend = try BackendSelection.select(choice: configuration.backend, discovery: NPUDiscovery().find()).get()
        let listener = try Listener.open(path: configuration.socket)
        defer { listener.remove() }
        let loadStarted = ContinuousClock.now
        let whisper = try WhisperModel(directory: URL(fileURLWithPath: configuration.model),
                                       computeType: configuration.computeType)
        let runtime = try Runtime(model: whisper, configuration: configuration.runtime, backend: backend) { message in
            journal.log(.notice, message)
        }
        let context = DaemonContext(configuration: configuration, fromFile: fromFile, journal: journal, runtime: runtime)
        journal.log(.notice, "ready on \(listener.description): model \(configuration.model), backend \(backend.status), \(whisper.computeType), \(Journal.counted(configuration.streams, "stream"))", [
            "MODEL": configuration.model, "BACKEND": backend.status, "COMPUTE_TYPE": whisper.computeType.rawValue,
            "STREAMS": String(configuration.streams),
            "LOAD_MS": String(format: "%.1f", (ContinuousClock.now - loadStarted).seconds * 1000),
            "MODEL_BYTES": String(whisper.weightBytes), "WORKSPACE_BYTES": String(runtime.workspaceBytes),
            "RSS_BYTES": String(DaemonContext.residentBytes()),
        ])
        Notifier.ready(status: context.statusLine)

        let stop = DispatchSemaphore(value: 0)
        Signals.startListening { event in
            switch event {
            case .stop(let signal):
                journal.log(.notice, "signal \(signal): stopping")
                stop.signal()
            case .reload:
                Self.reload(context: context, path: config)
            }
        }
        startAccepting(listener, context: context, access: access)
        startMonitor(context: context, stop: stop, socketActivated: listener.ownedPath == nil)

        stop.wait()
        Notifier.stopping()
        listener.stop()
        let drained = context.drain(timeout: configuration.drainTimeout)
        let told = context.sessions.sayGoodbye(ProtocolError(.shuttingDown, "the daemon is shutting down"))
        journal.log(.notice, drained ? "stopped" : "stopped with requests unfinished after \(configuration.drainTimeout) s", [
            "RSS_BYTES": String(DaemonContext.residentBytes()), "CONNECTIONS_CLOSED": String(told),
        ])
    }

    /// SIGHUP: re-reads the file, applies what can change live, and logs
    /// what needs a restart. A file that no longer parses changes nothing.
    private static func reload(context: DaemonContext, path: String?) {
        Notifier.reloading()
        defer { Notifier.ready(status: context.statusLine) }
        let fresh: DaemonConfiguration
        do { fresh = try fileConfiguration(path: path) } catch {
            context.journal.log(.warning, "reload: \(error); keeping the running configuration")
            return
        }
        do { try fresh.decodingOptions.validate(for: context.runtime.model) } catch {
            context.journal.log(.warning, "reload: \(error); keeping the running configuration")
            return
        }
        let (applied, restart) = context.reload(file: fresh)
        var message = applied.isEmpty && restart.isEmpty ? "reload: no change" : "reload:"
        if !applied.isEmpty { message += " applied \(applied.joined(separator: ", "))" }
        if !restart.isEmpty { message += (applied.isEmpty ? "" : ";") + " \(restart.joined(separator: ", ")) need a restart" }
        context.journal.log(.notice, message)
    }

    /// The defaults with the file's keys applied: `path`, or the default
    /// file when it exists, or nothing.
    static func fileConfiguration(path: String?) throws -> DaemonConfiguration {
        var configuration = DaemonConfiguration()
        let file = path ?? DaemonConfiguration.defaultPaths().first { FileManager.default.fileExists(atPath: $0) }
        if let file {
            let text: String
            do { text = try ConfigurationFile.read(path: file) } catch {
                throw DaemonConfiguration.Invalid(description: "\(file): \(error)")
            }
            try configuration.apply(text: text, file: file)
        }
        return configuration
    }

    private func startAccepting(_ listener: Listener, context: DaemonContext, access: AccessPolicy) {
        NamedThread.start("amanuensisd-accept") {
            while let socket = listener.accept() {
                Self.startSession(socket, context: context, access: access)
            }
        }
    }

    private static func startSession(_ socket: UnixSocket, context: DaemonContext, access: AccessPolicy) {
        let refuse = { (error: ProtocolError) in
            let connection = MessageConnection(socket: socket)
            try? socket.setSendTimeout(seconds: 1)
            try? connection.send(DaemonMessage.error(requestID: 0, error).encoded())
        }
        guard let peer = try? socket.peerCredentials() else { return }
        guard access.allows(peer) else {
            context.journal.log(.warning, "refused uid \(peer.uid) pid \(peer.pid): not in the allow list", ["CLIENT_UID": String(peer.uid)])
            return refuse(ProtocolError(.permissionDenied, "uid \(peer.uid) is not allowed to use this daemon"))
        }
        do { try context.openConnection(uid: peer.uid) } catch let error as ProtocolError {
            return refuse(error)
        } catch { return }
        NamedThread.start("amanuensisd-session") {
            Session(socket: socket, peer: peer, context: context).run()
            context.closeConnection(uid: peer.uid)
        }
    }

    /// Once a second: watchdog pings, the status line, and the idle exit.
    private func startMonitor(context: DaemonContext, stop: DispatchSemaphore, socketActivated: Bool) {
        let watchdog = Notifier.watchdogInterval
        NamedThread.start("amanuensisd-monitor") {
            var lastStatus = ""
            while true {
                Thread.sleep(forTimeInterval: min(1, (watchdog ?? 2) / 2))
                if watchdog != nil { Notifier.watchdog() }
                context.runtime.expireWaiting(olderThan: context.configuration.queueTimeout)
                let status = context.statusLine
                if status != lastStatus {
                    Notifier.status(status)
                    lastStatus = status
                }
                // Read each time: SIGHUP may change it.
                let idleExit = context.configuration.idleExit ?? (socketActivated ? 300 : 0)
                if idleExit > 0, context.idleSeconds >= idleExit {
                    context.journal.log(.notice, "idle for \(idleExit) s: exiting")
                    stop.signal()
                    return
                }
            }
        }
    }
}
