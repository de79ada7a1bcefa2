import Glibc

/// The zeroed, 64-byte-aligned memory behind a buffer, freed with it.
///
/// From 1 MiB up it is an anonymous mapping: the kernel gives zeroed pages as
/// they are first touched, so a buffer costs resident memory only for the
/// part its stream uses (a greedy search never touches the cache rows of the
/// other sequences), and never more than its size. Smaller ones come from
/// the heap, zeroed here.
struct BufferMemory: ~Copyable {
    let base: UnsafeMutableRawPointer
    private let bytes: Int
    private let mapped: Bool

    private static let mappedBytes = 1 << 20

    init(bytes requested: Int) {
        bytes = max(requested, 1)
        mapped = bytes >= Self.mappedBytes
        if mapped {
            let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let raw, raw != MAP_FAILED else { fatalError("cannot map \(bytes) bytes: \(String(cString: strerror(errno)))") }
            base = raw
        } else {
            base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            base.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        }
    }

    deinit {
        if mapped { munmap(base, bytes) } else { base.deallocate() }
    }
}
