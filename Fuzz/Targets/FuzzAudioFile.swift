/// Fuzzes `AudioFileDecoder` on files held in memory: the container check of
/// `AudioContainer`, then libsndfile's parsers for WAV, W64, FLAC, OGG, MP3,
/// AIFF and CAF reading through `AudioByteSource`. Every file a client names
/// goes this way in the daemon (from a descriptor; memory is the same code
/// but for `pread`).
///
/// libsndfile itself is not instrumented, so coverage guides the fuzzer only
/// through the Swift side; a crash inside libsndfile is still caught.
/// Checked: only `AudioError`s are thrown, and what decodes is finite and
/// within the duration limit (kept small so one input stays cheap).

private let limits = AudioLimits(maximumDuration: 5)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let audio: AudioSamples
    do {
        audio = try AudioFileDecoder.decode(bytes: UnsafeRawBufferPointer(start: data, count: size), limits: limits)
    } catch {
        require(error is AudioError, "AudioFileDecoder threw a \(type(of: error)): \(error)")
        return 0
    }
    require(audio.samples.allSatisfy(\.isFinite), "non-finite samples")
    require(audio.duration <= limits.maximumDuration + 1, "\(audio.duration) s decoded, the limit is \(limits.maximumDuration) s")
    return 0
}
