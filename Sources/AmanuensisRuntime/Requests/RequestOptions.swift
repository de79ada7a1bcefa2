import AmanuensisCore
import AmanuensisProtocol

/// The one place a request's decoding options are made: the daemon's
/// defaults, then what the request asks for, validated before the request is
/// accepted. Every stream serves every valid option (its decoder state holds
/// `DecodingOptions.maximumSequences` sequences), so what validates here runs.
public enum RequestOptions {
    /// The options for `request` over `defaults`; a `badRequest` error names what is wrong.
    public static func decodingOptions(for request: TranscribeRequest, defaults: DecodingOptions) throws -> DecodingOptions {
        let promptBytes = request.initialPrompt.utf8.count
        guard promptBytes <= TranscribeRequest.maximumPromptBytes else {
            throw ProtocolError(.badRequest, "the initial prompt is \(promptBytes) bytes; the limit is \(TranscribeRequest.maximumPromptBytes)")
        }
        var options = defaults
        if request.beamSize > 0 { options.beamSize = Int(request.beamSize) }
        options.withoutTimestamps = request.withoutTimestamps
        options.initialPrompt = request.initialPrompt.isEmpty ? nil : request.initialPrompt
        do { try options.validate() } catch { throw ProtocolError(describing: error) }
        return options
    }

    /// Whether the request waits in the interactive queue: dictation and raw
    /// PCM ask for it; automatic means 30 s of audio or less.
    public static func isInteractive(_ request: TranscribeRequest, duration: Double) -> Bool {
        switch request.priority {
        case .interactive: true
        case .batch: false
        case .automatic: duration <= Double(AudioConstants.windowSeconds)
        }
    }
}
