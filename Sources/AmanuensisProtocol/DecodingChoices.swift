/// What a client chooses about how its audio is decoded, the same for a
/// transcription and a dictation. A zero or an empty field leaves the
/// daemon's default.
public struct DecodingChoices: Hashable, Sendable {
    public enum Task: UInt8, Sendable, CaseIterable {
        case daemonDefault = 0
        /// Text in the language spoken.
        case transcribe = 1
        /// Text in English, whatever was spoken (multilingual models).
        case translate = 2
    }

    /// 1 = greedy; 0 = the daemon's default.
    public var beamSize: UInt8
    /// Empty for none; at most `maximumPromptBytes` of UTF-8.
    public var initialPrompt: String
    /// A language code of the model's (`de`), `auto` to detect it, or empty
    /// for the daemon's default.
    public var language: String
    public var task: Task
    /// Time every word (transcriptions only).
    public var wordTimestamps: Bool

    /// The longest initial prompt a daemon accepts. Whisper reads only the
    /// last 223 tokens of a prompt; this is several times that.
    public static let maximumPromptBytes = 4096
    /// The longest language code: Whisper's are two or three letters (`haw`).
    public static let maximumLanguageBytes = 16
    /// The language that asks for detection.
    public static let detectLanguage = "auto"

    public init(beamSize: UInt8 = 0, initialPrompt: String = "", language: String = "", task: Task = .daemonDefault,
                wordTimestamps: Bool = false) {
        self.beamSize = beamSize
        self.initialPrompt = initialPrompt
        self.language = language
        self.task = task
        self.wordTimestamps = wordTimestamps
    }
}

extension WireWriter {
    mutating func decodingChoices(_ choices: DecodingChoices) {
        u8(choices.beamSize); string(choices.initialPrompt); string(choices.language); u8(choices.task.rawValue)
        bool(choices.wordTimestamps)
    }
}

extension WireReader {
    mutating func decodingChoices() throws -> DecodingChoices {
        let beam = try u8("beam size")
        // Only the frame bounds the strings here: their own limits are the
        // request's to check, so an oversize field fails that request alone.
        let prompt = try string("initial prompt", limit: Frame.defaultMaximumSize)
        let language = try string("language", limit: Frame.defaultMaximumSize)
        let taskByte = try u8("task")
        guard let task = DecodingChoices.Task(rawValue: taskByte) else {
            throw ProtocolError(.malformedFrame, "unknown task \(taskByte)")
        }
        return DecodingChoices(beamSize: beam, initialPrompt: prompt, language: language, task: task,
                               wordTimestamps: try bool("word timestamps flag"))
    }
}
