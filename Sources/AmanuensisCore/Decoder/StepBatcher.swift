import Dispatch
import Foundation
import Synchronization

/// Runs the decoder steps of concurrent streams together, as one pass on a
/// thread of its own: a step at one row is bound by reading the decoder's
/// weights, so a pass over sixteen streams' rows costs little more than one.
///
/// A stream submits its step and waits. The pass starts as soon as every
/// stream in a search (`join`…`leave`) has submitted, or `gatherWindow` after
/// the oldest step came, whichever is first: a stream busy elsewhere delays
/// the others by that at most. Streams join and leave between passes.
final class StepBatcher: Sendable {
    private struct State {
        var pending: [Handoff<DecoderStep>] = []
        var oldest: DispatchTime?
        var joined = 0
        var stopped = false
        var passes = 0
        var steps = 0
        var largest = 0
    }

    /// The decoder thread's nice value. While encoders keep the cores busy,
    /// the thread runs little, and the streams that finish their windows
    /// meanwhile gather into one pass: the weights are read once for all of
    /// them. Alone on the machine it runs as fast as any thread. (16 clients
    /// on the default 8 streams, int8: 4.2 steps a pass and 22.2 audio
    /// seconds a second, against 1.3 and 18.8 at nice 0.)
    static let niceness: Int32 = 10

    /// How long the oldest waiting step waits for the other joined streams.
    static let gatherWindow = DispatchTimeInterval.milliseconds(2)

    private let state = Mutex(State())
    private let work = DispatchSemaphore(value: 0)
    private let pass: Handoff<DecoderPass>
    let bytes: Int

    init(model: WhisperModel) {
        let pass = DecoderPass(model: model)
        bytes = pass.bytes
        self.pass = Handoff(pass)
        let thread = Thread { [self] in
            // Linux's nice value is per thread: this one only.
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
            ComputeThreads.singleThreaded { serve() }
        }
        thread.name = "amanuensis-decoder"
        thread.start()
    }

    /// Ends the thread once the steps already submitted have run.
    func stop() {
        state.withLock { $0.stopped = true }
        work.signal()
    }

    func join() {
        state.withLock { $0.joined += 1 }
    }

    func leave() {
        state.withLock { $0.joined -= 1 }
        work.signal()
    }

    /// Runs `step` in the next pass and returns when it is done.
    func run(_ step: DecoderStep) {
        state.withLock { state in
            if state.pending.isEmpty { state.oldest = .now() }
            state.pending.append(Handoff(step))
        }
        work.signal()
        step.decoder.stepDone.wait()
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
            let steps = batch.map(\.value)
            // The team for the projection only for a stream alone, as it asked.
            pass.value.run(steps, projectionThreads: steps.count == 1 ? steps[0].decoder.projectionThreads : 1)
            for step in steps { step.decoder.stepDone.signal() }
        }
    }

    private enum Decision {
        case run([Handoff<DecoderStep>])
        case wait(until: DispatchTime?)
        case stop
    }

    /// Waits for the next batch: every joined stream's step, or what came
    /// within the gather window; as many steps as fit in a pass.
    private func nextBatch() -> [Handoff<DecoderStep>]? {
        let capacity = pass.value.rowCapacity
        while true {
            let decision: Decision = state.withLock { state in
                guard let oldest = state.oldest else { return state.stopped ? .stop : .wait(until: nil) }
                let deadline = oldest + Self.gatherWindow
                guard state.pending.count >= state.joined || state.stopped || DispatchTime.now() >= deadline else {
                    return .wait(until: deadline)
                }
                var rows = 0
                let count = state.pending.prefix { step in
                    rows += step.value.rows
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
