/// A fixed-size, 64-byte-aligned block of `Float`s that owns its memory.
///
/// The network's tensors and scratch buffers are these: allocated once (at
/// model load, or when a stream's workspace is made) and reused for every
/// window, so the hot path never allocates. Alignment keeps oneDNN's and the
/// kernels' vector loads on cache-line boundaries.
///
/// Unchecked Sendable, because it owns raw memory: immutable after it is
/// filled in the model's case; a workspace's buffers are owned by one stream
/// at a time. The pointer never escapes the owner's lifetime
/// in correct use: callers hold the buffer while they use `pointer`.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    private let memory: BufferMemory

    /// Zeroed; `paging` says when a large one becomes resident (`BufferMemory`).
    init(count: Int, paging: BufferMemory.Paging) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        memory = BufferMemory(bytes: count * MemoryLayout<Float>.stride, paging: paging)
        pointer = memory.base.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Zeroed, resident at once.
    public convenience init(count: Int) {
        self.init(count: count, paging: .now)
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    public var bytes: Int { count * MemoryLayout<Float>.stride }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    /// Returns the resident pages past the first `count` floats (`BufferMemory.discard`).
    func discard(after count: Int) { memory.discard(from: count * MemoryLayout<Float>.stride) }

    /// Bytes resident past the first `count` floats (`BufferMemory.residentBytes`).
    func residentBytes(after count: Int) -> Int { memory.residentBytes(from: count * MemoryLayout<Float>.stride) }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
