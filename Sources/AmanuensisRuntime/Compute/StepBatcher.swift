import AmanuensisCore
import Dispatch
import Foundation

/// Runs the decoder steps of concurrent streams together, as one pass on a
/// thread of its own: a step at one row is bound by reading the decoder's
/// weights, so a pass over sixteen streams' rows costs little more than one.
///
/// Each stream steps through a `Lane` of its own: it submits its step and
/// waits on the lane. The pass starts as soon as every stream in a search
/// (`searching`) has submitted, or `gatherWindow` after the oldest step came,
/// whichever is first: a stream busy elsewhere delays the others by that at
/// most. Streams join and leave between passes.
final class StepBatcher: Sendable {
    /// A stream's way into the batcher: its steps go to the shared pass, and
    /// it waits here until its step is done.
    final class Lane: DecoderStepRunner, Sendable {
        private let batcher: StepBatcher
        fileprivate let done = DispatchSemaphore(value: 0)

        fileprivate init(_ batcher: StepBatcher) { self.batcher = batcher }

        func searching<T>(_ body: () throws -> T) rethrows -> T {
            batcher.state.withLock { $0.joined += 1 }
            defer {
                batcher.state.withLock { $0.joined -= 1 }
                batcher.work.signal()
            }
            return try body()
        }

        func run(_ step: DecoderStep) {
            batcher.state.withLock { state in
                if state.pending.isEmpty { state.oldest = .now() }
                state.pending.append((UnsafeTransfer(step), self))
            }
            batcher.work.signal()
            done.wait()
        }
    }

    private struct State {
        var pending: [(step: UnsafeTransfer<DecoderStep>, lane: Lane)] = []
        var oldest: DispatchTime?
        var joined = 0
        var stopped = false
        var passes = 0
        var steps = 0
        var largest = 0
    }

    /// How long the oldest waiting step waits for the other joined streams.
    static let gatherWindow = DispatchTimeInterval.milliseconds(2)

    private let state = Locked(State())
    private let work = DispatchSemaphore(value: 0)
    private let pass: UnsafeTransfer<DecoderPass>
    private let readAhead: ReadAhead
    let bytes: Int

    init(model: WhisperModel) {
        readAhead = ReadAhead(model: model)
        readAhead.startThread()
        let pass = DecoderPass(model: model, readAhead: readAhead)
        bytes = pass.bytes
        self.pass = UnsafeTransfer(pass)
        // At the daemon's own priority: a nice value gathered larger passes
        // on an idle machine, but let any busy program at normal priority
        // starve every stream's decoding, and a desktop is never idle.
        NamedThread.start("amanuensis-decoder") { [self] in ComputeThreads.singleThreaded { serve() } }
    }

    /// A lane for one more stream.
    func lane() -> Lane { Lane(self) }

    /// Ends the thread once the steps already submitted have run.
    func stop() {
        state.withLock { $0.stopped = true }
        work.signal()
        readAhead.stop()
    }

    struct Statistics: Sendable {
        /// Passes run, and the streams' steps they carried.
        let passes: Int
        let steps: Int
        /// The most steps one pass carried.
        let largest: Int
    }

    var statistics: Statistics {
        state.withLock { Statistics(passes: $0.passes, steps: $0.steps, largest: $0.largest) }
    }

    private func serve() {
        while let batch = nextBatch() {
            let steps = batch.map(\.step.value)
            // The team only for a stream alone, as it asked: a batch's steps share the cores.
            pass.value.run(steps, threads: steps.count == 1 ? steps[0].threads : 1)
            for entry in batch { entry.lane.done.signal() }
        }
    }

    private enum Decision {
        case run([(step: UnsafeTransfer<DecoderStep>, lane: Lane)])
        case wait(until: DispatchTime?)
        case stop
    }

    /// Waits for the next batch: every joined stream's step, or what came
    /// within the gather window; as many steps as fit in a pass.
    private func nextBatch() -> [(step: UnsafeTransfer<DecoderStep>, lane: Lane)]? {
        let capacity = pass.value.rowCapacity
        while true {
            let decision: Decision = state.withLock { state in
                guard let oldest = state.oldest else { return state.stopped ? .stop : .wait(until: nil) }
                let deadline = oldest + Self.gatherWindow
                guard state.pending.count >= state.joined || state.stopped || DispatchTime.now() >= deadline else {
                    return .wait(until: deadline)
                }
                var rows = 0
                let count = state.pending.prefix { entry in
                    rows += entry.step.value.rows
                    return rows <= capacity
                }.count
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                state.oldest = state.pending.isEmpty ? nil : .now()
                state.passes += 1
                state.steps += count
                state.largest = max(state.largest, count)
                return .run(batch)
            }
            switch decision {
            case .run(let batch): return batch
            case .stop: return nil
            case .wait(let deadline?): _ = work.wait(timeout: deadline)
            case .wait(nil): work.wait()
            }
        }
    }
}
