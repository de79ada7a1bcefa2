import Glibc

/// A fixed-size, 64-byte-aligned block of `Float`s that owns its memory.
///
/// The network's tensors and scratch buffers are these: allocated once (at
/// model load, or when a stream's workspace is made) and reused for every
/// window, so the hot path never allocates. Alignment keeps oneDNN's and the
/// kernels' vector loads on cache-line boundaries.
///
/// Large buffers are anonymous mappings: the kernel gives zeroed pages as
/// they are first touched, so a buffer costs resident memory only for the
/// part its stream uses (a greedy search never touches the cache rows of the
/// other sequences), and never more than its size.
///
/// Immutable after it is filled in the model's case; a workspace's buffers are
/// owned by one stream at a time. The pointer never escapes the owner's lifetime
/// in correct use: callers hold the buffer while they use `pointer`.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    private let mapped: Bool

    /// From this size up, a buffer is mapped rather than taken from the heap.
    private static let mappedBytes = 1 << 20

    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let capacity = max(count, 1)
        let bytes = capacity * MemoryLayout<Float>.stride
        mapped = bytes >= Self.mappedBytes
        if mapped {
            let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let raw, raw != MAP_FAILED else { fatalError("cannot map \(bytes) bytes: \(String(cString: strerror(errno)))") }
            pointer = raw.bindMemory(to: Float.self, capacity: capacity)
        } else {
            pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Float.self, capacity: capacity)
            pointer.initialize(repeating: 0, count: capacity)
        }
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit {
        if mapped {
            munmap(pointer, max(count, 1) * MemoryLayout<Float>.stride)
        } else {
            UnsafeMutableRawPointer(pointer).deallocate()
        }
    }

    public var bytes: Int { count * MemoryLayout<Float>.stride }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
