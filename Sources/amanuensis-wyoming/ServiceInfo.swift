import AmanuensisClient
import AmanuensisProtocol
import WyomingProtocol

/// The `info` event that answers `describe`: the daemon's model and its
/// languages, read from the daemon's status so that the peer is told what
/// the daemon serves now (a reload may change it).
enum ServiceInfo {
    static func event(daemonPath: String, streaming: Bool) throws -> WyomingEvent {
        let daemon = try DaemonConnection.open(path: daemonPath, client: "amanuensis-wyoming")
        try daemon.send(.status)
        guard case .status(let pairs) = try daemon.receive() else {
            throw ProtocolError(.malformedFrame, "the daemon did not answer status")
        }
        let status = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        let model = status["model_name"] ?? daemon.model
        let languages = (status["languages"] ?? "en").split(separator: " ").map { JSONValue.string(String($0)) }
        let whisper: JSONValue = .object(["name": .string("OpenAI"), "url": .string("https://github.com/openai/whisper")])
        let program: JSONValue = .object([
            "name": .string("amanuensis"),
            "attribution": whisper,
            "installed": .bool(true),
            "description": .string("Whisper speech-to-text by amanuensisd \(daemon.daemonVersion)"),
            "version": .string(daemon.daemonVersion),
            "models": .array([.object([
                "name": .string(model),
                "attribution": whisper,
                "installed": .bool(true),
                "description": .string("Whisper \(model)"),
                "version": .null,
                "languages": .array(languages),
            ])]),
            "supports_transcript_streaming": .bool(streaming),
        ])
        var data: [String: JSONValue] = ["asr": .array([program])]
        for kind in ["tts", "handle", "intent", "wake", "mic", "snd"] { data[kind] = .array([]) }
        return WyomingEvent(type: "info", data: data)
    }
}
