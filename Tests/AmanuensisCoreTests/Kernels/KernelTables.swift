import AmanuensisKernels

enum KernelTables {
    /// Every instruction-set variant this CPU can run, the portable reference first.
    static var runnable: [am_kernels] {
        ["c", "avx2", "avx512"].compactMap { (isa: String) in am_kernels_for(isa)?.pointee }
    }
}
