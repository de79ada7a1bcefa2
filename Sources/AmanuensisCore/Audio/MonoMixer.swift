/// Collects interleaved frames of any channel count as one mono track, the
/// mean of the channels, checking the duration limit as it grows so a lying
/// header or an endless stream is cut off at the limit, not at memory's end.
struct MonoMixer {
    let channels: Int
    let sampleRate: Int
    let limits: AudioLimits
    private(set) var samples: [Float] = []

    init(channels: Int, sampleRate: Int, limits: AudioLimits) throws {
        try limits.check(sampleRate: sampleRate, channels: channels)
        self.channels = channels
        self.sampleRate = sampleRate
        self.limits = limits
    }

    mutating func append(interleaved: UnsafeBufferPointer<Float>) throws {
        let frames = interleaved.count / channels
        try limits.check(frames: samples.count + frames, sampleRate: sampleRate)
        if channels == 1 {
            samples.append(contentsOf: interleaved)
            return
        }
        let scale = 1 / Float(channels)
        for frame in 0..<frames {
            var sum: Float = 0
            for channel in 0..<channels { sum += interleaved[frame * channels + channel] }
            samples.append(sum * scale)
        }
    }

    /// The mono track at 16 kHz.
    func finish() throws -> AudioSamples {
        guard !samples.isEmpty else { throw AudioError(.empty, "the audio contains no samples") }
        return AudioSamples(samples: try Resampler.toModelRate(samples, from: sampleRate))
    }
}
