import Glibc

/// The float16 rows of a screened embedding (`TokenEmbedding.screened`),
/// read from model.bin as a step needs one. Of the text rows a step reads a
/// handful (`VocabularyScreen`), so they stay in the file, 38 MB for tiny.en;
/// the rows every step reads, the special and timestamp tokens', are kept in
/// memory. Read, not mapped: each row read through a mapping maps the 64 KB
/// of the file around it too (the kernel's fault-around), and a daemon's
/// scattered reads would in time keep the whole table resident. A file that
/// stores the table in another type gives a converted copy, all of it kept.
///
/// So model.bin must not be overwritten under a running daemon: a row it can
/// no longer read stops it, naming the file (amanuensisd(8), FILES).
///
/// Unchecked Sendable: immutable; a read from the file shares no state.
final class HalfRows: @unchecked Sendable {
    let width: Int
    private let file: (descriptor: Int32, offset: Int, path: String)?
    private let kept: HalfBuffer
    /// Rows from this one on are in `kept`.
    private let firstKept: Int

    /// `rows` rows of `width` float16 values at `bytes`, inside the mapped
    /// `file`, read from it as needed but for those from `keptFrom` on.
    init(in file: MappedFile, bytes: UnsafeRawBufferPointer, rows: Int, width: Int, keptFrom: Int) throws {
        let start = UnsafeRawPointer(bytes.baseAddress!), mapped = UnsafeRawPointer(file.bytes.baseAddress!)
        precondition(bytes.count == 2 * rows * width && start >= mapped && start + bytes.count <= mapped + file.bytes.count,
                     "float16 rows inside the mapped file")
        let descriptor = fcntl(file.descriptor, F_DUPFD_CLOEXEC, 0)
        guard descriptor >= 0 else {
            throw ModelError(.unreadable, file: file.path, "cannot keep open: \(String(cString: strerror(errno)))")
        }
        self.file = (descriptor, start - mapped, file.path)
        self.width = width
        firstKept = min(max(keptFrom, 0), rows)
        kept = HalfBuffer(count: (rows - firstKept) * width)
        UnsafeMutableRawPointer(kept.pointer).copyMemory(from: start + 2 * firstKept * width, byteCount: kept.bytes)
    }

    init(copy: HalfBuffer, width: Int) {
        self.width = width
        file = nil
        kept = copy
        firstKept = 0
    }

    deinit { if let file { close(file.descriptor) } }

    /// Calls `body` with runs of `range` that lie together, and where each
    /// run's first row is, valid only inside `body`: the kept rows as one
    /// run, each row read from the file as its own.
    func runs(_ range: Range<Int>, _ body: (_ run: Range<Int>, _ first: UnsafeRawPointer) -> Void) {
        let split = min(max(firstKept, range.lowerBound), range.upperBound)
        if split < range.upperBound {
            body(split..<range.upperBound, UnsafeRawPointer(kept.pointer + (split - firstKept) * width))
        }
        guard range.lowerBound < split else { return }
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: width) { row in
            for index in range.lowerBound..<split {
                read(index, into: row.baseAddress!)
                body(index..<(index + 1), UnsafeRawPointer(row.baseAddress!))
            }
        }
    }

    /// Row `row` from the file, to `target`.
    private func read(_ row: Int, into target: UnsafeMutablePointer<UInt16>) {
        guard let file else { preconditionFailure("a copy's rows are all kept") }
        let bytes = 2 * width, start = file.offset + row * bytes
        var done = 0
        while done < bytes {
            let count = pread(file.descriptor, UnsafeMutableRawPointer(target) + done, bytes - done, off_t(start + done))
            if count > 0 {
                done += count
            } else if count < 0, errno == EINTR {
                continue
            } else {
                let reason = count == 0 ? "the file ends before that row" : String(cString: strerror(errno))
                fatalError("\(file.path) changed under the loaded model: cannot read embedding row \(row): \(reason)")
            }
        }
    }

    /// Bytes of memory: the rows kept there.
    var bytes: Int { kept.bytes }
}
