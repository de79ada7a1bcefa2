import Glibc

/// How many threads oneDNN's OpenMP runtime uses for the products started on
/// the calling thread. The decoder's products are tiny (one row per step):
/// forking a team for each costs more than the arithmetic, so decoding runs
/// them on one thread; the encoder's large products keep the team.
///
/// `omp_set_num_threads` is looked up in the OpenMP runtime oneDNN already
/// loaded, so no OpenMP development files are needed to build.
enum ComputeThreads {
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32

    private static let set: SetThreads? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_num_threads")
        .map { unsafeBitCast($0, to: SetThreads.self) }
    private static let get: GetThreads? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_max_threads")
        .map { unsafeBitCast($0, to: GetThreads.self) }

    /// Runs `body` with this thread's products on one thread, then restores the count.
    static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        try with(threads: 1, body)
    }

    /// Runs `body` with this thread's team at `threads`, then restores the count.
    static func with<T>(threads: Int, _ body: () throws -> T) rethrows -> T {
        guard let set, let get else { return try body() }
        let previous = get()
        set(Int32(threads))
        defer { set(previous) }
        return try body()
    }

    /// The team a thread starts with: OMP_NUM_THREADS, or the cores.
    static let available: Int = get.map { Int($0()) } ?? 1
}
