/// The fixed geometry of Whisper's input, from which every other audio
/// constant is derived (Docs/whisper-reference.md §5).
public enum AudioConstants {
    /// Samples per second of the model's input.
    public static let sampleRate = 16_000
    /// Samples per FFT frame (25 ms).
    public static let fftSize = 400
    /// Samples between frames (10 ms).
    public static let hopLength = 160
    /// Seconds of audio one encoder window covers.
    public static let windowSeconds = 30
    /// Samples in one window: 480 000.
    public static let samplesPerWindow = sampleRate * windowSeconds
    /// Mel frames in one window: 3 000.
    public static let framesPerWindow = exactDivision(samplesPerWindow, hopLength)
    /// Mel frames per second: 100.
    public static let framesPerSecond = exactDivision(sampleRate, hopLength)
    /// Mel frames per encoder position and per timestamp step (20 ms): 2.
    public static let framesPerTimestamp = 2

    static func exactDivision(_ numerator: Int, _ denominator: Int) -> Int {
        precondition(numerator % denominator == 0, "\(numerator) is not a multiple of \(denominator)")
        return numerator / denominator
    }
}
