/// Moves a non-Sendable value to another thread under a rule the compiler
/// cannot check: one thread at a time uses it. Either the sender never
/// touches it again, or the sender waits until the receiver is done with it
/// (a decoder step handed to the batcher, an encoder lent from its pool).
public struct Handoff<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
