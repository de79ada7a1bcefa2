/// A float16 table read where the model file holds it, so that only the rows
/// a process reads are in its memory: the screened embedding's exact rows
/// (`TokenEmbedding.screened`), of which a step reads a handful, 40 MB for
/// tiny.en that a copy would keep resident. Pages given back
/// (`MappedFile.release`) are read again from the page cache when a row
/// is next needed. A file that stores the table in another type gives a
/// converted copy instead.
///
/// A CTranslate2 payload starts at any byte, so the rows are at any
/// address: only raw pointers reach the kernels, which load them unaligned.
///
/// Unchecked Sendable: read-only rows behind a pointer, kept alive by their owner.
final class HalfRows: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let owner: Owner

    private enum Owner {
        case file(MappedFile)
        case copy(HalfBuffer)
    }

    /// The file's own float16 `bytes`, which must lie inside `file`.
    init(in file: MappedFile, bytes: UnsafeRawBufferPointer) {
        let start = UnsafeRawPointer(bytes.baseAddress!), mapped = UnsafeRawPointer(file.bytes.baseAddress!)
        precondition(bytes.count % 2 == 0 && start >= mapped && start + bytes.count <= mapped + file.bytes.count,
                     "float16 rows inside the mapped file")
        base = start
        count = bytes.count / 2
        owner = .file(file)
    }

    init(copy: HalfBuffer) {
        base = UnsafeRawPointer(copy.pointer)
        count = copy.count
        owner = .copy(copy)
    }

    /// Row `row` of rows `width` wide.
    func row(_ row: Int, width: Int) -> UnsafeRawPointer { base + 2 * row * width }

    /// Gives back the pages of values `range` where they are the file's;
    /// a copy keeps its memory.
    func release(_ range: Range<Int>) {
        guard case .file(let file) = owner else { return }
        file.release(UnsafeRawBufferPointer(start: base + 2 * range.lowerBound, count: 2 * range.count))
    }

    /// Bytes of memory of its own: none for the file's rows.
    var bytes: Int {
        switch owner {
        case .file: 0
        case .copy(let copy): copy.bytes
        }
    }
}
