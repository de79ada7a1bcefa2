/// Headerless PCM: encoding, rate and channels, checked against the limits
/// (the protocol's `RawAudioFormat` is the same three fields, unchecked).
public struct RawPCMFormat: Hashable, Sendable, CustomStringConvertible {
    public enum Encoding: String, CaseIterable, Sendable {
        case s16le, s32le, f32le

        public var bytesPerSample: Int { self == .s16le ? 2 : 4 }
    }

    public let encoding: Encoding
    public let sampleRate: Int
    public let channels: Int

    public init(encoding: Encoding, sampleRate: Int, channels: Int, limits: AudioLimits = AudioLimits()) throws {
        try limits.check(sampleRate: sampleRate, channels: channels)
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
    }

    public var description: String { "\(encoding.rawValue):\(sampleRate):\(channels)" }

    public var bytesPerFrame: Int { encoding.bytesPerSample * channels }

    /// Decodes a complete stream of frames to mono 16 kHz.
    public func decode(_ bytes: some Collection<UInt8>, limits: AudioLimits = AudioLimits()) throws -> AudioSamples {
        var decoder = try RawPCMDecoder(format: self, limits: limits)
        try decoder.append(bytes)
        return try decoder.finish()
    }
}

/// Decodes raw PCM as it arrives, in chunks that need not end on a frame
/// boundary: the daemon feeds it socket reads as they come.
public struct RawPCMDecoder {
    public let format: RawPCMFormat
    private var mixer: MonoMixer
    private var carry: [UInt8] = []
    private var scratch: [Float] = []

    public init(format: RawPCMFormat, limits: AudioLimits = AudioLimits()) throws {
        self.format = format
        mixer = try MonoMixer(channels: format.channels, sampleRate: format.sampleRate, limits: limits)
    }

    public mutating func append(_ bytes: some Collection<UInt8>) throws {
        carry.append(contentsOf: bytes)
        let sampleBytes = format.encoding.bytesPerSample
        let usable = carry.count - carry.count % format.bytesPerFrame
        guard usable > 0 else { return }
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(usable / sampleBytes)
        carry.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: usable, by: sampleBytes) {
                let sample: Float = switch format.encoding {
                case .s16le: Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self))) / 32_768
                case .s32le: Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))) / 2_147_483_648
                case .f32le: Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                }
                scratch.append(sample)
            }
        }
        carry.removeFirst(usable)
        try scratch.withUnsafeBufferPointer { try mixer.append(interleaved: $0) }
    }

    /// Moves the samples decoded so far to the end of `destination`: a live
    /// stream takes them as they come, and the decoder holds none.
    public mutating func takeSamples(appendingTo destination: inout [Float]) {
        mixer.takeSamples(appendingTo: &destination)
    }

    /// Samples held so far, mono at 16 kHz: what the stream costs in memory.
    public var sampleCount: Int { mixer.samples.count }

    /// Bytes after the last whole frame: a recorder stopped mid-frame.
    public var strayBytes: Int { carry.count }

    /// The whole stream as mono 16 kHz, without the stray bytes of a last
    /// partial frame (`strayBytes`); empty when it held no whole frame.
    public mutating func finish() throws -> AudioSamples {
        try mixer.finish()
    }
}
