import AmanuensisCore
import AmanuensisProtocol

/// The one place a request's decoding options are made: the daemon's
/// defaults, then what the request asks for, validated before the request is
/// accepted. Every stream serves every valid option (its decoder state holds
/// `DecodingOptions.maximumSequences` sequences), so what validates here runs.
public enum RequestOptions {
    /// The options for `request` over `defaults`, for `model`; a
    /// `badRequest` error names what is wrong.
    public static func decodingOptions(for request: TranscribeRequest, defaults: DecodingOptions,
                                       model: WhisperModel) throws -> DecodingOptions {
        try decodingOptions(request.decoding, withoutTimestamps: request.withoutTimestamps, defaults: defaults, model: model)
    }

    /// A dictation's: always with timestamps, which place its commits.
    public static func decodingOptions(for request: DictateRequest, defaults: DecodingOptions,
                                       model: WhisperModel) throws -> DecodingOptions {
        guard !request.decoding.wordTimestamps else {
            throw ProtocolError(.badRequest, "word timestamps are for transcriptions; a dictation's commits carry their times")
        }
        return try decodingOptions(request.decoding, withoutTimestamps: false, defaults: defaults, model: model)
    }

    private static func decodingOptions(_ choices: DecodingChoices, withoutTimestamps: Bool, defaults: DecodingOptions,
                                        model: WhisperModel) throws -> DecodingOptions {
        let promptBytes = choices.initialPrompt.utf8.count
        guard promptBytes <= DecodingChoices.maximumPromptBytes else {
            throw ProtocolError(.badRequest, "the initial prompt is \(promptBytes) bytes; the limit is \(DecodingChoices.maximumPromptBytes)")
        }
        guard choices.language.utf8.count <= DecodingChoices.maximumLanguageBytes else {
            throw ProtocolError(.badRequest, "a language code of \(choices.language.utf8.count) bytes; codes are a few letters")
        }
        var options = defaults
        if choices.beamSize > 0 { options.beamSize = Int(choices.beamSize) }
        options.initialPrompt = choices.initialPrompt.isEmpty ? nil : choices.initialPrompt
        switch choices.language {
        case "": break
        case DecodingChoices.detectLanguage: options.language = nil
        case let code: options.language = code
        }
        switch choices.task {
        case .daemonDefault: break
        case .transcribe: options.task = .transcribe
        case .translate: options.task = .translate
        }
        options.wordTimestamps = choices.wordTimestamps
        options.withoutTimestamps = withoutTimestamps
        do { try options.validate(for: model) } catch { throw ProtocolError(describing: error) }
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
