/// Mono float samples at the model's rate (16 kHz, full scale ±1): what every
/// decoder produces and the feature extractor consumes.
public struct AudioSamples: Sendable {
    public var samples: [Float]

    public init(samples: [Float]) { self.samples = samples }

    public var duration: Double { Double(samples.count) / Double(AudioConstants.sampleRate) }
}
