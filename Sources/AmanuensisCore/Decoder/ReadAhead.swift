import AmanuensisKernels
import Dispatch
import Synchronization

/// Reads what a decoding step's layers are about to read, from another
/// core, so that they find it in the cache the cores share. A one-row step
/// reads some 17 MB of layers and cross-attention keys and values on one
/// thread, at what one core draws from memory, while the other core waits
/// for the vocabulary projection (Docs/measurements.md, "Speed").
///
/// Nothing ever waits for the reader: a step hands it its states (`begin`)
/// and goes on, and the reading stops when the step's layers are done
/// (`end`). A fork-join with the second thread of the team gained as much
/// idle but lost more beside busy programs, where the join waited for a
/// thread the scheduler had set aside. The reader's thread is the runtime's
/// (`serve`), at idle priority, so it only takes a core nobody else wants;
/// without it, steps run as they would.
public final class ReadAhead: Sendable {
    /// A step's states, held so that their keys and values stay mapped
    /// while they are read. Unchecked: `DecoderState` is not Sendable, and
    /// the reader reads only the bytes of its keys and values, never its
    /// state, while the decoder thread writes other memory of it.
    private struct Work: @unchecked Sendable {
        let states: [DecoderState]
        let generation: Int
    }

    private let model: WhisperModel
    private let work = Mutex<Work?>(nil)
    /// Counts `begin`s and `end`s: the reader reads a step's regions while
    /// it is the one its work was handed over at.
    private let generation = Atomic(0)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let stopped = Atomic(false)

    public init(model: WhisperModel) {
        self.model = model
    }

    /// A step's layers start, over `states`' keys and values. Never waits:
    /// if the reader holds the lock (it may be put aside holding it, at its
    /// priority), this step is not read ahead.
    func begin(_ states: [DecoderState]) {
        let current = generation.add(1, ordering: .releasing).newValue
        guard work.withLockIfAvailable({ $0 = Work(states: states, generation: current) }) != nil else { return }
        wakeUp.signal()
    }

    /// The step's layers are done: what is left unread is not worth reading.
    func end() {
        _ = generation.add(1, ordering: .releasing)
    }

    /// Reads each step's regions as it comes, until `stop`.
    public func serve() {
        while true {
            wakeUp.wait()
            if stopped.load(ordering: .acquiring) { return }
            guard let next = work.withLock({ work -> Work? in defer { work = nil }; return work }) else { continue }
            read(next)
        }
    }

    /// Ends `serve` once it is done with what it is reading.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        wakeUp.signal()
    }

    /// Bytes read between looks at the generation.
    private static let chunk = 64 << 10

    /// Each layer's regions in the order its step reads them: the
    /// products before the cross-attention, the states' keys and values,
    /// the products after.
    private func read(_ step: Work) {
        func read(_ region: UnsafeRawBufferPointer) -> Bool {
            for start in stride(from: 0, to: region.count, by: Self.chunk) {
                guard generation.load(ordering: .acquiring) == step.generation else { return false }
                am_read_ahead(region.baseAddress! + start, min(Self.chunk, region.count - start))
            }
            return true
        }
        for (index, layer) in model.weights.decoderLayers.enumerated() {
            for linear in [layer.selfQueryKeyValue, layer.selfAttentionOutput, layer.crossQuery] {
                guard read(linear.weight.rows) else { return }
            }
            for state in step.states {
                guard read(state.crossAttentionBytes(layer: index)) else { return }
            }
            for linear in [layer.crossAttentionOutput, layer.feedForwardIn, layer.feedForwardOut] {
                guard read(linear.weight.rows) else { return }
            }
        }
    }
}
