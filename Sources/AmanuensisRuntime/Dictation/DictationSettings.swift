import AmanuensisCore

/// What a dictation was asked for, validated.
public struct DictationSettings: Sendable {
    /// Who says where the speech ends.
    public enum Endpointing: Hashable, Sendable {
        /// The client, by ending the dictation.
        case client
        /// The daemon: an utterance ends after `silence` seconds without
        /// voice, or after `maximumUtterance` seconds of it; its text is then
        /// committed whole, and the dictation goes on until the client ends it.
        case voice(silence: Double, maximumUtterance: Double)
    }

    public var format: RawPCMFormat
    public var options: DecodingOptions
    public var endpointing: Endpointing
    /// The longest dictation, in seconds of audio.
    public var maximumSeconds: Double
    /// New audio, in seconds, that makes a pass worth running.
    public var passInterval: Double
    /// The daemon's queue limit, which passes while the user speaks respect
    /// (one not queued is tried again with more audio); a final pass is
    /// always queued.
    public var maximumQueued: Int

    public init(format: RawPCMFormat, options: DecodingOptions, endpointing: Endpointing = .client,
                maximumSeconds: Double = 600, passInterval: Double = 1, maximumQueued: Int = 64) {
        self.format = format
        self.options = options
        self.endpointing = endpointing
        self.maximumSeconds = maximumSeconds
        self.passInterval = passInterval
        self.maximumQueued = maximumQueued
    }
}
