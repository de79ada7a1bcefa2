import CSndFile
import Glibc

/// Decodes the containers of `AudioContainer` (WAV, FLAC, OGG/Vorbis, MP3, …)
/// from a path, from a descriptor the caller already opened, or from memory.
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
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AudioError(.unreadable, prefixed(path, String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        return try decode(descriptor: descriptor, name: path, limits: limits)
    }

    /// Reads from `descriptor` starting at its current offset. The descriptor
    /// stays open and owned by the caller, on every path. `name` prefixes
    /// error messages; the daemon leaves it empty, as only the client knows
    /// the file's name.
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
        return try decode(AudioByteSource(descriptor: descriptor, size: Int64(status.st_size)), name: name, limits: limits)
    }

    /// Decodes a whole file held in memory.
    public static func decode(bytes: UnsafeRawBufferPointer, name: String = "", limits: AudioLimits = AudioLimits()) throws -> AudioSamples {
        try decode(AudioByteSource(memory: bytes), name: name, limits: limits)
    }

    private static func decode(_ source: AudioByteSource, name: String, limits: AudioLimits) throws -> AudioSamples {
        guard source.length > 0 else { throw AudioError(.empty, prefixed(name, "the file is empty")) }
        let header = source.header(AudioContainer.headerLength)
        if let error = source.readError { throw AudioError(.unreadable, prefixed(name, String(cString: strerror(error)))) }
        guard AudioContainer.identify(header) != nil else {
            throw AudioError(.unsupportedFormat, prefixed(name, "not an audio container this daemon reads (\(AudioContainer.names))"))
        }
        var info = SF_INFO()
        guard let file = source.open(&info) else {
            throw AudioError(.unsupportedFormat, prefixed(name, String(cString: sf_strerror(nil))))
        }
        defer { sf_close(file) }
        do {
            let audio = try read(file, info: info, limits: limits)
            if let error = source.readError { throw AudioError(.unreadable, String(cString: strerror(error))) }
            return audio
        } catch let error as AudioError {
            throw AudioError(error.code, prefixed(name, error.message))
        }
    }

    private static func read(_ file: OpaquePointer, info: SF_INFO, limits: AudioLimits) throws -> AudioSamples {
        var mixer = try MonoMixer(channels: Int(info.channels), sampleRate: Int(info.samplerate), limits: limits)
        let channels = Int(info.channels)
        var chunk = [Float](repeating: 0, count: chunkFrames * channels)
        while true {
            let frames = chunk.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(chunkFrames)) }
            if frames < 0 || sf_error(file) != SF_ERR_NO_ERROR {
                throw AudioError(.corrupt, String(cString: sf_strerror(file)))
            }
            if frames == 0 { break }
            try chunk.withUnsafeBufferPointer {
                try mixer.append(interleaved: UnsafeBufferPointer(rebasing: $0[0..<(Int(frames) * channels)]))
            }
        }
        return try mixer.finish()
    }

    private static func prefixed(_ name: String, _ message: String) -> String {
        name.isEmpty ? message : "\(name): \(message)"
    }
}
