import AmanuensisKernels

extension Linear {
    /// y = x·Wᵀ + b for `rows` rows, or y += x·Wᵀ + b with `accumulate` (the
    /// residual connection, written in place without a temporary).
    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        if accumulate {
            for row in 0..<rows { am_add_f32(bias.pointer, y + row * outputs, outputs) }
        } else {
            am_broadcast_row_f32(bias.pointer, y, rows, outputs)
        }
        Gemm.multiply(m: rows, n: outputs, k: inputs, a: x, lda: inputs,
                      b: weight.pointer, ldb: inputs, transposeB: true,
                      c: y, ldc: outputs, beta: 1)
    }
}

extension LayerNorm {
    func apply(_ x: UnsafePointer<Float>, rows: Int, width: Int, into y: UnsafeMutablePointer<Float>) {
        am_layer_norm_f32(x, y, gamma.pointer, beta.pointer, rows, width, Self.epsilon)
    }
}
