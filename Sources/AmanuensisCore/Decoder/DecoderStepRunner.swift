/// Runs a stream's decoder steps: on the calling thread, in a pass of the
/// stream's own (`DecoderPass`), or batched with other streams' steps by the
/// runtime, which reads the weights once for all of them.
public protocol DecoderStepRunner: AnyObject {
    /// Runs `body`, a search of many steps. A batching runner counts the
    /// stream among those a pass waits for until `body` returns.
    func searching<T>(_ body: () throws -> T) rethrows -> T

    /// Runs `step` and returns when its state holds the step's logits.
    func run(_ step: DecoderStep)
}

extension DecoderPass: DecoderStepRunner {
    public func searching<T>(_ body: () throws -> T) rethrows -> T { try body() }

    public func run(_ step: DecoderStep) {
        run(CollectionOfOne(step), threads: step.threads)
    }
}
