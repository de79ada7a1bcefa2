import CSoxr

/// Sample-rate conversion to the model's 16 kHz with libsoxr's high-quality
/// preset (band-limited, linear phase), as the audio arrives: a stream is
/// held at 16 kHz, never at its input rate, so 192 kHz input costs no more
/// memory than 16 kHz input.
///
/// soxr's output does not depend on how the input is cut into chunks, so a
/// stream resampled piece by piece equals the same audio resampled at once.
final class Resampler {
    private let rate: Int
    private let resampler: soxr_t
    private var output: [Float] = []

    init(from rate: Int) throws {
        self.rate = rate
        var error: soxr_error_t?
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        let made = soxr_create(Double(rate), Double(AudioConstants.sampleRate), 1, &error, &io, &quality, nil)
        guard let made, error == nil else {
            soxr_delete(made)
            throw AudioError(.corrupt, "cannot resample from \(rate) Hz: \(error.map { String(cString: $0) } ?? "soxr_create failed")")
        }
        resampler = made
    }

    deinit { soxr_delete(resampler) }

    /// Converts `input` and appends what soxr produces to `samples`.
    func convert(_ input: UnsafeBufferPointer<Float>, appendingTo samples: inout [Float]) throws {
        try process(input.baseAddress, count: input.count, appendingTo: &samples)
    }

    /// Flushes the filter's delay line into `samples`: the end of the stream.
    func finish(appendingTo samples: inout [Float]) throws {
        try process(nil, count: 0, appendingTo: &samples)
    }

    private func process(_ input: UnsafePointer<Float>?, count: Int, appendingTo samples: inout [Float]) throws {
        // At the end soxr may hold back up to its filter's length; loop until it is drained.
        var consumed = 0
        repeat {
            let room = max(1024, Int((Double(count - consumed) * Double(AudioConstants.sampleRate) / Double(rate)).rounded(.up)) + 64)
            if output.count < room { output = [Float](repeating: 0, count: room) }
            var taken = 0, produced = 0
            let error = output.withUnsafeMutableBufferPointer { destination in
                soxr_process(resampler, input.map { $0 + consumed }, count - consumed, &taken,
                             destination.baseAddress, room, &produced)
            }
            if let error {
                throw AudioError(.corrupt, "resampling from \(rate) Hz failed: \(String(cString: error))")
            }
            consumed += taken
            samples.append(contentsOf: output[0..<produced])
            if input == nil, produced == 0 { return }
            if input != nil, consumed == count { return }
        } while true
    }
}
