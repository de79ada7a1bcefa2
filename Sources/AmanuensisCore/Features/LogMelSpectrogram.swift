import Foundation

/// Whisper's log-mel features (Docs/whisper-reference.md §5), computed one 30 s
/// window at a time so that memory does not grow with the length of the audio.
///
/// faster-whisper appends 160 zero samples, frames the result centred with
/// reflect padding, drops the last STFT column, and normalizes by the maximum
/// over *all* frames of the input. `prepare(_:)` makes that one pass over the
/// whole input, keeping the first window's frames, as most inputs are one
/// window; `window(…)` then computes only the frames of a window not kept.
/// Each stream owns one of these (it holds scratch space); it is not shared.
public final class LogMelSpectrogram {
    public let melBins: Int
    private let filterbank: MelFilterbank
    private let window: [Float]
    private let frame: UnsafeMutablePointer<Float>
    private let spectrum: UnsafeMutablePointer<Float>
    /// One frame's log10 mel values, where none is kept.
    private let column: UnsafeMutablePointer<Float>
    private var power: [Float]
    /// The log10 mel columns of the first window's frames, `[frame, melBins]`,
    /// as `prepare` computed them, and how many hold those of its input.
    private let kept: FloatBuffer
    private var keptFrames = 0
    private var preparedSamples = 0

    /// Zero samples appended to the input before framing, as faster-whisper does.
    static let trailingPadding = AudioConstants.hopLength

    public init(melBins: Int) {
        self.melBins = melBins
        filterbank = MelFilterbank(melBins: melBins)
        let n = AudioConstants.fftSize
        window = (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n))) }
        frame = .allocate(capacity: n)
        spectrum = .allocate(capacity: 2 * (n / 2 + 1))
        column = .allocate(capacity: melBins)
        power = [Float](repeating: 0, count: MelFilterbank.binCount)
        kept = FloatBuffer(count: AudioConstants.framesPerWindow * melBins, paging: .onTouch)
    }

    /// Bytes of the kept frames (960 KB for 80 bins), resident as far as inputs have used them.
    public var bytes: Int { kept.bytes }

    deinit {
        frame.deallocate()
        spectrum.deallocate()
        column.deallocate()
    }

    /// Frames that belong to the audio: ⌊samples / 160⌋.
    public static func contentFrames(sampleCount: Int) -> Int { sampleCount / AudioConstants.hopLength }

    /// The largest log10 mel value over every frame faster-whisper computes
    /// (the content frames and the one after them); the first window's
    /// frames are kept for `window`, which then reads `samples` only.
    public func prepare(_ samples: [Float]) -> Float {
        let frames = Self.contentFrames(sampleCount: samples.count) + 1
        keptFrames = min(frames, AudioConstants.framesPerWindow)
        preparedSamples = samples.count
        var maximum = -Float.infinity
        samples.withUnsafeBufferPointer { source in
            for t in 0..<frames {
                let values = t < keptFrames ? kept.pointer + t * melBins : column
                logMel(frame: t, of: source, into: values)
                for m in 0..<melBins where values[m] > maximum { maximum = values[m] }
            }
        }
        return maximum
    }

    /// Writes the normalized features of frames `start..<start+count` into
    /// `output`, laid out `[melBins, framesPerWindow]`, and fills the rest of
    /// each row with 0.0 (faster-whisper pads each window after normalizing).
    public func window(of samples: [Float], start: Int, count: Int, maximum: Float,
                       into output: UnsafeMutablePointer<Float>) {
        let width = AudioConstants.framesPerWindow
        precondition(count >= 0 && count <= width)
        precondition(samples.count == preparedSamples, "the window of an input `prepare` was not given")
        output.update(repeating: 0, count: melBins * width)
        let floor = maximum - 8
        samples.withUnsafeBufferPointer { source in
            for t in 0..<count {
                let frame = start + t
                let values = if frame < keptFrames { kept.pointer + frame * melBins } else {
                    logMel(frame: frame, of: source, into: column)
                }
                for m in 0..<melBins { output[m * width + t] = (Swift.max(values[m], floor) + 4) / 4 }
            }
        }
    }

    /// Writes log10 of the mel energies of frame `t`, before clamping and
    /// scaling, to `column`, and returns it.
    @discardableResult
    private func logMel(frame t: Int, of samples: UnsafeBufferPointer<Float>,
                        into column: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        let n = AudioConstants.fftSize
        let origin = t * AudioConstants.hopLength - n / 2
        let padded = samples.count + Self.trailingPadding
        if origin >= 0, origin + n <= samples.count {
            // Inside the audio, as every frame but the first and last few:
            // no reflection, whose division per sample cost more than the FFT.
            for i in 0..<n { frame[i] = samples[origin + i] * window[i] }
        } else {
            for i in 0..<n {
                let index = Self.reflect(origin + i, length: padded)
                frame[i] = (index < samples.count ? samples[index] : 0) * window[i]
            }
        }
        RealFFT.whisper.forward(frame, into: spectrum)
        for bin in 0..<MelFilterbank.binCount {
            let re = spectrum[2 * bin], im = spectrum[2 * bin + 1]
            power[bin] = re * re + im * im
        }
        for (m, filter) in filterbank.filters.enumerated() {
            var energy: Float = 0
            for (offset, weight) in filter.weights.enumerated() { energy += weight * power[filter.firstBin + offset] }
            column[m] = log10(Swift.max(energy, 1e-10))
        }
        return column
    }

    /// NumPy's "reflect" padding (mirror without repeating the edge sample),
    /// extended periodically for pads longer than the signal.
    static func reflect(_ index: Int, length: Int) -> Int {
        guard length > 1 else { return 0 }
        let period = 2 * (length - 1)
        var i = index % period
        if i < 0 { i += period }
        return i < length ? i : period - i
    }
}
