import AmanuensisKernels

/// A fixed-size, 64-byte-aligned block of IEEE half floats that owns its
/// memory: weights that are read far more than they are used for arithmetic
/// (the 51 864-row embedding) stay at the model's own precision and half the
/// size of float32. Immutable once filled.
final class HalfBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UInt16>
    let count: Int

    /// Converts `source` (float32) to half.
    init(converting source: FloatBuffer) {
        count = source.count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 2, alignment: 64)
        pointer = raw.bindMemory(to: UInt16.self, capacity: max(count, 1))
        am_f32_to_f16(source.pointer, pointer, count)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    var bytes: Int { count * 2 }
}
