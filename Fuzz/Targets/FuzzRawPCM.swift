/// Fuzzes `RawPCMFormat` and `RawPCMDecoder`, which turn a client's raw PCM
/// stream (`amctl transcribe --raw`) into 16 kHz mono samples.
///
/// Input: byte 0 picks the encoding, byte 1 the sample rate (from a table with
/// rejected rates among the accepted ones), byte 2 the channel count (0 to 9),
/// byte 3 the duration limit in hundredths of a second (0: the default 4 h),
/// so the too-long path is reachable with small inputs; the rest is a
/// `ChunkedInput`, appended chunk by chunk as socket reads would be.
///
/// Checked: only `AudioError`s are thrown; decoding in chunks and in one piece
/// agree on success and, then, on every sample; what comes out is finite (the
/// model cannot take anything else) and as long as the input at 16 kHz, give
/// or take a sample (so it may be empty: a few frames at 192 kHz are less
/// than one sample at 16 kHz).

private let rates = [16_000, 8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 192_000,
                     7_999, 192_001, 0, 12_345, 16_001, 32_000, 24_000, 1]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    guard bytes.count >= 4 else { return 0 }
    let encoding = RawPCMFormat.Encoding.allCases[Int(bytes[0]) % RawPCMFormat.Encoding.allCases.count]
    let rate = rates[Int(bytes[1]) % rates.count]
    let channels = Int(bytes[2]) % 10
    var limits = AudioLimits()
    if bytes[3] > 0 { limits.maximumDuration = Double(bytes[3]) / 100 }
    let input = ChunkedInput(bytes[4...])

    let format: RawPCMFormat
    do {
        format = try RawPCMFormat(encoding: encoding, sampleRate: rate, channels: channels, limits: limits)
    } catch {
        require(error is AudioError, "RawPCMFormat threw a \(type(of: error)): \(error)")
        require(!limits.sampleRates.contains(rate) || !limits.channels.contains(channels), "\(encoding):\(rate):\(channels) refused")
        return 0
    }

    let chunked = outcome {
        var decoder = try RawPCMDecoder(format: format, limits: limits)
        for chunk in input.chunks { try decoder.append(chunk) }
        return try decoder.finish()
    }
    let whole = outcome { try format.decode(input.payload, limits: limits) }
    switch (chunked, whole) {
    case (.success(let a), .success(let b)):
        require(a.samples.count == b.samples.count && zip(a.samples, b.samples).allSatisfy { $0.bitPattern == $1.bitPattern },
                     "chunked and whole decoding differ")
        let frames = input.payload.count / format.bytesPerFrame
        let expected = Double(frames) * Double(AudioConstants.sampleRate) / Double(rate)
        require(abs(Double(a.samples.count) - expected) <= 1, "\(a.samples.count) samples from \(frames) frames at \(rate) Hz")
        require(a.samples.allSatisfy(\.isFinite), "non-finite samples from \(format)")
    case (.failure, .failure):
        break
    default:
        fatalError("chunked decoding \(chunked), whole \(whole)")
    }
    return 0
}

/// Runs `body`, insisting that whatever it throws is an `AudioError`.
private func outcome(_ body: () throws -> AudioSamples) -> Result<AudioSamples, AudioError> {
    do {
        return .success(try body())
    } catch let error as AudioError {
        return .failure(error)
    } catch {
        fatalError("threw a \(type(of: error)): \(error)")
    }
}
