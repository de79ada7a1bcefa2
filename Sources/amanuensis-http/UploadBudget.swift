import Synchronization

/// The bytes of upload the gateway holds at once, across all connections:
/// each body counts from its first byte until its answer is written, so
/// many clients uploading together cannot hold more memory than this.
final class UploadBudget: Sendable {
    let limit: Int
    private let held = Atomic(0)

    init(limit: Int) { self.limit = limit }

    /// Takes `bytes` from the budget; false, taking nothing, if they do not fit.
    func reserve(_ bytes: Int) -> Bool {
        var current = held.load(ordering: .relaxed)
        while current + bytes <= limit {
            let (exchanged, original) = held.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release(_ bytes: Int) {
        held.subtract(bytes, ordering: .relaxed)
    }
}
