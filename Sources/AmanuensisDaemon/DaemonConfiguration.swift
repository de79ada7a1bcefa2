import AmanuensisCore
import AmanuensisProtocol
import AmanuensisRuntime
import Foundation

/// Everything the daemon can be told, from `amanuensisd.conf` (`ConfigurationFile`) with
/// command-line overrides. Every key is documented in amanuensisd.conf(5);
/// an unknown key or a bad value stops start-up with a message naming it.
struct DaemonConfiguration: Sendable, Equatable {
    var socket: String = DaemonConfiguration.defaultSocket()
    var model: String = ModelLocation.defaultDirectory("tiny.en")
    /// Streams made at start-up: transcriptions that run at once, each with
    /// its own mel window and decoder caches (the encoders are shared).
    var streams = 8
    /// The most streams the pool may grow to while requests wait; equal to
    /// `streams` (the default), it never grows.
    var maximumStreams = 8
    /// Streams added at a time when the pool grows.
    var streamGrowth = 1
    /// Windows encoded at once, each encoder with its own buffers; more
    /// than the cores would only share them.
    var encoders = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Whether a request alone on the daemon decodes with every core.
    var parallelDecoding = true
    /// `auto`: status and the journal say what it stood for.
    var computeType = ComputeType.auto
    /// Where the model runs: `auto` takes the CPU and says why not the NPU.
    var backend = BackendChoice.auto
    var beamSize = 1
    /// The language a request that names none is decoded in: a code of the
    /// model's, or `auto` to detect it (English-only models know only `en`).
    var language = "auto"
    var task = DecodingTask.transcribe
    /// Seconds without connections or work after which the daemon exits; 0 =
    /// never. Unset: 300 under socket activation, where systemd starts the
    /// next daemon for the next client, and never when started by hand.
    var idleExit: Double?
    var maximumFrameBytes = 1 << 20
    var maximumAudioSeconds = 4.0 * 3600
    /// The longest dictation (or, with daemon endpointing, utterance) a client may ask for.
    var maximumDictationSeconds = 600.0
    var maximumConnections = 256
    var maximumConnectionsPerUser = 128
    /// Seconds a client may take to finish a frame it started.
    var readTimeout = 10.0
    /// Seconds a connection may stay silent with nothing in flight.
    var idleTimeout = 300.0
    /// Seconds in-flight requests get to finish after SIGTERM.
    var drainTimeout = 30.0
    /// Requests that may wait for a compute stream; past this, `busy`.
    var maximumQueued = 256
    /// Seconds a request may wait for a compute stream; past this, `busy`.
    var queueTimeout = 60.0
    /// Empty lists allow everyone who can open the socket.
    var allowedUsers: [String] = []
    var allowedGroups: [String] = []

    static let systemPath = "/etc/amanuensis/amanuensisd.conf"

    /// `model` as given, a directory, or, as a bare name (`base`), the
    /// model of that name in the models directory.
    static func modelDirectory(_ model: String) -> String {
        model.contains("/") ? model : ModelLocation.defaultDirectory(model)
    }

    /// The files read, the first that exists, when `--config` names none: a
    /// user's daemon reads the user's own
    /// (`$XDG_CONFIG_HOME/amanuensis/amanuensisd.conf`, where
    /// `install.sh --user` puts it) before the system's.
    static func defaultPaths(uid: uid_t = getuid(), environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        guard uid != 0 else { return [systemPath] }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { $0 + "/.config" }
        return (config.map { ["\($0)/amanuensis/amanuensisd.conf"] } ?? []) + [systemPath]
    }

    static func defaultSocket(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if getuid() == 0 { return SocketAddresses.system }
        let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/user/\(getuid())"
        return SocketAddresses.user(runtimeDirectory: runtime)
    }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// Every key of the file, each with how it is read and whether a running
    /// daemon can apply it (the rest shape the socket, model and buffers made
    /// at start-up).
    static let keys: [Key] = [
        Key("socket", \.socket, restartOnly: true, Key.text),
        Key("model", \.model, restartOnly: true, Key.model),
        Key("streams", \.streams, restartOnly: true, Key.integer(1...64)),
        Key("max_streams", \.maximumStreams, restartOnly: true, Key.integer(1...64)),
        Key("stream_growth", \.streamGrowth, restartOnly: true, Key.integer(1...64)),
        Key("encoders", \.encoders, restartOnly: true, Key.integer(1...64)),
        Key("compute_type", \.computeType, restartOnly: true, Key.choice(ComputeType.self)),
        Key("backend", \.backend, restartOnly: true, Key.choice(BackendChoice.self)),
        Key("beam_size", \.beamSize, Key.integer(1...16)),
        Key("language", \.language, Key.text),
        Key("task", \.task, Key.choice(DecodingTask.self)),
        Key("parallel_decoding", \.parallelDecoding, Key.boolean),
        Key("idle_exit", \.idleExit, { try Key.seconds(0...31_536_000)($0) }),
        Key("max_frame_bytes", \.maximumFrameBytes, Key.integer(65_536...67_108_864)),
        Key("max_audio_seconds", \.maximumAudioSeconds, Key.seconds(1...86_400)),
        Key("max_dictation_seconds", \.maximumDictationSeconds, Key.seconds(1...86_400)),
        Key("max_connections", \.maximumConnections, Key.integer(1...65_536)),
        Key("max_connections_per_user", \.maximumConnectionsPerUser, Key.integer(1...65_536)),
        Key("read_timeout", \.readTimeout, Key.seconds(0.1...3600)),
        Key("idle_timeout", \.idleTimeout, Key.seconds(1...86_400)),
        Key("drain_timeout", \.drainTimeout, Key.seconds(0...3600)),
        Key("max_queued", \.maximumQueued, Key.integer(1...65_536)),
        Key("queue_timeout", \.queueTimeout, Key.seconds(0.1...3600)),
        Key("allowed_users", \.allowedUsers, Key.names),
        Key("allowed_groups", \.allowedGroups, Key.names),
    ]

    /// Applies the keys of a configuration file's text; names the file, the
    /// line and the key on error.
    mutating func apply(text: String, file: String) throws {
        let entries: [ConfigurationFile.Entry]
        do { entries = try ConfigurationFile(parsing: text).entries } catch let invalid as ConfigurationFile.Invalid {
            throw Invalid(description: "\(file):\(invalid.line): \(invalid.message)")
        }
        for entry in entries {
            guard let key = Self.keys.first(where: { $0.name == entry.key }) else {
                throw Invalid(description: "\(file):\(entry.line): unknown key '\(entry.key)'")
            }
            do { try key.read(&self, entry.value) } catch let expected as Key.Expected {
                throw Invalid(description: "\(file):\(entry.line): key '\(entry.key)': expected \(expected.what)")
            }
        }
    }

    /// A key of the file: its name and how its value is read into the configuration.
    struct Key: Sendable {
        let name: String
        let restartOnly: Bool
        let read: @Sendable (inout DaemonConfiguration, ConfigurationValue) throws -> Void
        let differs: @Sendable (DaemonConfiguration, DaemonConfiguration) -> Bool
        let copy: @Sendable (inout DaemonConfiguration, DaemonConfiguration) -> Void

        init<T: Equatable & Sendable>(_ name: String, _ path: WritableKeyPath<DaemonConfiguration, T> & Sendable,
                                      restartOnly: Bool = false, _ parse: @escaping @Sendable (ConfigurationValue) throws -> T) {
            self.name = name
            self.restartOnly = restartOnly
            read = { configuration, value in configuration[keyPath: path] = try parse(value) }
            differs = { $0[keyPath: path] != $1[keyPath: path] }
            copy = { $0[keyPath: path] = $1[keyPath: path] }
        }

        struct Expected: Error {
            let what: String
        }

        static func text(_ value: ConfigurationValue) throws -> String {
            guard case .string(let text) = value, !text.isEmpty else { throw Expected(what: "a non-empty string") }
            return text
        }

        /// A directory, or a name (no slash) of one under the models
        /// directory, as `Packaging/fetch-model.sh` names them.
        static func model(_ value: ConfigurationValue) throws -> String {
            DaemonConfiguration.modelDirectory(try text(value))
        }

        static func choice<T: RawRepresentable<String> & CaseIterable & Sendable>(_: T.Type) -> @Sendable (ConfigurationValue) throws -> T {
            let names = T.allCases.map(\.rawValue)
            let choices = Dictionary(uniqueKeysWithValues: T.allCases.map { ($0.rawValue, $0) })
            return { value in
                guard case .string(let name) = value, let choice = choices[name] else {
                    throw Expected(what: "one of \(names.joined(separator: ", "))")
                }
                return choice
            }
        }

        static func boolean(_ value: ConfigurationValue) throws -> Bool {
            guard case .boolean(let flag) = value else { throw Expected(what: "true or false") }
            return flag
        }

        static func integer(_ range: ClosedRange<Int>) -> @Sendable (ConfigurationValue) throws -> Int {
            { value in
                guard case .integer(let number) = value, range.contains(number) else {
                    throw Expected(what: "a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return number
            }
        }

        static func seconds(_ range: ClosedRange<Double>) -> @Sendable (ConfigurationValue) throws -> Double {
            { value in
                let number: Double
                switch value {
                case .float(let float): number = float
                case .integer(let integer): number = Double(integer)
                default: throw Expected(what: "a number of seconds from \(range.lowerBound) to \(range.upperBound)")
                }
                guard range.contains(number) else {
                    throw Expected(what: "a number of seconds from \(range.lowerBound) to \(range.upperBound)")
                }
                return number
            }
        }

        static func names(_ value: ConfigurationValue) throws -> [String] {
            guard case .array(let array) = value else { throw Expected(what: "a list of names") }
            return try array.map { element in
                guard case .string(let name) = element, !name.isEmpty else { throw Expected(what: "a list of names") }
                return name
            }
        }
    }
}
