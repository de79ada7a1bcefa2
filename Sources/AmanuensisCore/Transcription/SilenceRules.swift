import Foundation

/// Decides whether a window holds speech at all. Whisper always writes
/// something, so without these rules silence and noise come out as "You" or
/// "Thank you.".
struct SilenceRules {
    let options: DecodingOptions

    /// Samples per level measurement (100 ms).
    private static let blockLength = AudioConstants.sampleRate / 10

    /// Whether `samples` is below the silence level throughout, measured as
    /// the RMS of each 100 ms block.
    func isQuiet(_ samples: ArraySlice<Float>) -> Bool {
        guard let level = options.silenceLevel else { return false }
        let threshold = Float(pow(10, level / 20))
        let limit = threshold * threshold * Float(Self.blockLength)
        var start = samples.startIndex
        while start < samples.endIndex {
            let end = min(start + Self.blockLength, samples.endIndex)
            var energy: Float = 0
            for sample in samples[start..<end] { energy += sample * sample }
            // Partial blocks are judged as if padded with silence.
            if energy > limit { return false }
            start = end
        }
        return true
    }

    func judge(_ result: DecodingResult) -> SilenceVerdict {
        let noSpeech = result.noSpeechProbability, logProbability = result.averageLogProbability
        if let threshold = options.noSpeechThreshold, noSpeech > threshold,
           !(options.logProbThreshold.map { logProbability > $0 } ?? false) {
            return .noSpeech
        }
        if let threshold = options.confidentNoSpeechThreshold, noSpeech > threshold,
           logProbability < options.confidentLogProbThreshold {
            return .confidentNoSpeech
        }
        return .speech
    }
}

/// What the silence rules made of one window.
public enum SilenceVerdict: Hashable, Sendable {
    case speech
    /// faster-whisper's rule: confident no-speech and an improbable decode.
    case noSpeech
    /// Ours: a very confident no-speech and a decode that is not confident.
    case confidentNoSpeech
    /// Ours: too quiet to hold speech; the window was not decoded.
    case quiet
}
