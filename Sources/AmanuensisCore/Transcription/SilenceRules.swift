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

    /// faster-whisper's rule: the model says "no speech" and the text it
    /// produced anyway is improbable.
    func isNoSpeech(_ result: DecodingResult) -> Bool {
        guard let threshold = options.noSpeechThreshold, result.noSpeechProbability > threshold else { return false }
        return !(options.logProbThreshold.map { result.averageLogProbability > $0 } ?? false)
    }

    /// Whether a beam-search result needs the greedy check: the model leans
    /// towards "no speech", but the beam's text passed faster-whisper's rule.
    func needsGreedyCheck(_ result: DecodingResult) -> Bool {
        guard options.greedySilenceCheck, options.beamSize > 1, result.temperature == 0,
              let threshold = options.noSpeechThreshold else { return false }
        return result.noSpeechProbability > threshold
    }
}

/// What the silence rules made of one window.
public enum SilenceVerdict: Hashable, Sendable {
    case speech
    /// faster-whisper's rule: confident no-speech and an improbable decode.
    case noSpeech
    /// Ours, for beam search: faster-whisper's rule holds for a greedy decode
    /// of the window, though not for the beam's.
    case noSpeechWhenGreedy
    /// Ours: too quiet to hold speech; the window was not decoded.
    case quiet
}
