import AmanuensisKernels

/// A fixed-size, 64-byte-aligned block of IEEE half floats that owns its
/// memory: values that are read far more than they are used for arithmetic
/// (the decoder's layers, the cross-attention keys and values every decoding
/// step reads) at half the size of float32.
///
/// Unchecked Sendable, as `FloatBuffer`: the model's are written once at load
/// and then only read; a stream's are used by one thread at a time.
final class HalfBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UInt16>
    let count: Int
    private let memory: BufferMemory

    /// Zeroed; `paging` says when a large one becomes resident (`BufferMemory`).
    init(count: Int, paging: BufferMemory.Paging = .now) {
        self.count = count
        memory = BufferMemory(bytes: count * 2, paging: paging)
        pointer = memory.base.bindMemory(to: UInt16.self, capacity: max(count, 1))
    }

    /// Converts `source` (float32) to half.
    convenience init(converting source: FloatBuffer) {
        self.init(count: source.count)
        am_f32_to_f16(source.pointer, pointer, count)
    }

    var bytes: Int { count * 2 }
}
