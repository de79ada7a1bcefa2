import CDNNL

/// Row-major single-precision matrix products through oneDNN's JIT GEMM.
///
/// oneDNN rather than OpenBLAS: this environment pins OpenBLAS to its Haswell
/// kernels, which halves it, while oneDNN picks the AVX-512 kernels itself.
enum Gemm {
    /// C[m×n] = alpha · A[m×k] · op(B) + beta · C, where op(B) is B[k×n] or,
    /// with `transposeB`, the transpose of B stored as [n×k] (PyTorch's
    /// `[out, in]` weight layout). Leading dimensions are row strides in elements.
    static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        let status = dnnl_sgemm(
            CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: transposeB ? "T" : "N")),
            dnnl_dim_t(m), dnnl_dim_t(n), dnnl_dim_t(k),
            alpha, a, dnnl_dim_t(lda), b, dnnl_dim_t(ldb), beta, c, dnnl_dim_t(ldc))
        // Only invalid arguments fail here, and every shape is validated when the
        // model is loaded: a failure is a programming error, not bad input.
        precondition(status == dnnl_success, "dnnl_sgemm failed with status \(status.rawValue)")
    }
}
