/// The containers the daemon decodes, told apart by their first bytes before
/// any parser sees the rest. libsndfile reads some twenty more (AU, VOC,
/// IRCAM, MAT5, …), each a parser a hostile file could reach; nobody records
/// speech in them, so they are refused up front.
public enum AudioContainer: String, CaseIterable, Sendable {
    case wav = "WAV"
    case wave64 = "W64"
    case flac = "FLAC"
    case ogg = "OGG"
    case mp3 = "MP3"
    case aiff = "AIFF"
    case caf = "CAF"

    /// Bytes `identify` looks at.
    static let headerLength = 12

    /// The container whose signature `header` starts with, if it is one of ours.
    static func identify(_ header: [UInt8]) -> AudioContainer? {
        func starts(_ text: String, at offset: Int = 0) -> Bool {
            let signature = Array(text.utf8)
            return header.count >= offset + signature.count && Array(header[offset..<(offset + signature.count)]) == signature
        }
        if (starts("RIFF") || starts("RIFX") || starts("RF64")) && starts("WAVE", at: 8) { return .wav }
        if starts("riff") { return .wave64 }
        if starts("fLaC") { return .flac }
        if starts("OggS") { return .ogg }
        if starts("FORM") && (starts("AIFF", at: 8) || starts("AIFC", at: 8)) { return .aiff }
        if starts("caff") { return .caf }
        // An ID3v2 tag, or an MPEG audio frame's sync word (11 bits set) with layer bits not 00.
        if starts("ID3") { return .mp3 }
        if header.count >= 2, header[0] == 0xFF, header[1] & 0xE0 == 0xE0, header[1] & 0x06 != 0 { return .mp3 }
        return nil
    }

    /// The list for messages and documentation.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
