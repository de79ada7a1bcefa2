/// The waits before retrying a request the daemon was too busy for: 0.2 s,
/// doubling to 3.2 s, for up to five minutes after the first.
struct Backoff {
    private var delay = 0.2
    private var deadline: ContinuousClock.Instant?

    /// The next wait in seconds; nil once five minutes have passed.
    mutating func next() -> Double? {
        let now = ContinuousClock.now
        let deadline = self.deadline ?? now + .seconds(300)
        self.deadline = deadline
        guard now + .milliseconds(Int(delay * 1000)) < deadline else { return nil }
        defer { delay = min(delay * 2, 3.2) }
        return delay
    }
}
