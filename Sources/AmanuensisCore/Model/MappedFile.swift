import Glibc

/// A whole file mapped read-only into memory. Model weights are read once at
/// load time straight from the page cache instead of through a copy; the
/// mapping lives exactly as long as this owner.
///
/// Unchecked Sendable: a read-only mapping behind a pointer; nothing writes it.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ModelError(.unreadable, file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
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
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}
