/// Opens a live dictation: `audio` frames in `format` as the user speaks,
/// then `audio-end` (the user stopped) or `cancel`. The daemon answers
/// `accepted`, then `commit` and `partial` (and `voice`) as it hears
/// speech, and the `result` once the dictation has ended.
public struct DictateRequest: Hashable, Sendable {
    /// Who says where the speech ends.
    public enum Endpointing: UInt8, Sendable, CaseIterable {
        /// The client, by ending the dictation.
        case client = 0
        /// The daemon commits each utterance whole after `silenceMilliseconds`
        /// without voice; the client still ends the dictation.
        case voice = 1
    }

    public var requestID: UInt32
    public var format: RawAudioFormat
    /// Reply with the dictation's timing tree.
    public var timing: Bool
    /// Send the volatile tail (`partial`) as well as the commits.
    public var partials: Bool
    public var endpointing: Endpointing
    /// In `voice` mode: silence that ends an utterance; 0 = 600 ms.
    public var silenceMilliseconds: UInt32
    /// The longest dictation (`client`) or utterance (`voice`), in seconds; 0 = the daemon's limit.
    public var maximumSeconds: UInt32
    /// The language, when detected, is detected once and kept.
    public var decoding: DecodingChoices

    /// Audio one `audio` frame of a dictation may carry.
    public static let maximumFrameSeconds = 0.5
    public static let defaultSilenceMilliseconds: UInt32 = 600

    public init(requestID: UInt32, format: RawAudioFormat, timing: Bool = false, partials: Bool = false,
                endpointing: Endpointing = .client, silenceMilliseconds: UInt32 = 0, maximumSeconds: UInt32 = 0,
                decoding: DecodingChoices = DecodingChoices()) {
        self.requestID = requestID
        self.format = format
        self.timing = timing
        self.partials = partials
        self.endpointing = endpointing
        self.silenceMilliseconds = silenceMilliseconds
        self.maximumSeconds = maximumSeconds
        self.decoding = decoding
    }
}
