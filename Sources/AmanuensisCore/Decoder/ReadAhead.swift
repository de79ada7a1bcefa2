import AmanuensisKernels
import Dispatch
import Synchronization

/// Reads what a lone decoding step's layers are about to read, from another
/// core, so that they find it in the cache the cores share. A one-row step
/// reads some 17 MB of layers and cross-attention keys and values on one
/// thread, at what one core draws from memory, while the other core waits
/// for the vocabulary projection (Docs/measurements.md, "Speed").
///
/// Nothing ever waits for the reader: a step hands it its state (`begin`)
/// and goes on, and the reading stops when the step's layers are done
/// (`end`). A fork-join with the second thread of the team gained as much
/// idle but lost more beside busy programs, where the join waited for a
/// thread the scheduler had set aside. The reader's thread is the runtime's
/// (`serve`), at idle priority, so it only takes a core nobody else wants;
/// without it, steps run as they would.
public final class ReadAhead: Sendable {
    /// A step to read ahead of: its state's keys and values, held so that
    /// they stay mapped while they are read. Unchecked: `DecoderState` is
    /// not Sendable; the reader touches only its `let` buffers' bytes
    /// (`crossAttentionBytes`), which its stream may be writing meanwhile
    /// for the next window (the reads are discarded; see read_ahead.c).
    private struct Work: @unchecked Sendable {
        let state: DecoderState
        let generation: Int
    }

    private let model: WhisperModel
    /// Each decoder layer's products in the order a step runs them
    /// (`DecoderLayer.linears`), listed once so that the reader, which may be
    /// put aside at any point, allocates nothing a step.
    private let layers: [[Linear]]
    /// The step waiting to be read, if the reader has not taken it yet.
    private let waiting = Locked<Work?>(nil)
    /// Bumped by every `begin` and `end`: a read stops when it no longer
    /// matches, so the reader never reads past its step's layers, which
    /// would only evict what the next step reads.
    private let generation = Atomic(0)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let stopped = Atomic(false)
    /// Bytes read so far, for the tests.
    let bytesRead = Atomic(0)

    public init(model: WhisperModel) {
        self.model = model
        layers = model.weights.decoderLayers.map(\.linears)
    }

    /// A lone step's layers start, over `state`'s keys and values. Never
    /// waits: if the reader holds the lock (it may be put aside holding it,
    /// at its priority), this step is not read ahead.
    func begin(_ state: DecoderState) {
        let current = generation.add(1, ordering: .relaxed).newValue
        let wasEmpty = waiting.withLockIfAvailable { waiting -> Bool in
            defer { waiting = Work(state: state, generation: current) }
            return waiting == nil
        }
        if wasEmpty == true { wakeUp.signal() }
    }

    /// The step's layers are done: what is left unread is not worth reading.
    func end() {
        _ = generation.add(1, ordering: .relaxed)
    }

    /// Reads each step as it comes, until `stop`.
    public func serve() {
        while true {
            wakeUp.wait()
            if stopped.load(ordering: .relaxed) { return }
            guard let next = waiting.withLock({ waiting -> Work? in defer { waiting = nil }; return waiting }) else { continue }
            read(next)
        }
    }

    /// Ends `serve` once it is done with what it is reading.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        wakeUp.signal()
    }

    /// Bytes read between looks at the generation: how far a read may run
    /// past its step's layers, against an atomic load per chunk.
    private static let chunk = 64 << 10

    /// Each layer's regions in the order the step reads them: the three
    /// products before the cross-attention, the keys and values, the three
    /// after.
    private func read(_ step: Work) {
        func read(_ region: UnsafeRawBufferPointer) -> Bool {
            for start in stride(from: 0, to: region.count, by: Self.chunk) {
                guard generation.load(ordering: .relaxed) == step.generation else { return false }
                let count = min(Self.chunk, region.count - start)
                am_read_ahead(region.baseAddress! + start, count)
                bytesRead.add(count, ordering: .relaxed)
            }
            return true
        }
        for (index, linears) in layers.enumerated() {
            for linear in linears[..<3] { guard read(linear.weight.region) else { return } }
            guard read(step.state.crossAttentionBytes(layer: index)) else { return }
            for linear in linears[3...] { guard read(linear.weight.region) else { return } }
        }
    }
}
