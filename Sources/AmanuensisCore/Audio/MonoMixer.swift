/// Collects interleaved frames of any channel count as one mono track at the
/// model's 16 kHz: the mean of the channels, clipped to full scale and
/// resampled as it arrives. The duration limit is checked as the track
/// grows, so a lying header or an endless stream is cut off at the limit,
/// not at memory's end.
///
/// Clipping to ±1 is what faster-whisper's decoding does too (through 16-bit
/// PCM): a float file may hold any finite value, and one near 1e19 would
/// overflow the spectrogram's power into infinity and the decoder into NaN.
struct MonoMixer {
    let channels: Int
    let sampleRate: Int
    let limits: AudioLimits
    private let resampler: Resampler?
    /// Input frames seen, at `sampleRate`: what the duration limit counts.
    private var frames = 0
    private var mono: [Float] = []
    private(set) var samples: [Float] = []

    init(channels: Int, sampleRate: Int, limits: AudioLimits) throws {
        try limits.check(sampleRate: sampleRate, channels: channels)
        self.channels = channels
        self.sampleRate = sampleRate
        self.limits = limits
        resampler = sampleRate == AudioConstants.sampleRate ? nil : try Resampler(from: sampleRate)
    }

    /// Appends whole frames; non-finite samples are refused.
    mutating func append(interleaved: UnsafeBufferPointer<Float>) throws {
        let count = interleaved.count / channels
        try limits.check(frames: frames + count, sampleRate: sampleRate)
        frames += count
        mono.removeAll(keepingCapacity: true)
        mono.reserveCapacity(count)
        let scale = 1 / Float(channels)
        for frame in 0..<count {
            var sum: Float = 0
            for channel in 0..<channels { sum += interleaved[frame * channels + channel] }
            guard sum.isFinite else { throw AudioError(.corrupt, "the audio contains non-finite samples") }
            mono.append(min(max(sum * scale, -1), 1))
        }
        if let resampler {
            try mono.withUnsafeBufferPointer { try resampler.convert($0, appendingTo: &samples) }
        } else {
            samples += mono
        }
    }

    mutating func takeSamples(appendingTo destination: inout [Float]) {
        destination += samples
        samples.removeAll(keepingCapacity: true)
    }

    /// The mono track at 16 kHz; none at all is an empty track (a tap of a
    /// push-to-talk key records nothing), which transcribes to empty text.
    mutating func finish() throws -> AudioSamples {
        guard frames > 0 else { return AudioSamples(samples: []) }
        try resampler?.finish(appendingTo: &samples)
        return AudioSamples(samples: samples)
    }
}
