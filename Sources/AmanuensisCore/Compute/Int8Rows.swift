import AmanuensisKernels

/// A weight matrix in int8 with one scale a row, w ≈ q · scale (symmetric,
/// scale = max|row| / 127), as the int8 types keep their weights: a quarter
/// of float32's bytes where reading them is the cost.
///
/// Unchecked Sendable: it owns raw memory, written once while the model
/// loads and only read after, by every stream.
final class Int8Rows: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int8>
    let scales: FloatBuffer
    let rows: Int
    let columns: Int
    private let memory: BufferMemory

    /// Quantizes `source`, `[rows, columns]` float32. Every kernel variant
    /// takes the same largest magnitude and rounds half to even, so the
    /// weights are the same on every CPU.
    convenience init(quantizing source: FloatBuffer, rows: Int, columns: Int) {
        precondition(source.count == rows * columns)
        self.init(rows: rows, columns: columns) { row in UnsafePointer(source.pointer + row * columns) }
    }

    /// Quantizes `[rows, columns]` float16 at `source` (any alignment),
    /// widened a row at a time.
    convenience init(quantizingHalf source: UnsafeRawPointer, rows: Int, columns: Int) {
        let wide = FloatBuffer(count: columns)
        self.init(rows: rows, columns: columns) { row in
            am_f16_to_f32(source + 2 * row * columns, wide.pointer, columns)
            return UnsafePointer(wide.pointer)
        }
    }

    private init(rows: Int, columns: Int, row source: (Int) -> UnsafePointer<Float>) {
        self.rows = rows
        self.columns = columns
        memory = BufferMemory(bytes: rows * columns)
        pointer = memory.base.bindMemory(to: Int8.self, capacity: max(rows * columns, 1))
        scales = FloatBuffer(count: rows)
        for row in 0..<rows {
            scales[row] = CPUKernels.selected.quantize_s8(source(row), pointer + row * columns, columns)
        }
    }

    /// Rows `range` as float32, q · scale, to `target`.
    func widen(_ range: Range<Int>, into target: UnsafeMutablePointer<Float>) {
        for row in range {
            let scale = scales[row], source = pointer + row * columns, output = target + (row - range.lowerBound) * columns
            for column in 0..<columns { output[column] = Float(source[column]) * scale }
        }
    }

    var bytes: Int { rows * columns + scales.bytes }
}
