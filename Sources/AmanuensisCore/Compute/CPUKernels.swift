import AmanuensisKernels

/// The C kernels for this CPU (AVX-512, AVX2 or portable C), chosen once per
/// process. The table is a `const` in the kernels library: shared reads only.
enum CPUKernels {
    nonisolated(unsafe) static let selected: am_kernels = am_kernels_select()!.pointee

    /// Runs `body` over shares of `0..<count` on the calling thread's OpenMP
    /// team, the threads oneDNN's products use, and returns when all are done.
    static func parallelRows(_ count: Int, _ body: (Range<Int>) -> Void) {
        withoutActuallyEscaping(body) { body in
            var body = body
            withUnsafeMutablePointer(to: &body) { pointer in
                am_parallel_rows(count, { context, first, last in
                    context!.assumingMemoryBound(to: ((Range<Int>) -> Void).self).pointee(first..<last)
                }, pointer)
            }
        }
    }

    /// Softmax of `rows` rows of `cols` values, `stride` apart, in place, in parallel.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int) {
        parallelRows(rows) { share in selected.softmax_rows(x + share.lowerBound * stride, share.count, cols, stride) }
    }
}
