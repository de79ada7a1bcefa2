import AmanuensisKernels

extension Linear {
    /// The most rows for which the row table's kernel, AM_DOT_ROWS_X rows at
    /// a time over a W that stays in the core's cache, beats widening W for
    /// a GEMM: a decoder pass of 23 rows took 14 ms against 19, of 64 rows
    /// 36 against 42, of 128 rows 73 against 72 (one Zen 4 core).
    static let rowTableRows = 64

    /// y = x·Wᵀ + b for `rows` rows, or y += x·Wᵀ + b with `accumulate` (the
    /// residual connection, written in place without a temporary). Over more
    /// rows than the row table serves, W is widened into `wide` (room for
    /// outputs × inputs floats) for a float32 GEMM.
    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false,
               wide: UnsafeMutablePointer<Float>) {
        if accumulate {
            for row in 0..<rows { am_add_f32(bias.pointer, y + row * outputs, outputs) }
        } else {
            am_broadcast_row_f32(bias.pointer, y, rows, outputs)
        }
        // A decoding step has a row or a few, a prompt some dozens: then the
        // cost is reading the weights, so the row kernel reads them as they
        // are, its outputs shared out over the calling thread's team.
        if rows <= Self.rowTableRows {
            CPUKernels.parallelRows(outputs) { _, share in
                for first in stride(from: 0, to: rows, by: CPUKernels.dotRowsX) {
                    let chunk = min(CPUKernels.dotRowsX, rows - first)
                    let x = x + first * inputs, y = y + first * outputs
                    switch weight {
                    case .half(let table):
                        CPUKernels.selected.dot_rows_f16(table.pointer, x, y, chunk, inputs, share.lowerBound, share.upperBound,
                                                         outputs, 1)
                    case .int8(let table):
                        CPUKernels.selected.dot_rows_s8(table.pointer, table.scales.pointer, x, y, chunk, inputs,
                                                        share.lowerBound, share.upperBound, outputs, 1)
                    }
                }
            }
            return
        }
        // The outputs go to the caller's team in blocks of `gemmBlock`, each a
        // GEMM on one thread over its own rows of W. A GEMM on more threads
        // may sum in another order, and how its output count shapes its sums
        // is oneDNN's choice: every output is summed by a GEMM of one shape
        // whatever the team, so a transcript does not depend on the daemon's load.
        CPUKernels.parallelRows((outputs + Self.gemmBlock - 1) / Self.gemmBlock) { _, blocks in
            for block in blocks {
                let first = block * Self.gemmBlock, count = min(Self.gemmBlock, outputs - first)
                let wide = wide + first * inputs
                weight.widen(first..<(first + count), columns: inputs, into: wide)
                ComputeThreads.singleThreaded {
                    Gemm.multiply(m: rows, n: count, k: inputs, a: x, lda: inputs,
                                  b: wide, ldb: inputs, transposeB: true,
                                  c: y + first, ldc: outputs, beta: 1)
                }
            }
        }
    }

    /// Outputs of one GEMM of a prompt's product: a whole number of AVX-512
    /// registers' worth, and so few that the team has blocks to share even
    /// in a 384-wide product.
    static let gemmBlock = 64
}

extension LayerNorm {
    func apply(_ x: UnsafePointer<Float>, rows: Int, width: Int, into y: UnsafeMutablePointer<Float>) {
        CPUKernels.parallelRows(rows) { _, share in
            let offset = share.lowerBound * width
            CPUKernels.selected.layer_norm(x + offset, y + offset, gamma.pointer, beta.pointer, share.count, width, Self.epsilon)
        }
    }
}
