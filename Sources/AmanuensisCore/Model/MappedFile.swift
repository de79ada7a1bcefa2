import Glibc

/// A whole file mapped read-only into memory. Model weights are read once at
/// load time straight from the page cache instead of through a copy; the
/// mapping lives exactly as long as this owner.
///
/// Unchecked Sendable: a read-only mapping behind a pointer; nothing writes it.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer
    /// The open file, for what reads it after the load (`HalfRows`).
    let descriptor: Int32

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ModelError(.unreadable, file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        var kept = false
        defer { if !kept { close(fd) } }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ModelError(.unreadable, file: path, "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw ModelError(.truncated, file: path, "the file is empty") }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ModelError(.unreadable, file: path, "cannot map: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        descriptor = fd
        kept = true
    }

    /// Gives back the pages under `range` once a load has made its own copy of
    /// them: touched, they count in this process's resident memory beside that
    /// copy (the whole file, 75 MB for tiny.en, at the peak of a load). They
    /// stay in the page cache, and a later read faults them in again, so pages
    /// a neighbouring range shares may go too.
    func release(_ range: UnsafeRawBufferPointer) {
        guard let start = range.baseAddress, range.count > 0, let base = bytes.baseAddress else { return }
        let first = MemoryPages.down(Int(bitPattern: start))
        let last = MemoryPages.up(min(Int(bitPattern: start) + range.count, Int(bitPattern: base) + bytes.count))
        madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, Int32(MADV_DONTNEED))
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        close(descriptor)
    }
}
