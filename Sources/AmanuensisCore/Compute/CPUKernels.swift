import AmanuensisKernels

/// The C kernels for this CPU (AVX-512, AVX2 or portable C), chosen once per
/// process. The table is a `const` in the kernels library: shared reads only.
enum CPUKernels {
    /// Not Sendable to Swift, since it holds C pointers (the variant's name,
    /// the functions); it is a copy of a `const` table and never written.
    nonisolated(unsafe) static let selected: am_kernels = am_kernels_select()!.pointee

    /// The most rows of x one `dot_rows_f16` call takes on its vector paths;
    /// more fall back to the scalar reference, so callers pass them in chunks.
    static let dotRowsX = Int(AM_DOT_ROWS_X)

    /// Runs `body(share, range)` over shares of `0..<count` on the calling
    /// thread's OpenMP team, the threads oneDNN's products use, at most
    /// `maximumShares` of them, and returns when all are done.
    static func parallelRows(_ count: Int, maximumShares: Int = .max, _ body: (_ share: Int, Range<Int>) -> Void) {
        typealias Body = (Int, Range<Int>) -> Void
        withoutActuallyEscaping(body) { body in
            var body = body
            withUnsafeMutablePointer(to: &body) { pointer in
                am_parallel_rows(count, maximumShares, { context, first, last, share in
                    context!.assumingMemoryBound(to: Body.self).pointee(share, first..<last)
                }, pointer)
            }
        }
    }
}
