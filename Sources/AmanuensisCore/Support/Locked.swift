import Glibc

/// A value behind a pthread mutex, used the way `Mutex` is (`withLock`).
///
/// Not the standard library's `Mutex`: on Linux its lock lives in the
/// Synchronization library, outside the code ThreadSanitizer instruments, so
/// TSan cannot see it and reports every access it protects as a race (a
/// two-thread counter under `Mutex` reports five). A pthread mutex is
/// intercepted by every sanitizer, so `Tools/sanitize.sh thread` checks the
/// locking this code really does. Unchecked Sendable for the same reason
/// `Mutex` is Sendable: the value is only reached under the lock.
public final class Locked<Value>: @unchecked Sendable {
    // The mutex first: a zero-sized value (a bare lock, `Locked(())`) laid
    // out first would share its address, and TSan would take the lock's read
    // for a race with the value's access.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// `withLock`, or nil at once if another thread holds the lock.
    public func withLockIfAvailable<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
