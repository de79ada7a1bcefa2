import Dispatch
import Synchronization

/// The encoders the streams share: a fixed set of window workspaces, each an
/// `AudioEncoder` and its output, lent for one window at a time. A window is
/// compute-bound, so more encoders than cores would only share the cores;
/// the pool lets a stream wait for one instead of each stream holding its own
/// (about 40 MB of scratch each, most of a stream's memory).
final class EncoderPool: Sendable {
    private struct State {
        var free: [Handoff<Slot>]
        var inUse = 0
        var highWater = 0
        var waits = 0
    }

    private struct Slot {
        let encoder: AudioEncoder
        let output: FloatBuffer
    }

    let count: Int
    /// Bytes of all the encoders' buffers.
    let bytes: Int
    private let state: Mutex<State>
    private let available: DispatchSemaphore

    init(model: WhisperModel, count: Int) {
        precondition(count >= 1)
        let d = model.dimensions
        let slots = (0..<count).map { _ in
            Slot(encoder: AudioEncoder(model: model), output: FloatBuffer(count: d.audioPositions * d.width))
        }
        self.count = count
        bytes = slots.reduce(0) { $0 + $1.encoder.scratchBytes + $1.output.bytes }
        state = Mutex(State(free: slots.map(Handoff.init)))
        available = DispatchSemaphore(value: count)
    }

    /// Runs `body` with an encoder and its output buffer, waiting for one to
    /// be free, its products on `threads` threads.
    func withEncoder<T>(threads: Int, _ body: (AudioEncoder, UnsafeMutablePointer<Float>) throws -> T) rethrows -> T {
        let waited = available.wait(timeout: .now()) == .timedOut
        if waited { available.wait() }
        let slot = state.withLock { state in
            state.inUse += 1
            state.highWater = max(state.highWater, state.inUse)
            if waited { state.waits += 1 }
            return state.free.removeLast()
        }
        defer {
            state.withLock { state in
                state.free.append(slot)
                state.inUse -= 1
            }
            available.signal()
        }
        return try ComputeThreads.with(threads: threads) { try body(slot.value.encoder, slot.value.output.pointer) }
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
