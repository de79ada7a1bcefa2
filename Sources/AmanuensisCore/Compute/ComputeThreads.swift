import AmanuensisKernels

/// How many threads oneDNN's OpenMP runtime uses for the products started on
/// the calling thread. A decoding step's products are tiny (one row a
/// sequence): forking a team for each costs more than the arithmetic, so
/// decoding runs them on one thread, but for the vocabulary projection and
/// a prompt's rows (`DecoderPass`); the encoder's large products keep the team.
///
/// The OpenMP runtime is the one oneDNN loaded, found once by the kernels
/// library (`parallel.c`), so no OpenMP development files are needed to build.
public enum ComputeThreads {
    /// Runs `body` with this thread's products on one thread, then restores the count.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        try with(threads: 1, body)
    }

    /// Runs `body` with this thread's team at `threads`, then restores the count.
    public static func with<T>(threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = am_omp_max_threads()
        am_omp_set_threads(Int32(threads))
        defer { am_omp_set_threads(previous) }
        return try body()
    }

    /// The team a thread starts with: OMP_NUM_THREADS, or the cores.
    public static let available = Int(am_omp_max_threads())
}
