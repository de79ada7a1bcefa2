import AmanuensisCore
import Dispatch

/// The encoders the streams share: a fixed set of window workspaces, each an
/// `AudioEncoder` with its output, lent for one window at a time. A window is
/// compute-bound, so more encoders than cores would only share the cores;
/// the pool lets a stream wait for one instead of each stream holding its own
/// (an encoder's scratch is most of a stream's memory).
final class EncoderPool: EncoderProvider, Sendable {
    private struct State {
        var free: [UnsafeTransfer<AudioEncoder>]
        var inUse = 0
        var highWater = 0
        var waits = 0
    }

    let count: Int
    /// Bytes of all the encoders' buffers.
    let bytes: Int
    private let state: Locked<State>
    private let available: DispatchSemaphore

    init(model: WhisperModel, count: Int) {
        precondition(count >= 1)
        let encoders = (0..<count).map { _ in AudioEncoder(model: model) }
        self.count = count
        bytes = encoders.reduce(0) { $0 + $1.bytes }
        state = Locked(State(free: encoders.map(UnsafeTransfer.init)))
        available = DispatchSemaphore(value: count)
    }

    /// Runs `body` with an encoder, waiting for one to be free, its products
    /// on `threads` threads. The encoder goes back on every path.
    func withEncoder<T>(threads: Int, _ body: (AudioEncoder) throws -> T) rethrows -> T {
        let waited = available.wait(timeout: .now()) == .timedOut
        if waited { available.wait() }
        let encoder = state.withLock { state in
            state.inUse += 1
            state.highWater = max(state.highWater, state.inUse)
            if waited { state.waits += 1 }
            return state.free.removeLast()
        }
        defer {
            state.withLock { state in
                state.free.append(encoder)
                state.inUse -= 1
            }
            available.signal()
        }
        return try ComputeThreads.with(threads: threads) { try body(encoder.value) }
    }

    struct Statistics: Sendable {
        let inUse: Int
        let highWater: Int
        /// Windows that waited for a free encoder.
        let waits: Int
    }

    var statistics: Statistics {
        state.withLock { Statistics(inUse: $0.inUse, highWater: $0.highWater, waits: $0.waits) }
    }
}
