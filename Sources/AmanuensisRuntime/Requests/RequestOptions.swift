import AmanuensisCore
import AmanuensisProtocol

/// The one place a request's decoding options are made: the daemon's
/// defaults, then what the request asks for, validated before the request is
/// accepted. Every stream serves every valid option (its decoder state holds
/// `DecodingOptions.maximumSequences` sequences), so what validates here runs.
public enum RequestOptions {
    /// The options for `request` over `defaults`; a `badRequest` error names what is wrong.
    public static func decodingOptions(for request: TranscribeRequest, defaults: DecodingOptions) throws -> DecodingOptions {
        try decodingOptions(beamSize: request.beamSize, initialPrompt: request.initialPrompt,
                            withoutTimestamps: request.withoutTimestamps, defaults: defaults)
    }

    /// A dictation's: always with timestamps, which place its commits.
    public static func decodingOptions(for request: DictateRequest, defaults: DecodingOptions) throws -> DecodingOptions {
        try decodingOptions(beamSize: request.beamSize, initialPrompt: request.initialPrompt, withoutTimestamps: false,
                            defaults: defaults)
    }

    private static func decodingOptions(beamSize: UInt8, initialPrompt: String, withoutTimestamps: Bool,
                                        defaults: DecodingOptions) throws -> DecodingOptions {
        let promptBytes = initialPrompt.utf8.count
        guard promptBytes <= TranscribeRequest.maximumPromptBytes else {
            throw ProtocolError(.badRequest, "the initial prompt is \(promptBytes) bytes; the limit is \(TranscribeRequest.maximumPromptBytes)")
        }
        var options = defaults
        if beamSize > 0 { options.beamSize = Int(beamSize) }
        options.withoutTimestamps = withoutTimestamps
        options.initialPrompt = initialPrompt.isEmpty ? nil : initialPrompt
        do { try options.validate() } catch { throw ProtocolError(describing: error) }
        return options
    }

    /// The queue the request waits in: interactive when it asks (raw PCM
    /// does) or, by default, for 30 s of audio or less.
    public static func urgency(of request: TranscribeRequest, duration: Double) -> Job.Urgency {
        switch request.priority {
        case .interactive: .interactive
        case .batch: .batch
        case .automatic: duration <= Double(AudioConstants.windowSeconds) ? .interactive : .batch
        }
    }
}
