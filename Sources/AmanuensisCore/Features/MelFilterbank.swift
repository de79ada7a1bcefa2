import Foundation

/// librosa's `filters.mel(sr=16000, n_fft=400, n_mels=N)` with its defaults:
/// Slaney mel scale and Slaney area normalization (Docs/whisper-reference.md §5).
///
/// Each triangle covers a handful of FFT bins, so it is kept sparse: the
/// first bin and the non-zero weights. Built in double precision, as librosa
/// does, then rounded to float.
struct MelFilterbank: Sendable {
    struct Filter: Sendable {
        let firstBin: Int
        let weights: [Float]
    }

    let filters: [Filter]
    static let binCount = AudioConstants.fftSize / 2 + 1

    init(melBins: Int) {
        let sampleRate = Double(AudioConstants.sampleRate)
        let maximumMel = Self.hertzToMel(sampleRate / 2)
        let points = (0..<(melBins + 2)).map { Self.melToHertz(maximumMel * Double($0) / Double(melBins + 1)) }
        let binHertz = sampleRate / Double(AudioConstants.fftSize)
        filters = (0..<melBins).map { m in
            let (lower, centre, upper) = (points[m], points[m + 1], points[m + 2])
            let normalization = 2 / (upper - lower)
            var weights: [Float] = []
            var firstBin = -1
            for bin in 0..<Self.binCount {
                let hertz = Double(bin) * binHertz
                let rising = (hertz - lower) / (centre - lower)
                let falling = (upper - hertz) / (upper - centre)
                let weight = max(0, min(rising, falling)) * normalization
                if weight > 0 {
                    if firstBin < 0 { firstBin = bin }
                    weights.append(Float(weight))
                } else if firstBin >= 0 {
                    break
                }
            }
            return Filter(firstBin: max(firstBin, 0), weights: weights)
        }
    }

    /// Slaney: linear below 1 kHz (3 mels per 200 Hz), logarithmic above.
    static func hertzToMel(_ hertz: Double) -> Double {
        hertz < 1000 ? hertz * 3 / 200 : 15 + log(hertz / 1000) / (log(6.4) / 27)
    }

    static func melToHertz(_ mel: Double) -> Double {
        mel < 15 ? mel * 200 / 3 : 1000 * exp((mel - 15) * log(6.4) / 27)
    }
}
