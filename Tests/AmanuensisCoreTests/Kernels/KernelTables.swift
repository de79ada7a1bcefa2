import AmanuensisKernels

enum KernelTables {
    /// Every instruction-set variant this CPU can run, the portable reference first.
    static var runnable: [am_kernels] {
        ["c", "avx2", "avx512"].compactMap { (isa: String) in am_kernels_for(isa)?.pointee }
    }

    /// The AVX-512 table where it has the bfloat16 attention (AVX512-BF16).
    static var bfloat16: am_kernels? {
        am_kernels_for("avx512").map(\.pointee).flatMap { $0.attention_bf16 != nil ? $0 : nil }
    }
}
