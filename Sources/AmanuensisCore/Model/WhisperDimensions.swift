/// The sizes of one Whisper model, read from its tensors rather than from a
/// table of known models, so any Whisper size in CTranslate2 format loads.
public struct WhisperDimensions: Hashable, Sendable {
    public let melBins: Int
    public let width: Int
    public let heads: Int
    public let encoderLayers: Int
    public let decoderLayers: Int
    public let feedForward: Int
    public let audioPositions: Int
    public let textPositions: Int
    public let vocabularySize: Int

    public var headWidth: Int { width / heads }
}
