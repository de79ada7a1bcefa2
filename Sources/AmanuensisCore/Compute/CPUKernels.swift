import AmanuensisKernels

/// The C kernels for this CPU (AVX-512, AVX2 or portable C), chosen once per
/// process. The table is a `const` in the kernels library: shared reads only.
enum CPUKernels {
    nonisolated(unsafe) static let selected: am_kernels = am_kernels_select()!.pointee
}
