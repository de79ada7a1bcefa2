import CSndFile
import Glibc

/// Decodes WAV, FLAC, OGG/Vorbis, MP3 and the other containers libsndfile
/// knows, from a path or from a descriptor the caller already opened.
///
/// The daemon only ever uses the descriptor form: a client opens its file
/// itself and passes the descriptor, so the daemon reads with the client's
/// permissions and never opens a path a client names.
public enum AudioFileDecoder {
    /// Frames read per libsndfile call: large enough to amortize the call,
    /// small enough that memory grows with the audio actually present, not
    /// with what its header claims.
    private static let chunkFrames = 65_536

    public static func decode(path: String, limits: AudioLimits = AudioLimits()) throws -> AudioSamples {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw openError(name: path)
        }
        defer { sf_close(file) }
        return try read(file, info: info, name: path, limits: limits)
    }

    /// Reads from `descriptor` starting at its current offset. The descriptor
    /// stays open and owned by the caller. `name` prefixes error messages;
    /// the daemon leaves it empty, as only the client knows the file's name.
    public static func decode(descriptor: Int32, name: String = "", limits: AudioLimits = AudioLimits()) throws -> AudioSamples {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw AudioError(.unreadable, prefixed(name, String(cString: strerror(errno))))
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw AudioError(.unreadable, prefixed(name, "is a directory"))
        default: throw AudioError(.unreadable, prefixed(name, "not a regular file (pipes and devices cannot be decoded; send raw PCM instead)"))
        }
        var info = SF_INFO()
        guard let file = sf_open_fd(descriptor, Int32(SFM_READ), &info, 0) else {
            throw openError(name: name)
        }
        defer { sf_close(file) }
        return try read(file, info: info, name: name, limits: limits)
    }

    private static func openError(name: String) -> AudioError {
        let reason = String(cString: sf_strerror(nil))
        let code: AudioError.Code = reason.contains("No such file") || reason.contains("ermission")
            ? .unreadable : .unsupportedFormat
        return AudioError(code, prefixed(name, reason))
    }

    private static func read(_ file: OpaquePointer, info: SF_INFO, name: String, limits: AudioLimits) throws -> AudioSamples {
        var mixer: MonoMixer
        do {
            mixer = try MonoMixer(channels: Int(info.channels), sampleRate: Int(info.samplerate), limits: limits)
        } catch let error as AudioError {
            throw AudioError(error.code, prefixed(name, error.message))
        }
        let channels = Int(info.channels)
        var chunk = [Float](repeating: 0, count: chunkFrames * channels)
        while true {
            let frames = chunk.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(chunkFrames)) }
            if frames < 0 || sf_error(file) != SF_ERR_NO_ERROR {
                throw AudioError(.corrupt, prefixed(name, String(cString: sf_strerror(file))))
            }
            if frames == 0 { break }
            do {
                try chunk.withUnsafeBufferPointer {
                    try mixer.append(interleaved: UnsafeBufferPointer(rebasing: $0[0..<(Int(frames) * channels)]))
                }
            } catch let error as AudioError {
                throw AudioError(error.code, prefixed(name, error.message))
            }
        }
        for sample in mixer.samples where !sample.isFinite {
            throw AudioError(.corrupt, prefixed(name, "the audio contains non-finite samples"))
        }
        do { return try mixer.finish() } catch let error as AudioError {
            throw AudioError(error.code, prefixed(name, error.message))
        }
    }

    private static func prefixed(_ name: String, _ message: String) -> String {
        name.isEmpty ? message : "\(name): \(message)"
    }
}
