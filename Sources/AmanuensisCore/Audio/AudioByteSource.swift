import CSndFile
import Glibc

/// The bytes of an audio file as libsndfile's virtual I/O sees them: a
/// descriptor read with `pread` from the offset it had when handed over, or
/// memory. libsndfile never holds the descriptor itself: handed one with
/// `sf_open_fd`, its failure path closes it (libsndfile 1.2), and a number
/// closed twice is whatever another thread opened under it since, such as
/// another client's socket.
final class AudioByteSource {
    private enum Bytes {
        case descriptor(Int32, base: Int64)
        case memory(UnsafeRawBufferPointer)
    }

    private let bytes: Bytes
    let length: Int64
    private var position: Int64 = 0
    /// The first `pread` failure (an `O_PATH` descriptor, an I/O error): the
    /// decode fails with it, not with what libsndfile makes of missing bytes.
    private(set) var readError: Int32?

    /// `descriptor` stays open and owned by the caller; it must be a regular file.
    init(descriptor: Int32, size: Int64) {
        let base = max(0, Int64(lseek(descriptor, 0, SEEK_CUR)))
        bytes = .descriptor(descriptor, base: base)
        length = max(0, size - base)
    }

    /// `memory` must outlive the source.
    init(memory: UnsafeRawBufferPointer) {
        bytes = .memory(memory)
        length = Int64(memory.count)
    }

    /// Up to `count` bytes at the current position; fewer at the end, or on a read error.
    func read(into destination: UnsafeMutableRawPointer, count: Int64) -> Int64 {
        let wanted = Int(max(0, min(count, length - position)))
        guard wanted > 0 else { return 0 }
        var done = 0
        switch bytes {
        case .descriptor(let fd, let base):
            while done < wanted {
                let got = pread(fd, destination + done, wanted - done, off_t(base + position) + off_t(done))
                if got < 0, errno == EINTR { continue }
                if got < 0 { readError = readError ?? errno }
                guard got > 0 else { break }
                done += got
            }
        case .memory(let memory):
            destination.copyMemory(from: memory.baseAddress! + Int(position), byteCount: wanted)
            done = wanted
        }
        position += Int64(done)
        return Int64(done)
    }

    /// Moves the position as `lseek` would, within the file; -1 for a target outside it.
    func seek(_ offset: Int64, whence: Int32) -> Int64 {
        let origin: Int64 = switch whence {
        case SEEK_SET: 0
        case SEEK_CUR: position
        case SEEK_END: length
        default: -1
        }
        guard origin >= 0 else { return -1 }
        let (target, overflow) = origin.addingReportingOverflow(offset)
        guard !overflow, target >= 0, target <= length else { return -1 }
        position = target
        return position
    }

    var tell: Int64 { position }

    /// The first bytes of the file, for `AudioContainer.identify`; the position is kept.
    func header(_ count: Int) -> [UInt8] {
        let saved = position
        defer { position = saved }
        position = 0
        var header = [UInt8](repeating: 0, count: count)
        let read = header.withUnsafeMutableBytes { Int(self.read(into: $0.baseAddress!, count: Int64(count))) }
        return Array(header.prefix(read))
    }

    /// Opens the bytes with libsndfile; nil with `sf_strerror(nil)` set on failure.
    func open(_ info: inout SF_INFO) -> OpaquePointer? {
        var io = SF_VIRTUAL_IO(
            get_filelen: { AudioByteSource.from($0).length },
            seek: { offset, whence, source in AudioByteSource.from(source).seek(offset, whence: whence) },
            read: { destination, count, source in
                guard let destination else { return 0 }
                return AudioByteSource.from(source).read(into: destination, count: count)
            },
            write: { _, _, _ in 0 },
            tell: { AudioByteSource.from($0).tell })
        return sf_open_virtual(&io, Int32(SFM_READ), &info, Unmanaged.passUnretained(self).toOpaque())
    }

    private static func from(_ pointer: UnsafeMutableRawPointer?) -> AudioByteSource {
        Unmanaged<AudioByteSource>.fromOpaque(pointer!).takeUnretainedValue()
    }
}
