import AmanuensisKernels

/// Scaled dot-product attention of one head, on row-strided views into fused
/// projection buffers, so Q, K and V are never copied out.
enum Attention {
    struct View {
        let pointer: UnsafePointer<Float>
        let stride: Int
    }

    /// output[q, :] = softmax(Q·Kᵀ / √d)[q, :] · V for `queries` rows over
    /// `keys` rows. With `causalOffset`, query i sees only keys 0…offset+i
    /// (the decoder's self-attention over a prompt).
    static func head(
        queries: Int, keys: Int, headWidth: Int,
        q: View, k: View, v: View,
        scores: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, outputStride: Int,
        causalOffset: Int? = nil
    ) {
        Gemm.multiply(m: queries, n: keys, k: headWidth, a: q.pointer, lda: q.stride,
                      b: k.pointer, ldb: k.stride, transposeB: true,
                      c: scores, ldc: keys, alpha: 1 / Float(headWidth).squareRoot())
        if let causalOffset {
            for row in 0..<queries where causalOffset + row + 1 < keys {
                let visible = causalOffset + row + 1
                (scores + row * keys + visible).update(repeating: -.infinity, count: keys - visible)
            }
        }
        CPUKernels.selected.softmax_rows(scores, queries, keys, keys)
        Gemm.multiply(m: queries, n: headWidth, k: keys, a: scores, lda: keys,
                      b: v.pointer, ldb: v.stride, transposeB: false,
                      c: output, ldc: outputStride)
    }
}
