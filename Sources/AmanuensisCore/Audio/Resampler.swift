import CSoxr

/// Sample-rate conversion to the model's 16 kHz with libsoxr's high-quality
/// preset (band-limited, linear phase).
enum Resampler {
    static func toModelRate(_ input: [Float], from rate: Int) throws -> [Float] {
        let target = AudioConstants.sampleRate
        guard rate != target else { return input }
        let capacity = Int((Double(input.count) * Double(target) / Double(rate)).rounded(.up)) + 16
        var output = [Float](repeating: 0, count: capacity)
        var produced = 0
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        let error: soxr_error_t? = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                soxr_oneshot(Double(rate), Double(target), 1,
                             source.baseAddress, input.count, nil,
                             destination.baseAddress, capacity, &produced,
                             &io, &quality, nil)
            }
        }
        if let error {
            throw AudioError(.corrupt, "resampling from \(rate) Hz failed: \(String(cString: error))")
        }
        output.removeLast(capacity - produced)
        return output
    }
}
