/// Headerless PCM as a client declares it, written `s16le:16000:1`
/// (encoding, rate, channels) on the command line and carried as three
/// fields on the wire. Only the syntax is checked here; the daemon decides
/// which rates and channel counts it accepts.
public struct RawAudioFormat: Hashable, Sendable, CustomStringConvertible {
    public enum Encoding: UInt8, CaseIterable, Sendable {
        case s16le = 0, s32le = 1, f32le = 2

        public var name: String {
            switch self {
            case .s16le: "s16le"
            case .s32le: "s32le"
            case .f32le: "f32le"
            }
        }
    }

    public var encoding: Encoding
    public var sampleRate: UInt32
    public var channels: UInt8

    /// Bytes of one sample of every channel.
    public var bytesPerFrame: Int { (encoding == .s16le ? 2 : 4) * Int(channels) }

    public init(encoding: Encoding, sampleRate: UInt32, channels: UInt8) {
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// Parses `ENCODING:RATE:CHANNELS`, e.g. `s16le:16000:1`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw ProtocolError(.badRequest, "raw format '\(text)' is not ENCODING:RATE:CHANNELS (e.g. s16le:16000:1)")
        }
        guard let encoding = Encoding.allCases.first(where: { $0.name == parts[0] }) else {
            let names = Encoding.allCases.map(\.name).joined(separator: ", ")
            throw ProtocolError(.badRequest, "raw encoding '\(parts[0])' is not one of \(names)")
        }
        guard let rate = UInt32(parts[1]), let channels = UInt8(parts[2]) else {
            throw ProtocolError(.badRequest, "raw format '\(text)': the rate and the channel count must be whole numbers")
        }
        self.init(encoding: encoding, sampleRate: rate, channels: channels)
    }

    public var description: String { "\(encoding.name):\(sampleRate):\(channels)" }
}
