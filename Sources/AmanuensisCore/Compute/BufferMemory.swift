import Glibc

/// The zeroed, 64-byte-aligned memory behind a buffer, freed with it.
///
/// From 1 MiB up it is an anonymous mapping. By default its pages are made
/// resident at once (`MAP_POPULATE`), so no request pays for first touches:
/// on a virtual machine a first touch can cost far more than the arithmetic.
/// A buffer made `onTouch` gets its pages as they are first written instead,
/// and costs resident memory only for the part its stream uses (a greedy
/// search never touches the cache rows of the other sequences), and so is a
/// mapping whatever its size. Smaller buffers come from the heap, zeroed here.
struct BufferMemory: ~Copyable {
    enum Paging {
        case now
        case onTouch
    }

    let base: UnsafeMutableRawPointer
    private let bytes: Int
    private let mapped: Bool

    private static let mappedBytes = 1 << 20

    init(bytes requested: Int, paging: Paging = .now) {
        bytes = max(requested, 1)
        mapped = bytes >= Self.mappedBytes || paging == .onTouch
        if mapped {
            let populate = paging == .now ? MAP_POPULATE : 0
            let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | populate, -1, 0)
            guard let raw, raw != MAP_FAILED else { fatalError("cannot map \(bytes) bytes: \(String(cString: strerror(errno)))") }
            base = raw
        } else {
            base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            base.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        }
    }

    /// Gives the whole pages from byte `offset` on back to the system; they
    /// read as zeros when touched again. Heap memory is kept as it is.
    func discard(from offset: Int) {
        guard mapped else { return }
        let start = MemoryPages.up(offset)
        guard start < bytes else { return }
        madvise(base + start, bytes - start, MADV_DONTNEED)
    }

    /// Bytes resident now from byte `offset` on, in the whole pages that
    /// `discard(from:)` would give back: of a mapping, those touched and not
    /// given back (`mincore`); of a heap block, none.
    func residentBytes(from offset: Int) -> Int {
        guard mapped else { return 0 }
        let start = MemoryPages.up(offset)
        guard start < bytes else { return 0 }
        var pages = [UInt8](repeating: 0, count: MemoryPages.up(bytes - start) / MemoryPages.size)
        guard mincore(base + start, bytes - start, &pages) == 0 else { return bytes - start }
        return pages.reduce(0) { $0 + Int($1 & 1) } * MemoryPages.size
    }

    deinit {
        if mapped { munmap(base, bytes) } else { base.deallocate() }
    }
}
